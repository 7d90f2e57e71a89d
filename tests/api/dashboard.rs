//! The letter dashboard over HTTP: exact counts by kind and status, hourly buckets across
//! an hour boundary, the last hour's domains and networks, the letter's outbox with a
//! permanent failure, what editors and admins each see, and the usual refusals.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use undersigned::entities::{OutboxStatus, SignatureStatus, signature};
use undersigned::store::letters;

use crate::support::smtp::Behaviour;
use crate::support::staff::{self, Browser};
use crate::support::{Fields, LETTER, TestApp, individual, organisation};

async fn letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .expect("the test letter")
        .id
}

/// The dashboard as `browser` sees it, checked to be a 200 that no cache keeps.
async fn dashboard(app: &TestApp, browser: &mut Browser, id: i64) -> String {
    let response = browser
        .get(app, &format!("/staff/letters/{id}/dashboard"))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.text().await.unwrap()
}

/// Signs, then confirms through the link in the email when `confirm` is set.
async fn sign(app: &TestApp, fields: &Fields, confirm: bool) {
    assert_eq!(app.sign(fields).await.status(), 303);
    app.drain_outbox().await;
    if confirm {
        let email = &fields.iter().find(|(k, _)| *k == "email").unwrap().1;
        let mail = app.mail_to(email);
        let path = TestApp::confirmation_path(mail.last().expect("a confirmation email"));
        assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    }
}

async fn set_status(app: &TestApp, email: &str, status: SignatureStatus) {
    let done = signature::Entity::update_many()
        .col_expr(signature::Column::Status, Expr::value(status))
        .filter(signature::Column::EmailNormalized.eq(email))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(done.rows_affected, 1);
}

/// Pending, held, confirmed, rejected, invalidated, withdrawn, all, shown.
fn count_row(kind: &str, numbers: [i64; 8]) -> String {
    let cells: String = numbers.iter().map(|n| format!("<td>{n}</td>")).collect();
    format!("<tr><th scope=\"row\">{kind}</th>{cells}</tr>")
}

fn hour_row(hour: &str, signed: i64, confirmed: i64) -> String {
    format!("<tr><th scope=\"row\">{hour}</th><td>{signed}</td><td>{confirmed}</td></tr>")
}

fn tally_row(href: &str, label: &str, count: i64) -> String {
    format!("<tr><td><a href=\"{href}\">{label}</a></td><td>{count}</td></tr>")
}

/// The element with this id, up to its closing tag (tables do not nest here).
fn table<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = start + page[start..].find("</table>").unwrap();
    &page[start..end]
}

#[tokio::test]
async fn counts_by_kind_and_status_are_exact_and_show_the_roll_up_lag() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let mut admin = staff::admin(&app).await;
    for (name, email, confirm) in [
        ("Ada", "ada@example.org", true),
        ("Bob", "bob@example.org", true),
        ("Cy", "cy@example.org", true),
        ("Di", "di@example.org", false),
    ] {
        sign(&app, &individual(name, email), confirm).await;
    }
    sign(
        &app,
        &organisation("Rights Now", "Xa", "x@rights.example.org"),
        true,
    )
    .await;
    sign(
        &app,
        &organisation("Other Org", "Yu", "y@other.example.org"),
        false,
    )
    .await;

    let page = dashboard(&app, &mut admin, id).await;
    assert!(
        page.contains(&count_row("Individuals", [1, 0, 3, 0, 0, 0, 4, 0])),
        "{page}"
    );
    assert!(
        page.contains(&count_row("Organisations", [1, 0, 1, 0, 0, 0, 2, 0])),
        "{page}"
    );
    assert!(page.contains("4 confirmations waiting for it"), "{page}");

    // Staff decisions, made directly in the database.
    set_status(&app, "bob@example.org", SignatureStatus::Invalidated).await;
    set_status(&app, "di@example.org", SignatureStatus::Held).await;
    set_status(&app, "y@other.example.org", SignatureStatus::Rejected).await;
    set_status(&app, "cy@example.org", SignatureStatus::Withdrawn).await;
    app.roll_up().await;
    let page = dashboard(&app, &mut admin, id).await;
    // The shown counts are the rolled-up ones: the invalidation and the withdrawal went
    // around the roll-up.
    assert!(
        page.contains(&count_row("Individuals", [0, 1, 1, 0, 1, 1, 4, 3])),
        "{page}"
    );
    assert!(
        page.contains(&count_row("Organisations", [0, 0, 1, 1, 0, 0, 2, 1])),
        "{page}"
    );
    assert!(
        page.contains("No confirmation is waiting for it."),
        "{page}"
    );
    assert_eq!(page.matches("<h1").count(), 1);
    app.stop().await;
}

#[tokio::test]
async fn signatures_per_hour_are_exact_across_an_hour_boundary_and_the_chart_is_svg() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let mut admin = staff::admin(&app).await;
    // The clock starts at 2026-11-27 12:00:00 UTC.
    app.clock.advance(Duration::seconds(59 * 60 + 59));
    sign(&app, &individual("Ada", "ada@example.org"), false).await;
    sign(&app, &individual("Bob", "bob@example.org"), false).await;
    app.clock.advance(Duration::seconds(1));
    // 13:00:00 exactly: the next hour.
    let ada = app.mail_to("ada@example.org");
    let path = TestApp::confirmation_path(&ada[0]);
    assert_eq!(app.post_form(&path, &[]).await.status(), 200);
    sign(&app, &individual("Cy", "cy@example.org"), false).await;
    app.clock.advance(Duration::minutes(30));
    sign(&app, &individual("Di", "di@example.org"), true).await;

    let page = dashboard(&app, &mut admin, id).await;
    assert!(page.contains(&hour_row("2026-11-27 12:00", 2, 0)), "{page}");
    assert!(page.contains(&hour_row("2026-11-27 13:00", 2, 2)), "{page}");
    assert_eq!(
        page.matches("<tr><th scope=\"row\">2026-").count(),
        2,
        "{page}"
    );

    // The chart is XML with a title and a description, one bar per busy hour.
    let start = page.find("<svg").expect("an SVG chart");
    let end = page.find("</svg>").unwrap() + "</svg>".len();
    let svg = roxmltree::Document::parse(&page[start..end]).expect("well-formed SVG");
    let root = svg.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    let text_of = |name: &str| {
        root.children()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("no <{name}>"))
            .to_owned()
    };
    assert_eq!(text_of("title"), "Signatures per hour, the last 7 days");
    assert!(
        text_of("desc").contains("4 made and 2 confirmed in all"),
        "{}",
        text_of("desc")
    );
    let bars = root
        .descendants()
        .filter(|n| n.tag_name().name() == "rect")
        .count();
    assert_eq!(bars, 2);

    // Seven days on, the 12:00 hour has left the window and 13:00 is its first hour.
    app.clock
        .advance(Duration::days(7) - Duration::hours(1) - Duration::minutes(20));
    // The session has long expired meanwhile.
    let mut admin = Browser::default();
    let signed_in = admin
        .sign_in(&app, staff::ADMIN, staff::ADMIN_PASSWORD)
        .await;
    assert_eq!(signed_in.status(), 303);
    let page = dashboard(&app, &mut admin, id).await;
    assert!(!page.contains("2026-11-27 12:00"), "{page}");
    assert!(page.contains(&hour_row("2026-11-27 13:00", 2, 2)), "{page}");
    app.stop().await;
}

/// Signs from `ip` as a trusted proxy reports it.
async fn sign_from(app: &TestApp, name: &str, email: &str, ip: &str) {
    let response = app
        .client
        .post(app.url(&format!("/letters/{LETTER}/sign")))
        .header("x-forwarded-for", ip)
        .form(&individual(name, email))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn the_last_hours_top_domains_and_networks_are_exact_and_link_to_the_search() {
    let app =
        TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let id = letter_id(&app).await;
    let mut admin = staff::admin(&app).await;
    // Over an hour before the others: left out.
    sign_from(&app, "Old", "old@old.example.com", "192.0.2.1").await;
    app.clock.advance(Duration::minutes(61));
    for (i, (email, ip)) in [
        ("a@example.org", "203.0.113.1"),
        ("b@Example.ORG", "203.0.113.2"),
        ("c@example.org", "203.0.113.250"),
        ("d@mail.example.net", "198.51.100.5"),
        ("e@mail.example.net", "198.51.100.5"),
        ("f@example.org", "2001:db8:abcd:12::1"),
        ("g@example.org", "2001:db8:abcd:13::1"),
    ]
    .into_iter()
    .enumerate()
    {
        sign_from(&app, &format!("Signer {i}"), email, ip).await;
        app.clock.advance(Duration::seconds(1));
    }

    let page = dashboard(&app, &mut admin, id).await;
    assert!(page.contains("7 signatures in the last hour."), "{page}");
    let search = format!("/staff/letters/{id}/signatures");
    let domains = table(&page, "dashboard-domains");
    assert!(
        domains.contains(&format!(
            "<tbody>{}{}</tbody>",
            tally_row(&format!("{search}?domain=example.org"), "example.org", 5),
            tally_row(
                &format!("{search}?domain=mail.example.net"),
                "mail.example.net",
                2
            ),
        )),
        "{domains}"
    );
    let networks = table(&page, "dashboard-networks");
    assert!(
        networks.contains(&format!(
            "<tbody>{}{}{}</tbody>",
            tally_row(
                &format!("{search}?ip=203.0.113.0%2F24"),
                "203.0.113.0/24",
                3
            ),
            tally_row(
                &format!("{search}?ip=198.51.100.0%2F24"),
                "198.51.100.0/24",
                2
            ),
            tally_row(
                &format!("{search}?ip=2001%3Adb8%3Aabcd%3A%3A%2F48"),
                "2001:db8:abcd::/48",
                2
            ),
        )),
        "{networks}"
    );
    let narrow = table(&page, "dashboard-networks-64");
    assert!(
        narrow.contains(&tally_row(
            &format!("{search}?ip=2001%3Adb8%3Aabcd%3A12%3A%3A%2F64"),
            "2001:db8:abcd:12::/64",
            1
        )),
        "{narrow}"
    );
    assert!(!page.contains("old.example.com") && !page.contains("192.0.2.0/24"));

    // With a cap, the newest signatures are the ones tallied, and the cap is reported.
    let capped = undersigned::store::dashboard::last_hour(&app.db, id, app.clock.now(), 3, 10)
        .await
        .unwrap();
    assert!(capped.capped);
    assert_eq!(capped.read, 3);
    assert_eq!(
        capped.domains,
        [
            ("example.org".to_owned(), 2),
            ("mail.example.net".to_owned(), 1)
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn the_outbox_of_the_letter_shows_queued_sent_and_failed_with_reasons() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    app.smtp().set_behaviour(Behaviour::PermanentFailure);
    sign(&app, &individual("Ada", "ada@example.org"), false).await;
    app.smtp().set_behaviour(Behaviour::Accept);
    sign(&app, &individual("Bob", "bob@example.org"), false).await;
    // Queued and not yet sent.
    assert_eq!(
        app.sign(&individual("Cy", "cy@example.org")).await.status(),
        303
    );
    app.clock.advance(Duration::minutes(5));

    let rows = app.outbox().await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.letter_id == Some(id)), "{rows:#?}");
    let failed = rows
        .iter()
        .find(|r| r.status == OutboxStatus::Failed)
        .expect("a failed row");
    assert!(failed.last_error.as_deref().unwrap_or("").contains("550"));

    let page = dashboard(&app, &mut admin, id).await;
    for (term, value) in [
        ("Queued", "1"),
        ("Sent", "1"),
        ("Failed", "1"),
        ("Oldest queued", "5 min"),
    ] {
        assert!(
            page.contains(&format!("<dt>{term}</dt><dd>{value}</dd>")),
            "{term}: {page}"
        );
    }
    let failures = table(&page, "dashboard-failures");
    assert!(
        failures.contains("<td>confirmation_email</td>"),
        "{failures}"
    );
    assert!(failures.contains("550"), "{failures}");
    // Admins see where it was going (and the one attempt); editors see why it failed,
    // and no address.
    assert!(
        failures.contains(&format!(
            "<td>{}</td><td>confirmation_email</td><td>ada@example.org</td><td>1</td>",
            failed.id
        )),
        "{failures}"
    );

    let page = dashboard(&app, &mut editor, id).await;
    let failures = table(&page, "dashboard-failures");
    assert!(failures.contains("550"), "{failures}");
    assert!(!page.contains("ada@example.org"), "{page}");
    assert!(!failures.contains("Recipient"), "{failures}");
    assert!(!page.contains("/staff/accounts"), "an editor's bar");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_letter_is_not_found_and_a_visitor_is_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    let id = letter_id(&app).await;
    let path = format!("/staff/letters/{id}/dashboard");

    let response = app.get(&path).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        staff::location(&response),
        format!("/staff/sign-in?next=%2Fstaff%2Fletters%2F{id}%2Fdashboard")
    );

    let mut admin = staff::admin(&app).await;
    for path in [
        format!("/staff/letters/{}/dashboard", id + 1000),
        "/staff/letters/not-a-number/dashboard".to_owned(),
    ] {
        assert_eq!(admin.get(&app, &path).await.status(), 404, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_heavy_figures_are_kept_for_the_cache_ttl_and_the_outbox_is_always_fresh() {
    let app =
        TestApp::spawn_with(|s| s.dashboard_cache_ttl = std::time::Duration::from_secs(5)).await;
    let id = letter_id(&app).await;
    let mut admin = staff::admin(&app).await;
    sign(&app, &individual("Ada", "ada@example.org"), false).await;
    let page = dashboard(&app, &mut admin, id).await;
    assert!(
        page.contains(&count_row("Individuals", [1, 0, 0, 0, 0, 0, 1, 0])),
        "{page}"
    );

    app.clock.advance(Duration::seconds(3));
    assert_eq!(
        app.sign(&individual("Bob", "bob@example.org"))
            .await
            .status(),
        303
    );
    let page = dashboard(&app, &mut admin, id).await;
    assert!(
        page.contains(&count_row("Individuals", [1, 0, 0, 0, 0, 0, 1, 0])),
        "{page}"
    );
    assert!(page.contains("read 3 s earlier"), "{page}");
    assert!(page.contains("<dt>Queued</dt><dd>1</dd>"), "{page}");
    // Bob's email goes out: queued is read afresh, the sent count is kept.
    app.drain_outbox().await;
    let page = dashboard(&app, &mut admin, id).await;
    assert!(page.contains("<dt>Queued</dt><dd>0</dd>"), "{page}");
    assert!(page.contains("<dt>Sent</dt><dd>1</dd>"), "{page}");

    app.clock.advance(Duration::seconds(2));
    let page = dashboard(&app, &mut admin, id).await;
    assert!(
        page.contains(&count_row("Individuals", [2, 0, 0, 0, 0, 0, 2, 0])),
        "{page}"
    );
    assert!(!page.contains("s earlier"), "{page}");
    app.stop().await;
}
