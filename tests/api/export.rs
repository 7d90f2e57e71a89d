//! Exports of a letter's signatures over HTTP and from the command line: exact CSV and
//! JSON Lines content (formula cells, quotes, commas, newlines, non-Latin scripts), the
//! byte-order mark, every filter, the column choice, personal columns for admins only,
//! the audit log, the sign-in redirect, and an export longer than one page.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use undersigned::entities::{SignatureKind, SignatureStatus, signature};
use undersigned::export::{self, Exporter, RawSpec, Spec};
use undersigned::store::letters;

use crate::support::staff::{self, Browser, location};
use crate::support::{LETTER, TestApp};

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap()
}

/// What differs between the signatures a test writes.
struct Signer<'a> {
    kind: SignatureKind,
    status: SignatureStatus,
    name: &'a str,
    organisation: Option<&'a str>,
    email: &'a str,
    country: &'a str,
    city: Option<&'a str>,
    ip: Option<&'a str>,
    version: i32,
    created: DateTime<Utc>,
}

impl Default for Signer<'_> {
    fn default() -> Self {
        Signer {
            kind: SignatureKind::Individual,
            status: SignatureStatus::Confirmed,
            name: "Anna",
            organisation: None,
            email: "anna@example.org",
            country: "FR",
            city: None,
            ip: Some("203.0.113.7"),
            version: 1,
            created: at(20, 9),
        }
    }
}

/// Writes a signature straight to the table (an export must carry whatever is stored,
/// even text the sign form would refuse today) and returns its id.
async fn insert(app: &TestApp, letter_id: i64, s: Signer<'_>) -> i64 {
    let confirmed = matches!(
        s.status,
        SignatureStatus::Confirmed | SignatureStatus::Held | SignatureStatus::Invalidated
    )
    .then(|| s.created + chrono::Duration::minutes(5));
    signature::ActiveModel {
        letter_id: Set(letter_id),
        kind: Set(s.kind),
        status: Set(s.status),
        name: Set(s.name.into()),
        email: Set(s.email.into()),
        email_normalized: Set(s.email.into()),
        country: Set(s.country.into()),
        city: Set(s.city.map(Into::into)),
        organisation_name: Set(s.organisation.map(Into::into)),
        show_publicly: Set(true),
        wants_updates: Set(false),
        confirmation_emails: Set(1),
        client_ip: Set(s.ip.map(Into::into)),
        created_at: Set(s.created),
        confirmed_at: Set(confirmed),
        letter_version: Set(s.version),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

async fn letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The four signatures of the content tests, ids returned in order.
async fn tricky_signatures(app: &TestApp, letter: i64) -> [i64; 4] {
    [
        insert(
            app,
            letter,
            Signer {
                name: "=HYPERLINK(\"http://evil.example\",\"click\")",
                email: "formula@example.org",
                city: Some("Paris"),
                ..Default::default()
            },
        )
        .await,
        insert(
            app,
            letter,
            Signer {
                name: "Zəhra Əliyeva, \"Zara\"\nsecond line",
                email: "zehra@example.az",
                country: "AZ",
                city: Some("Bakı"),
                ip: Some("2001:db8::1"),
                ..Default::default()
            },
        )
        .await,
        insert(
            app,
            letter,
            Signer {
                kind: SignatureKind::Organisation,
                name: "Иван Петров",
                organisation: Some("+Human Rights House"),
                email: "ivan@hrh.example.org",
                country: "GE",
                city: Some("@თბილისი"),
                ip: None,
                version: 2,
                created: at(22, 9),
                ..Default::default()
            },
        )
        .await,
        insert(
            app,
            letter,
            Signer {
                status: SignatureStatus::Pending,
                name: "מרים כהן-לוי\t李小龙",
                email: "miriam@example.il",
                country: "IL",
                city: Some("-3 °C"),
                created: at(24, 9),
                ..Default::default()
            },
        )
        .await,
    ]
}

async fn download(
    browser: &mut Browser,
    app: &TestApp,
    letter: i64,
    query: &str,
) -> reqwest::Response {
    browser
        .get(
            app,
            &format!("/staff/letters/{letter}/export/download?{query}"),
        )
        .await
}

const COLUMNS: &str = "columns=id&columns=kind&columns=status&columns=name&columns=organisation_name&columns=country&columns=city&columns=version&columns=confirmed_at";

#[tokio::test]
async fn the_csv_holds_exactly_the_signatures_with_formula_cells_neutralised() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    let [a, b, c, d] = tricky_signatures(&app, letter).await;

    let response = download(&mut admin, &app, letter, COLUMNS).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(
        headers["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{LETTER}-signatures-2026"))
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let body = response.bytes().await.unwrap();
    let expected = format!(
        "id,kind,status,name,organisation_name,country,city,version,confirmed_at\r\n\
         {a},individual,confirmed,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",,FR,Paris,1,2026-11-20T09:05:00Z\r\n\
         {b},individual,confirmed,\"Zəhra Əliyeva, \"\"Zara\"\"\nsecond line\",,AZ,Bakı,1,2026-11-20T09:05:00Z\r\n\
         {c},organisation,confirmed,Иван Петров,'+Human Rights House,GE,'@თბილისი,2,2026-11-22T09:05:00Z\r\n\
         {d},individual,pending,מרים כהן-לוי\t李小龙,,IL,'-3 °C,1,\r\n"
    );
    assert_eq!(String::from_utf8(body.to_vec()).unwrap(), expected);

    // A CSV reader gives back every name as stored (with the ' in front of a formula).
    let mut reader = csv::Reader::from_reader(body.as_ref());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap().get(3).unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "'=HYPERLINK(\"http://evil.example\",\"click\")",
            "Zəhra Əliyeva, \"Zara\"\nsecond line",
            "Иван Петров",
            "מרים כהן-לוי\t李小龙",
        ]
    );
}

#[tokio::test]
async fn json_lines_carry_the_text_unchanged_with_typed_values() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    let [a, b, c, d] = tricky_signatures(&app, letter).await;

    let response = download(
        &mut admin,
        &app,
        letter,
        "format=jsonl&columns=id,name,organisation_name,version,show_publicly,confirmed_at",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/jsonl; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    let expected = format!(
        "{{\"id\":{a},\"name\":\"=HYPERLINK(\\\"http://evil.example\\\",\\\"click\\\")\",\"organisation_name\":null,\"version\":1,\"show_publicly\":true,\"confirmed_at\":\"2026-11-20T09:05:00Z\"}}\n\
         {{\"id\":{b},\"name\":\"Zəhra Əliyeva, \\\"Zara\\\"\\nsecond line\",\"organisation_name\":null,\"version\":1,\"show_publicly\":true,\"confirmed_at\":\"2026-11-20T09:05:00Z\"}}\n\
         {{\"id\":{c},\"name\":\"Иван Петров\",\"organisation_name\":\"+Human Rights House\",\"version\":2,\"show_publicly\":true,\"confirmed_at\":\"2026-11-22T09:05:00Z\"}}\n\
         {{\"id\":{d},\"name\":\"מרים כהן-לוי\\t李小龙\",\"organisation_name\":null,\"version\":1,\"show_publicly\":true,\"confirmed_at\":null}}\n"
    );
    assert_eq!(body, expected);
    for line in body.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(value.as_object().unwrap().len(), 6);
    }
}

#[tokio::test]
async fn a_byte_order_mark_starts_the_csv_only_when_asked() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    insert(&app, letter, Signer::default()).await;

    let plain = download(&mut admin, &app, letter, "columns=name")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(plain.as_ref(), b"name\r\nAnna\r\n");
    let with_bom = download(&mut admin, &app, letter, "columns=name&bom=on")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(with_bom.as_ref(), "\u{feff}name\r\nAnna\r\n".as_bytes());
    // JSON Lines never carry one.
    let jsonl = download(&mut admin, &app, letter, "format=jsonl&columns=name&bom=on")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(jsonl.as_ref(), b"{\"name\":\"Anna\"}\n");
}

#[tokio::test]
async fn each_filter_keeps_exactly_the_matching_signatures() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    let [a, b, c, d] = tricky_signatures(&app, letter).await;
    let e = insert(
        &app,
        letter,
        Signer {
            status: SignatureStatus::Invalidated,
            email: "late@example.org",
            created: Utc
                .with_ymd_and_hms(2026, 11, 24, 23, 59, 59)
                .single()
                .unwrap(),
            ..Default::default()
        },
    )
    .await;
    // Another letter's signature never shows.
    let other = undersigned::store::letters::create(
        &app.db,
        undersigned::store::letters::NewLetter {
            slug: "another-letter".into(),
            title: "Another".into(),
            summary: "Another.".into(),
            body: "Another.".into(),
            language: "en".into(),
            status: undersigned::entities::LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![undersigned::store::letters::NewTarget::new(
                "Council",
                "council@example.org",
            )],
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    insert(&app, other.id, Signer::default()).await;

    let mut ids = async |query: &str| -> Vec<i64> {
        let response = download(&mut admin, &app, letter, &format!("columns=id&{query}")).await;
        assert_eq!(response.status(), 200, "{query}");
        let body = response.text().await.unwrap();
        body.lines()
            .skip(1)
            .map(|l| l.trim().parse().unwrap())
            .collect()
    };
    assert_eq!(ids("").await, [a, b, c, d, e]);
    assert_eq!(ids("kind=organisation").await, [c]);
    assert_eq!(ids("kind=individual").await, [a, b, d, e]);
    assert_eq!(ids("status=confirmed").await, [a, b, c]);
    assert_eq!(ids("status=pending").await, [d]);
    assert_eq!(ids("status=invalidated").await, [e]);
    assert_eq!(ids("version=2").await, [c]);
    assert_eq!(ids("version=1").await, [a, b, d, e]);
    assert_eq!(ids("since=2026-11-22").await, [c, d, e]);
    assert_eq!(ids("until=2026-11-22").await, [a, b, c]);
    // The last day counts to its last second.
    assert_eq!(ids("since=2026-11-24&until=2026-11-24").await, [d, e]);
    assert_eq!(ids("since=2026-11-21&until=2026-11-23").await, [c]);
    assert_eq!(
        ids("kind=individual&status=confirmed&since=2026-11-20&until=2026-11-20").await,
        [a, b]
    );
    assert_eq!(ids("since=2026-11-25").await, Vec::<i64>::new());
}

#[tokio::test]
async fn bad_filters_show_the_form_again_with_messages_beside_the_fields() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    let response = download(
        &mut admin,
        &app,
        letter,
        "format=xlsx&columns=name&columns=shoe_size&kind=robot&version=two&since=2026-11-31&until=2026-11-01",
    )
    .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert_eq!(page.matches("<h1").count(), 1);
    for message in [
        "Choose CSV or JSON Lines.",
        "Unknown column shoe_size",
        "Choose individual or organisation.",
        "Write the number of a version, like 1.",
        "Write a date as YYYY-MM-DD, like 2026-11-29.",
    ] {
        assert!(page.contains(message), "{message} missing");
    }
    // What was typed is kept.
    assert!(page.contains("value=\"two\""));
    assert!(page.contains("value=\"2026-11-31\""));
    assert!(page.contains("id=\"export-column-name\" name=\"columns\" value=\"name\" checked"));
    // Nothing was exported, so nothing is in the audit log.
    assert!(
        !staff::actions(&app)
            .await
            .iter()
            .any(|a| a.action == "export")
    );
}

#[tokio::test]
async fn editors_are_refused_personal_columns_and_admins_get_them_only_when_asked() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    let letter = letter_id(&app).await;
    let id = insert(&app, letter, Signer::default()).await;

    // The editor's form offers no personal column; the admin's does.
    let form = editor
        .get(&app, &format!("/staff/letters/{letter}/export"))
        .await;
    assert_eq!(form.status(), 200);
    assert_eq!(form.headers()["cache-control"], "no-store");
    let form = form.text().await.unwrap();
    assert!(form.contains("value=\"name\""));
    assert!(!form.contains("value=\"email\""));
    assert!(!form.contains("value=\"client_ip\""));
    let admin_form = admin
        .get(&app, &format!("/staff/letters/{letter}/export"))
        .await
        .text()
        .await
        .unwrap();
    assert!(admin_form.contains("value=\"email\""));
    assert!(admin_form.contains("value=\"client_ip\""));
    // Personal columns are not ticked by default.
    assert!(!admin_form.contains("value=\"email\" checked"));

    for query in ["columns=email", "columns=name,client_ip"] {
        let refused = download(&mut editor, &app, letter, query).await;
        assert_eq!(refused.status(), 403, "{query}");
        assert!(!refused.text().await.unwrap().contains("anna@example.org"));
    }
    // An editor's own export works and holds no address.
    let own = download(&mut editor, &app, letter, "")
        .await
        .text()
        .await
        .unwrap();
    assert!(own.contains("Anna"));
    assert!(!own.contains("anna@example.org") && !own.contains("203.0.113.7"));

    // The admin's default export has none either; asked, it has both.
    let default = download(&mut admin, &app, letter, "")
        .await
        .text()
        .await
        .unwrap();
    assert!(!default.contains("anna@example.org") && !default.contains("203.0.113.7"));
    let asked = download(&mut admin, &app, letter, "columns=id,email,client_ip")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        asked,
        format!("id,email,client_ip\r\n{id},anna@example.org,203.0.113.7\r\n")
    );
}

#[tokio::test]
async fn every_export_is_in_the_audit_log_with_its_columns_and_filters() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    insert(&app, letter, Signer::default()).await;
    insert(
        &app,
        letter,
        Signer {
            email: "b@example.org",
            status: SignatureStatus::Pending,
            ..Default::default()
        },
    )
    .await;

    let response = download(
        &mut admin,
        &app,
        letter,
        "format=csv&bom=on&columns=name,email&status=confirmed&kind=individual&version=1&since=2026-11-01&until=2026-11-30",
    )
    .await;
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap();

    let log = staff::actions(&app).await;
    let start = log
        .iter()
        .find(|a| a.action == "export")
        .expect("an export entry");
    assert_eq!(start.actor_email.as_deref(), Some(staff::ADMIN));
    assert_eq!(
        start.subject.as_deref(),
        Some(format!("letter:{letter}").as_str())
    );
    assert_eq!(start.client_ip.as_deref(), Some("127.0.0.1"));
    let detail: serde_json::Value = serde_json::from_str(start.detail.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail,
        serde_json::json!({
            "letter_id": letter,
            "format": "csv",
            "bom": true,
            "columns": ["name", "email"],
            "filters": {
                "kind": "individual",
                "status": "confirmed",
                "version": 1,
                "since": "2026-11-01",
                "until": "2026-11-30",
            },
        })
    );
    // The end is recorded once the last row has gone, with the count.
    let mut finished = None;
    for _ in 0..50 {
        finished = staff::actions(&app)
            .await
            .into_iter()
            .find(|a| a.action == "export_finished");
        if finished.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let finished = finished.expect("an export_finished entry");
    assert!(finished.id > start.id);
    let detail: serde_json::Value =
        serde_json::from_str(finished.detail.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail,
        serde_json::json!({ "letter_id": letter, "rows": 1 })
    );
}

#[tokio::test]
async fn without_a_session_the_export_sends_to_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let letter = letter_id(&app).await;
    insert(&app, letter, Signer::default()).await;
    let mut nobody = Browser::default();
    for path in [
        format!("/staff/letters/{letter}/export"),
        format!("/staff/letters/{letter}/export/download?columns=email"),
    ] {
        let response = nobody.get(&app, &path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert!(location(&response).starts_with("/staff/sign-in?next="));
        assert!(!response.text().await.unwrap().contains("anna@example.org"));
    }
    // An unknown letter is a 404 for staff.
    let mut admin = staff::admin(&app).await;
    let missing = download(&mut admin, &app, 999_999, "").await;
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_overview_links_to_the_export_screen() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    let overview = admin
        .get(&app, &format!("/staff/letters/{letter}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(overview.contains(&format!("href=\"/staff/letters/{letter}/export\"")));
    let form = admin
        .get(&app, &format!("/staff/letters/{letter}/export"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(form.matches("<h1").count(), 1);
    assert!(form.contains(&format!(
        "action=\"/staff/letters/{letter}/export/download\""
    )));
    assert!(form.contains("method=\"get\""));
}

/// Writes `n` signatures of the letter in one go.
async fn many(app: &TestApp, letter: i64, n: usize) {
    let rows: Vec<signature::ActiveModel> = (0..n)
        .map(|i| {
            let email = format!("s{i}@example.org");
            signature::ActiveModel {
                letter_id: Set(letter),
                kind: Set(SignatureKind::Individual),
                status: Set(SignatureStatus::Confirmed),
                name: Set(format!("Signer {i}")),
                email: Set(email.clone()),
                email_normalized: Set(email),
                country: Set("FR".into()),
                show_publicly: Set(true),
                wants_updates: Set(false),
                confirmation_emails: Set(1),
                created_at: Set(at(20, 9)),
                confirmed_at: Set(Some(at(20, 10))),
                letter_version: Set(1),
                ..Default::default()
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        signature::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_export_of_several_pages_has_every_row_once_in_id_order() {
    let app = TestApp::spawn_with(|s| s.export_page_size = 1_000).await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    many(&app, letter, 2_500).await;

    let mut response = download(&mut admin, &app, letter, "columns=id,name").await;
    assert_eq!(response.status(), 200);
    let mut body = Vec::new();
    let mut chunks = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        chunks += 1;
        body.extend_from_slice(&chunk);
    }
    assert!(chunks >= 2, "the body came in {chunks} chunk(s)");
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let ids: Vec<i64> = reader
        .records()
        .map(|r| r.unwrap().get(0).unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len(), 2_500);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    // Each JSON line is one signature too, across the pages.
    let jsonl = download(&mut admin, &app, letter, "format=jsonl&columns=id")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(jsonl.lines().count(), 2_500);
}

#[tokio::test]
async fn the_exporter_sends_its_header_before_reading_any_row() {
    let app = TestApp::spawn().await;
    let letter = letter_id(&app).await;
    many(&app, letter, 25).await;
    let spec = Spec::parse(&RawSpec {
        columns: vec!["name"],
        ..Default::default()
    })
    .unwrap();
    let mut exporter = Exporter::new(letter, spec, 10);
    let header = exporter.next_chunk(&app.db).await.unwrap().unwrap();
    assert_eq!(header, b"name\r\n");
    assert_eq!(exporter.rows(), 0);
    // A signature added after the start is read with the later pages.
    insert(
        &app,
        letter,
        Signer {
            name: "Late",
            email: "late@example.org",
            ..Default::default()
        },
    )
    .await;
    let mut sizes = Vec::new();
    let mut rest = Vec::new();
    while let Some(chunk) = exporter.next_chunk(&app.db).await.unwrap() {
        sizes.push(exporter.rows());
        rest.extend_from_slice(&chunk);
    }
    assert_eq!(sizes, [10, 20, 26]);
    assert!(
        String::from_utf8(rest)
            .unwrap()
            .ends_with("Signer 24\r\nLate\r\n")
    );
}

#[tokio::test]
async fn the_command_line_writes_the_same_csv_as_the_web() {
    let app = TestApp::spawn_with(|s| s.export_page_size = 2).await;
    let mut admin = staff::admin(&app).await;
    let letter = letter_id(&app).await;
    tricky_signatures(&app, letter).await;
    let query = "bom=on&columns=id,name,organisation_name,city,email,confirmed_at&status=confirmed";
    let web = download(&mut admin, &app, letter, query)
        .await
        .bytes()
        .await
        .unwrap();

    // The library function the command uses.
    let spec = Spec::parse(&RawSpec {
        format: "csv",
        bom: true,
        columns: vec!["id,name,organisation_name,city,email,confirmed_at"],
        status: "confirmed",
        ..Default::default()
    })
    .unwrap();
    let mut written = Vec::new();
    let mut progress = Vec::new();
    let rows = export::write_to(&app.db, letter, &spec, 2, &mut written, |n| {
        progress.push(n)
    })
    .await
    .unwrap();
    assert_eq!(rows, 3);
    assert_eq!(progress.last(), Some(&3));
    assert_eq!(written, web.as_ref());

    // The binary itself, on the same database, to a file.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("signatures.csv");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .env_clear()
        .env("UNDERSIGNED_DATABASE_URL", app.settings.database_url())
        .env("UNDERSIGNED_MAIL_DIR", dir.path())
        .args([
            "export",
            "--letter",
            LETTER,
            "--bom",
            "--columns",
            "id,name,organisation_name,city,email,confirmed_at",
            "--status",
            "confirmed",
            "--output",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), web.as_ref());
    let cli = staff::actions(&app)
        .await
        .into_iter()
        .filter(|a| a.actor_email.as_deref() == Some("cli"))
        .map(|a| a.action)
        .collect::<Vec<_>>();
    assert_eq!(cli, ["export", "export_finished"]);

    // To stdout (not a terminal: no progress bar), the same bytes and nothing else.
    let piped = std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .env_clear()
        .env("UNDERSIGNED_DATABASE_URL", app.settings.database_url())
        .env("UNDERSIGNED_MAIL_DIR", dir.path())
        .args([
            "export",
            "--letter",
            LETTER,
            "--bom",
            "--columns",
            "id,name,organisation_name,city,email,confirmed_at",
            "--status",
            "confirmed",
        ])
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(piped.stdout, web.as_ref());

    // A bad column is refused with a message, and nothing is written.
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .env_clear()
        .env("UNDERSIGNED_DATABASE_URL", app.settings.database_url())
        .env("UNDERSIGNED_MAIL_DIR", dir.path())
        .args(["export", "--letter", LETTER, "--columns", "shoe_size"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Unknown column shoe_size"));
    assert!(refused.stdout.is_empty());
}
