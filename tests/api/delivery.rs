//! Delivering a letter: staff deliver it from the workspace, each target receives one
//! email on the real SMTP server with the letter's text, its PDF and the CSV of its public
//! signatories, a Reply-To of staff's choosing; temporary failures are retried, permanent
//! ones shown with a resend button; scheduled deliveries start at the deadline and at the
//! goal; the letter becomes `delivered` with a public receipt; signers who asked are told
//! once, at the configured rate, even when a claim is repeated or a send was cut off.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use undersigned::entities::{
    LetterStatus, OutboxStatus, SignatureKind, SignatureStatus, delivery_notice, letter, outbox,
    signature,
};
use undersigned::outbox::Job;
use undersigned::store::letters;

use crate::support::smtp::{Behaviour, ReceivedMessage};
use crate::support::staff::{self, Browser, csrf_of, location};
use crate::support::{LETTER, TestApp, individual};

const REPLY_TO: &str = "campaign@example.org";

/// What differs between the signatures a test writes.
struct Signer<'a> {
    kind: SignatureKind,
    status: SignatureStatus,
    name: &'a str,
    organisation: Option<&'a str>,
    email: &'a str,
    country: &'a str,
    city: Option<&'a str>,
    listed: bool,
    wants_updates: bool,
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
            listed: true,
            wants_updates: false,
        }
    }
}

/// Writes a signature of the test letter straight to the table and returns its id.
async fn insert(app: &TestApp, s: Signer<'_>) -> i64 {
    let now = app.clock.now();
    let confirmed = (s.status == SignatureStatus::Confirmed).then_some(now);
    signature::ActiveModel {
        letter_id: Set(letter_of(app).await.id),
        kind: Set(s.kind),
        status: Set(s.status),
        name: Set(s.name.into()),
        email: Set(s.email.into()),
        email_normalized: Set(s.email.into()),
        country: Set(s.country.into()),
        city: Set(s.city.map(Into::into)),
        organisation_name: Set(s.organisation.map(Into::into)),
        website: Set(s.organisation.map(|_| "https://org.example".to_owned())),
        show_publicly: Set(s.listed),
        wants_updates: Set(s.wants_updates),
        confirmation_emails: Set(1),
        client_ip: Set(Some("203.0.113.7".into())),
        created_at: Set(now),
        confirmed_at: Set(confirmed),
        letter_version: Set(1),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

async fn letter_of(app: &TestApp) -> letter::Model {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
}

/// The counts shown, brought up to date with the rows written straight to the table.
async fn recount(app: &TestApp) {
    undersigned::store::counts::reconcile(&app.db, app.clock.now())
        .await
        .unwrap();
}

async fn target_ids(app: &TestApp) -> Vec<(String, i64)> {
    let letter = letter_of(app).await;
    letters::targets(&app.db, letter.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.email, t.id))
        .collect()
}

async fn target_id(app: &TestApp, email: &str) -> String {
    target_ids(app)
        .await
        .into_iter()
        .find(|(e, _)| e == email)
        .unwrap()
        .1
        .to_string()
}

fn delivery_path(letter_id: i64) -> String {
    format!("/staff/letters/{letter_id}/delivery")
}

/// Posts the delivery form as `browser`, with the CSRF token of its delivery screen.
pub(crate) async fn deliver(
    app: &TestApp,
    browser: &mut Browser,
    targets: &[&str],
    when: &str,
    reply_to: &str,
) -> reqwest::Response {
    let letter = letter_of(app).await;
    let screen = browser.get(app, &delivery_path(letter.id)).await;
    assert_eq!(screen.status(), 200);
    let csrf = csrf_of(&screen.text().await.unwrap());
    let mut fields: Vec<(&str, String)> = vec![
        ("csrf", csrf),
        ("when", when.to_owned()),
        ("reply_to", reply_to.to_owned()),
    ];
    for t in targets {
        fields.push(("target", target_id(app, t).await));
    }
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser
        .post(app, &delivery_path(letter.id), &borrowed)
        .await
}

async fn tick(app: &TestApp) -> undersigned::delivery::TickReport {
    undersigned::delivery::tick(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap()
}

/// The attachments of a message: (file name, content type, decoded bytes).
fn attachments(message: &ReceivedMessage) -> Vec<(String, String, Vec<u8>)> {
    let parsed = message.parsed();
    parsed
        .parts()
        .filter(|p| {
            p.get_content_disposition().disposition == mailparse::DispositionType::Attachment
        })
        .map(|p| {
            let name = p
                .get_content_disposition()
                .params
                .get("filename")
                .cloned()
                .unwrap_or_default();
            (name, p.ctype.mimetype.clone(), p.get_body_raw().unwrap())
        })
        .collect()
}

async fn staff_page(app: &TestApp, browser: &mut Browser) -> String {
    let letter = letter_of(app).await;
    let page = browser.get(app, &delivery_path(letter.id)).await;
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

#[tokio::test]
async fn a_delivery_reaches_each_target_with_the_letter_its_pdf_and_its_public_csv() {
    let app = TestApp::spawn().await;
    insert(
        &app,
        Signer {
            kind: SignatureKind::Organisation,
            name: "Contact Person",
            organisation: Some("Azərbaycan İnsan Haqları Mərkəzi"),
            email: "org@example.az",
            country: "AZ",
            ..Default::default()
        },
    )
    .await;
    insert(
        &app,
        Signer {
            name: "Ζωή Παπαδοπούλου, \"Zoe\"",
            email: "zoe@example.gr",
            country: "GR",
            city: Some("Αθήνα"),
            ..Default::default()
        },
    )
    .await;
    insert(
        &app,
        Signer {
            name: "=HYPERLINK(\"x\")",
            email: "formula@example.org",
            ..Default::default()
        },
    )
    .await;
    insert(
        &app,
        Signer {
            name: "Hidden Unlisted",
            email: "hidden@example.org",
            listed: false,
            ..Default::default()
        },
    )
    .await;
    insert(
        &app,
        Signer {
            name: "Pending Person",
            email: "pending@example.org",
            status: SignatureStatus::Pending,
            ..Default::default()
        },
    )
    .await;
    recount(&app).await;
    let mut admin = staff::admin(&app).await;

    let done = deliver(
        &app,
        &mut admin,
        &["council@example.org", "commission@example.org"],
        "now",
        REPLY_TO,
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(location(&done).ends_with("/delivery?done=now"));
    assert_eq!(letter_of(&app).await.status, LetterStatus::Delivered);
    // The list was snapshotted when the delivery started: its root goes everywhere.
    let snapshot = undersigned::proof::latest_snapshot(&app.db, letter_of(&app).await.id)
        .await
        .unwrap()
        .expect("a snapshot taken by the delivery");
    let root = snapshot.root.clone();
    assert_eq!(root.len(), 64);
    assert_eq!(app.drain_outbox().await, 2);
    let mail = app.wait_for_mail(2).await;
    for to in ["council@example.org", "commission@example.org"] {
        let m = mail
            .iter()
            .find(|m| m.rcpt_to == vec![to.to_owned()])
            .unwrap_or_else(|| panic!("nothing to {to}"));
        assert!(m.header("Reply-To").unwrap().contains(REPLY_TO));
        assert_eq!(m.subject(), "Open letter: Free the prisoners of conscience");
        let text = m.text_body();
        assert!(text.contains("We ask you to **act**."), "{text}");
        assert!(text.contains("1 organisation and 3 individuals"), "{text}");
        assert!(text.contains(&root), "{text}");
        assert!(m.html_body().contains("<strong>act</strong>"));
        let files = attachments(m);
        assert_eq!(files.len(), 2, "{files:?}");
        let (pdf_name, pdf_type, pdf) = &files[0];
        assert_eq!(pdf_name, "free-the-prisoners.pdf");
        assert_eq!(pdf_type, "application/pdf");
        assert!(pdf.starts_with(b"%PDF"));
        let (csv_name, csv_type, csv) = &files[1];
        assert_eq!(csv_name, "free-the-prisoners-signatories.csv");
        assert_eq!(csv_type, "text/csv");
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            undersigned::export::PUBLIC_COLUMNS
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let names: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
        assert_eq!(
            names,
            [
                "Azərbaycan İnsan Haqları Mərkəzi",
                "Ζωή Παπαδοπούλου, \"Zoe\"",
                "'=HYPERLINK(\"x\")"
            ]
        );
        // Public fields only: no contact person, no address, no unlisted or pending name.
        let all = String::from_utf8(csv.clone()).unwrap();
        for private in [
            "Contact Person",
            "@example",
            "Hidden",
            "Pending",
            "203.0.113",
        ] {
            assert!(!all.contains(private), "{private} in {all}");
        }
        assert_eq!(&rows[1][4], "Αθήνα");
    }

    // The letter is delivered: it takes no signatures and shows its receipt.
    let refused = app
        .sign(&individual("Late Comer", "late@example.org"))
        .await;
    assert_eq!(refused.status(), 409);
    let page = app.letter_page().await;
    assert!(page.contains("Delivery receipt"), "{page}");
    assert!(page.contains("European Commission (sent"), "{page}");
    let receipt = app.get(&format!("/letters/{LETTER}/receipt")).await;
    assert_eq!(receipt.status(), 200);
    let receipt = receipt.text().await.unwrap();
    assert!(receipt.contains("European Council (sent"), "{receipt}");
    assert!(
        receipt.contains("4 signatures (1 organisation, 3 individuals)"),
        "{receipt}"
    );
    assert!(!receipt.contains("council@example.org"));
    assert!(receipt.contains(&root), "{receipt}");
    assert!(page.contains(&root));

    // The same receipt and root through the JSON API.
    let json: serde_json::Value = app
        .get(&format!("/api/v1/letters/{LETTER}/delivery"))
        .await
        .json()
        .await
        .unwrap();
    let delivery = &json["deliveries"][0];
    assert_eq!(delivery["list_root"], root.as_str(), "{json}");
    assert_eq!(delivery["total_signatures"], 4, "{json}");
    assert_eq!(delivery["organisation_signatures"], 1, "{json}");
    assert_eq!(delivery["targets"].as_array().unwrap().len(), 2, "{json}");
    assert!(!json.to_string().contains("council@example.org"));
    let json: serde_json::Value = app
        .get(&format!("/api/v1/letters/{LETTER}/list-root"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["latest"]["root"], root.as_str(), "{json}");

    let screen = staff_page(&app, &mut admin).await;
    assert_eq!(screen.matches(">sent<").count(), 2, "{screen}");
    let actions: Vec<String> = staff::actions(&app)
        .await
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(actions.contains(&"delivery.ask".to_owned()), "{actions:?}");
    assert!(
        actions.contains(&"letter.deliver".to_owned()),
        "{actions:?}"
    );

    // The staff download of the PDF.
    let letter = letter_of(&app).await;
    let pdf = admin
        .get(&app, &format!("/staff/letters/{}/pdf", letter.id))
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    app.stop().await;
}

#[tokio::test]
async fn a_temporary_failure_is_retried_and_a_permanent_one_is_shown_with_a_resend_button() {
    let app = TestApp::spawn_with(|s| s.outbox_retry_base = Duration::from_secs(30)).await;
    let mut admin = staff::admin(&app).await;
    app.smtp().set_behaviour(Behaviour::TemporaryFailure);
    let done = deliver(&app, &mut admin, &["council@example.org"], "now", REPLY_TO).await;
    assert_eq!(done.status(), 303);
    assert_eq!(app.drain_outbox().await, 1);
    let screen = staff_page(&app, &mut admin).await;
    assert!(screen.contains(">retrying<"), "{screen}");
    assert!(screen.contains("451"), "{screen}");
    app.smtp().set_behaviour(Behaviour::Accept);
    app.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(app.mail_to("council@example.org").len(), 1);
    assert!(app.mail_to("commission@example.org").is_empty());

    // A second delivery, to the other target, refused for good by the relay.
    app.smtp().set_behaviour(Behaviour::PermanentFailure);
    let done = deliver(
        &app,
        &mut admin,
        &["commission@example.org"],
        "now",
        REPLY_TO,
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(app.drain_outbox().await, 1);
    let screen = staff_page(&app, &mut admin).await;
    assert!(screen.contains(">failed<"), "{screen}");
    assert!(screen.contains("550"), "{screen}");
    assert_eq!(screen.matches(">Resend<").count(), 2, "{screen}");
    let csrf = csrf_of(&screen);
    let row = undersigned::entities::delivery_target::Entity::find()
        .filter(undersigned::entities::delivery_target::Column::Email.eq("commission@example.org"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let letter = letter_of(&app).await;
    let resend = format!(
        "/staff/letters/{}/delivery/targets/{}/resend",
        letter.id, row.id
    );
    app.smtp().set_behaviour(Behaviour::Accept);
    let again = admin.post(&app, &resend, &[("csrf", &csrf)]).await;
    assert_eq!(again.status(), 303);
    // Not twice while the first resend is still in the outbox.
    let twice = admin.post(&app, &resend, &[("csrf", &csrf)]).await;
    assert_eq!(twice.status(), 409);
    assert_eq!(app.drain_outbox().await, 1);
    let got = app.mail_to("commission@example.org");
    assert_eq!(got.len(), 1);
    assert_eq!(attachments(&got[0]).len(), 2);
    let screen = staff_page(&app, &mut admin).await;
    assert_eq!(screen.matches(">sent<").count(), 2, "{screen}");
    let forged = admin.post(&app, &resend, &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_scheduled_at_the_deadline_starts_when_it_passes() {
    let app = TestApp::spawn().await;
    let deadline: DateTime<Utc> = app.clock.now() + chrono::Duration::hours(1);
    let mut active: letter::ActiveModel = letter_of(&app).await.into();
    active.deadline = Set(Some(deadline));
    active.update(&app.db).await.unwrap();
    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    let done = deliver(
        &app,
        &mut editor,
        &["council@example.org", "commission@example.org"],
        "deadline",
        REPLY_TO,
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(location(&done).ends_with("done=scheduled"));
    assert_eq!(tick(&app).await.sealed, Vec::<i64>::new());
    assert_eq!(letter_of(&app).await.status, LetterStatus::Open);
    assert_eq!(app.drain_outbox().await, 0);
    app.clock.advance(chrono::Duration::minutes(61));
    let report = tick(&app).await;
    assert_eq!(report.sealed.len(), 1);
    assert_eq!(report.started, report.sealed);
    assert_eq!(letter_of(&app).await.status, LetterStatus::Delivered);
    assert_eq!(app.drain_outbox().await, 2);
    app.wait_for_mail(2).await;
    // Nothing more on the next ticks.
    assert_eq!(
        tick(&app).await,
        undersigned::delivery::TickReport::default()
    );
    assert_eq!(app.drain_outbox().await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_delivery_scheduled_at_the_goal_starts_when_it_is_reached_and_can_be_cancelled() {
    let app = TestApp::spawn().await;
    let mut active: letter::ActiveModel = letter_of(&app).await.into();
    active.goal = Set(Some(2));
    active.update(&app.db).await.unwrap();
    let mut admin = staff::admin(&app).await;
    // Without a deadline there is nothing to wait for.
    let refused = deliver(
        &app,
        &mut admin,
        &["council@example.org"],
        "deadline",
        REPLY_TO,
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("no deadline"));
    let done = deliver(&app, &mut admin, &["council@example.org"], "goal", REPLY_TO).await;
    assert_eq!(done.status(), 303);
    insert(&app, Signer::default()).await;
    recount(&app).await;
    assert!(tick(&app).await.sealed.is_empty());
    insert(
        &app,
        Signer {
            email: "bob@example.org",
            name: "Bob",
            ..Default::default()
        },
    )
    .await;
    recount(&app).await;
    assert_eq!(tick(&app).await.started.len(), 1);
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(
        app.wait_for_mail(1).await[0].rcpt_to,
        ["council@example.org"]
    );
    let receipt = app.get(&format!("/letters/{LETTER}/receipt")).await;
    assert!(receipt.text().await.unwrap().contains("2 signatures"));

    // A scheduled delivery can be cancelled; a started one cannot.
    let mut active: letter::ActiveModel = letter_of(&app).await.into();
    active.goal = Set(Some(1_000));
    active.update(&app.db).await.unwrap();
    let done = deliver(
        &app,
        &mut admin,
        &["commission@example.org"],
        "goal",
        REPLY_TO,
    )
    .await;
    assert_eq!(done.status(), 303);
    let screen = staff_page(&app, &mut admin).await;
    let csrf = csrf_of(&screen);
    let rows = undersigned::entities::delivery::Entity::find()
        .order_by_asc(undersigned::entities::delivery::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let letter = letter_of(&app).await;
    let cancel = |id: i64| format!("/staff/letters/{}/delivery/{id}/cancel", letter.id);
    let started = admin
        .post(&app, &cancel(rows[0].id), &[("csrf", &csrf)])
        .await;
    assert_eq!(started.status(), 409);
    let cancelled = admin
        .post(&app, &cancel(rows[1].id), &[("csrf", &csrf)])
        .await;
    assert_eq!(cancelled.status(), 303);
    assert!(tick(&app).await.sealed.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_delivery_form_refuses_a_bad_reply_to_and_no_target() {
    let app = TestApp::spawn().await;
    let mut admin = staff::admin(&app).await;
    let bad = deliver(
        &app,
        &mut admin,
        &["council@example.org"],
        "now",
        "not an address",
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Enter the address replies should go to")
    );
    let none = deliver(&app, &mut admin, &[], "now", REPLY_TO).await;
    assert_eq!(none.status(), 422);
    assert!(
        none.text()
            .await
            .unwrap()
            .contains("Choose at least one target")
    );
    assert_eq!(letter_of(&app).await.status, LetterStatus::Open);
    assert!(app.outbox().await.is_empty());
    app.stop().await;
}

/// Notices sent so far, by recipient.
fn notices_to(app: &TestApp, address: &str) -> usize {
    app.mail_to(address)
        .iter()
        .filter(|m| m.subject().starts_with("Delivered: "))
        .count()
}

#[tokio::test]
async fn signers_who_asked_are_told_once_at_the_configured_rate() {
    let app = TestApp::spawn_with(|s| s.delivery_notices_per_minute = 1).await;
    let asked = ["a@example.org", "b@example.org", "c@example.org"];
    for (i, email) in asked.iter().enumerate() {
        insert(
            &app,
            Signer {
                email,
                name: ["Ana", "Bo", "Cy"][i],
                wants_updates: true,
                ..Default::default()
            },
        )
        .await;
    }
    insert(
        &app,
        Signer {
            email: "quiet@example.org",
            name: "Quiet",
            ..Default::default()
        },
    )
    .await;
    recount(&app).await;
    let mut admin = staff::admin(&app).await;
    let done = deliver(&app, &mut admin, &["council@example.org"], "now", REPLY_TO).await;
    assert_eq!(done.status(), 303);
    assert_eq!(app.drain_outbox().await, 1);
    // One a minute: all three queued, a minute apart; the first is due now.
    assert_eq!(tick(&app).await.notices, 3);
    assert_eq!(tick(&app).await.notices, 0);
    let second = undersigned::outbox::Worker::new(
        app.db.clone(),
        undersigned::mail::Mailer::from_settings(&app.settings).unwrap(),
        std::sync::Arc::new(app.settings.clone()),
        app.clock.clone(),
        "second-worker",
    );
    let (a, b) = tokio::join!(app.worker.drain(), second.drain());
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    app.wait_for_mail(2).await;
    assert_eq!(notices_to(&app, "a@example.org"), 1);
    assert_eq!(notices_to(&app, "b@example.org"), 0);
    let first = &app.mail_to("a@example.org")[0];
    assert!(first.text_body().contains("Hello Ana,"));
    assert!(first.links().iter().any(|l| l.ends_with("/receipt")));
    assert!(first.links().iter().any(|l| l.contains("/withdraw/")));
    // The signer's own proof link works.
    let proof = first
        .links()
        .into_iter()
        .find(|l| l.contains("/proofs/"))
        .expect("a proof link in the notice");
    let opened = app.get(&staff::path_of(&proof)).await;
    assert_eq!(opened.status(), 200);

    // A claim repeated for a notice already sent (a duplicate row) sends nothing.
    let notices = delivery_notice::Entity::find()
        .order_by_asc(delivery_notice::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(notices.len(), 3);
    undersigned::outbox::enqueue(
        &app.db,
        &Job::DeliveryNotice {
            notice_id: notices[0].id,
            signature_id: notices[0].signature_id,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(notices_to(&app, "a@example.org"), 1);

    // A send cut off midway (the worker died after marking it) is not sent again.
    let mut cut: delivery_notice::ActiveModel = notices[2].clone().into();
    cut.state = Set("sending".into());
    cut.update(&app.db).await.unwrap();

    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(notices_to(&app, "b@example.org"), 1);
    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(notices_to(&app, "c@example.org"), 0);
    let failed = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("delivery_notice"))
        .filter(outbox::Column::Status.eq(OutboxStatus::Failed))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("cut off")
    );

    // Later ticks and drains, and a second delivery, tell nobody again.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(tick(&app).await.notices, 0);
    let again = deliver(
        &app,
        &mut admin,
        &["commission@example.org"],
        "now",
        REPLY_TO,
    )
    .await;
    assert_eq!(again.status(), 303);
    assert_eq!(tick(&app).await.notices, 0);
    app.drain_outbox().await;
    for email in asked {
        assert!(notices_to(&app, email) <= 1, "{email}");
    }
    assert_eq!(notices_to(&app, "quiet@example.org"), 0);
    app.stop().await;
}
