//! Signers' data over HTTP: the withdrawal link in every confirmation email (GET shows,
//! POST withdraws, counts follow after the roll-up and reconciliation agrees), signing
//! again after withdrawing, the data request (emailed to that address only, the same
//! page for an unknown address, capped per day), retention erasure after the letter
//! closed (public names and counts kept, emails and IPs erased, idempotent, audited,
//! links and sent outbox rows purged), and the privacy page from the settings.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use undersigned::entities::{
    LetterStatus, OutboxStatus, SignatureStatus, audit_log, confirmation_token, letter, outbox,
    signature, withdrawal_token,
};
use undersigned::privacy::{ip, retention};
use undersigned::store::{counts, letters};

use crate::support::{BASE_URL, LETTER, TestApp, individual, organisation, with};

/// The path of the withdrawal link in a message (the host is `BASE_URL`).
fn withdraw_path(message: &crate::support::smtp::ReceivedMessage) -> String {
    let link = message
        .links()
        .into_iter()
        .find(|l| l.contains("/withdraw/"))
        .expect("a withdrawal link in the message");
    link.strip_prefix(BASE_URL).unwrap().to_string()
}

/// Signs the test letter and confirms by email; returns the withdrawal link's path.
async fn sign_and_confirm(app: &TestApp, fields: &[(&str, String)]) -> String {
    let email = fields
        .iter()
        .find(|(k, _)| *k == "email")
        .unwrap()
        .1
        .clone();
    let signed = app.sign(fields).await;
    assert_eq!(signed.status(), 303);
    app.drain_outbox().await;
    let mail = app.mail_to(&email);
    let message = mail.last().expect("a confirmation email");
    let confirmed = app
        .client
        .post(app.url(&TestApp::confirmation_path(message)))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    withdraw_path(message)
}

async fn counts_shown(app: &TestApp) -> (i64, i64) {
    let json = app.letter_json().await;
    (
        json["individual_count"].as_i64().unwrap(),
        json["organisation_count"].as_i64().unwrap(),
    )
}

async fn signature_of(app: &TestApp, id: i64) -> signature::Model {
    signature::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn signature_by_email(app: &TestApp, email: &str) -> signature::Model {
    signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_withdrawal_link_withdraws_on_post_only_and_the_count_follows() {
    let app = TestApp::spawn().await;
    let withdraw = sign_and_confirm(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (1, 0));
    assert!(app.letter_page().await.contains("Ada Lovelace"));

    // A GET (a mail scanner, a link preview) only shows the button.
    let shown = app.get(&withdraw).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert!(
        shown
            .text()
            .await
            .unwrap()
            .contains("Withdraw my signature")
    );
    let sig = signature_by_email(&app, "ada@example.org").await;
    assert_eq!(sig.status, SignatureStatus::Confirmed);

    let posted = app.client.post(app.url(&withdraw)).send().await.unwrap();
    assert_eq!(posted.status(), 200);
    assert!(
        posted
            .text()
            .await
            .unwrap()
            .contains("Your signature is withdrawn")
    );
    assert_eq!(
        signature_of(&app, sig.id).await.status,
        SignatureStatus::Withdrawn
    );
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (0, 0));
    assert!(!app.letter_page().await.contains("Ada Lovelace"));
    let drift = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drift.is_empty(), "reconciliation found drift: {drift:?}");

    // Again: harmless, nothing counted twice.
    let again = app.client.post(app.url(&withdraw)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("already withdrawn"));
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (0, 0));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );

    // A made-up link is refused plainly.
    let unknown = app
        .client
        .post(app.url("/withdraw/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_pending_signature_withdrawn_is_not_counted_and_its_confirmation_link_dies() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.sign(&individual("Bo", "bo@example.org")).await.status(),
        303
    );
    app.drain_outbox().await;
    let message = app.mail_to("bo@example.org").pop().unwrap();
    let withdrawn = app
        .client
        .post(app.url(&withdraw_path(&message)))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawn.status(), 200);
    let confirm = app
        .client
        .post(app.url(&TestApp::confirmation_path(&message)))
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), 404);
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (0, 0));
    app.stop().await;
}

#[tokio::test]
async fn signing_again_after_withdrawing_reopens_the_signature_as_pending() {
    let app = TestApp::spawn().await;
    let withdraw = sign_and_confirm(&app, &individual("Cy", "cy@example.org")).await;
    app.client.post(app.url(&withdraw)).send().await.unwrap();
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (0, 0));

    let fields = with(individual("Cy Young", "cy@example.org"), "city", "Paris");
    sign_and_confirm(&app, &fields).await;
    let sig = signature_by_email(&app, "cy@example.org").await;
    assert_eq!(sig.status, SignatureStatus::Confirmed);
    assert_eq!(sig.name, "Cy Young");
    assert_eq!(sig.city.as_deref(), Some("Paris"));
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (1, 0));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_data_request_is_emailed_to_that_address_only_and_the_page_is_the_same_for_an_unknown_one()
 {
    let app = TestApp::spawn().await;
    sign_and_confirm(&app, &individual("Dana Scully", "dana@example.org")).await;
    let before = app.smtp().messages().len();

    let known = app
        .post_form("/my-data", &[("email", "Dana@Example.org".into())])
        .await;
    assert_eq!(known.status(), 200);
    let known_page = known.text().await.unwrap();
    let unknown = app
        .post_form("/my-data", &[("email", "nobody@example.org".into())])
        .await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.text().await.unwrap(), known_page);

    assert_eq!(app.drain_outbox().await, 1);
    let messages = app.wait_for_mail(before + 1).await;
    let answer = &messages[before];
    assert_eq!(answer.rcpt_to, vec!["dana@example.org".to_string()]);
    let text = answer.text_body();
    for expected in [
        "Dana Scully",
        "dana@example.org",
        "Free the prisoners of conscience",
        "confirmed",
        "Lyon",
        "Teacher",
        "127.0.0.1",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(app.mail_to("nobody@example.org").is_empty());

    // A bad address is answered beside its field, with what was typed kept.
    let bad = app
        .post_form("/my-data", &[("email", "not-an-address".into())])
        .await;
    assert_eq!(bad.status(), 422);
    let bad_page = bad.text().await.unwrap();
    assert!(bad_page.contains("not-an-address"), "{bad_page}");
    assert!(bad_page.contains("my-data-email-error"));
    app.stop().await;
}

#[tokio::test]
async fn data_requests_are_capped_per_address_per_day() {
    let app = TestApp::spawn_with(|s| s.data_requests_per_day = 2).await;
    sign_and_confirm(&app, &individual("Eve", "eve@example.org")).await;
    let before = app.mail_to("eve@example.org").len();
    for _ in 0..5 {
        let r = app
            .post_form("/my-data", &[("email", "eve@example.org".into())])
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(app.drain_outbox().await, 2);
    app.wait_for_mail(before + 2).await;
    assert_eq!(app.mail_to("eve@example.org").len(), before + 2);

    // A day later the address may ask again.
    app.clock.advance(Duration::hours(25));
    app.post_form("/my-data", &[("email", "eve@example.org".into())])
        .await;
    assert_eq!(app.drain_outbox().await, 1);
    app.stop().await;
}

async fn close_letter(app: &TestApp) {
    let letter = letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap();
    let mut active: letter::ActiveModel = letter.into_active_model();
    active.status = Set(LetterStatus::Closed);
    active.closed_at = Set(Some(app.clock.now()));
    active.update(&app.db).await.unwrap();
}

async fn retention_entries(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("retention.erase"))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn retention_erases_personal_data_keeps_public_names_and_counts_and_is_idempotent() {
    let app = TestApp::spawn().await;
    sign_and_confirm(&app, &individual("Listed Person", "listed@example.org")).await;
    let unlisted = {
        let mut f = individual("Hidden Person", "hidden@example.org");
        f.retain(|(k, _)| *k != "show_publicly");
        f
    };
    sign_and_confirm(&app, &unlisted).await;
    sign_and_confirm(
        &app,
        &organisation("Rights Watch", "Olga Contact", "olga@example.org"),
    )
    .await;
    assert_eq!(
        app.sign(&individual("Pending Pat", "pat@example.org"))
            .await
            .status(),
        303
    );
    app.drain_outbox().await;
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (2, 1));
    close_letter(&app).await;

    // Before the horizon nothing is erased.
    app.clock.advance(Duration::days(100));
    let early = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(early.signatures_erased, 0);
    assert!(
        !signature_by_email(&app, "listed@example.org")
            .await
            .email
            .is_empty()
    );

    app.clock.advance(Duration::days(84));
    let report = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(report.signatures_erased, 4);
    assert!(report.confirmation_links_purged >= 4);
    assert!(report.outbox_rows_purged >= 4);

    let key = ip::key(&app.db, None).await.unwrap();
    let expected_hash = ip::hash(&key, "127.0.0.1".parse().unwrap());
    let rows = signature::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        assert_eq!(row.email, "", "email kept on {row:?}");
        assert_eq!(
            row.email_canonical, None,
            "canonical address kept on {row:?}"
        );
        assert_eq!(row.email_domain, None, "email domain kept on {row:?}");
        assert!(row.email_normalized.starts_with("erased-"));
        assert_eq!(row.client_ip.as_deref(), Some("127.0.0.0/24"));
        assert_eq!(row.ip_hash.as_deref(), Some(expected_hash.as_str()));
        assert!(row.erased_at.is_some());
        assert_eq!(row.role, None);
    }
    let by_name = |name: &str| rows.iter().find(|r| r.name == name).cloned();
    let listed = by_name("Listed Person").expect("the listed name is kept");
    assert_eq!(listed.city.as_deref(), Some("Lyon"));
    assert_eq!(listed.country, "FR");
    assert!(by_name("Hidden Person").is_none());
    assert!(by_name("Pending Pat").is_none());
    assert!(by_name("Olga Contact").is_none());
    let org = rows
        .iter()
        .find(|r| r.organisation_name.as_deref() == Some("Rights Watch"))
        .expect("the listed organisation is kept");
    assert_eq!(org.status, SignatureStatus::Confirmed);
    let hidden = rows
        .iter()
        .find(|r| r.status == SignatureStatus::Confirmed && !r.show_publicly)
        .unwrap();
    assert_eq!(
        (hidden.city.as_ref(), hidden.occupation.as_ref()),
        (None, None)
    );

    // Counts and the public list are as they were.
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (2, 1));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let page = app.letter_page().await;
    assert!(page.contains("Listed Person"));
    assert!(page.contains("Rights Watch"));

    // Links and sent outbox rows are gone; nothing is left that leads to a person.
    assert_eq!(
        confirmation_token::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        withdrawal_token::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(OutboxStatus::Sent))
            .count(&app.db)
            .await
            .unwrap(),
        0
    );

    // Recorded once, by the system, with its counts.
    let entries = retention_entries(&app).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor_email.as_deref(), Some("system"));
    let detail: serde_json::Value =
        serde_json::from_str(entries[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["signatures_erased"], 4);

    // A second run finds nothing to do and changes nothing.
    app.clock.advance(Duration::days(1));
    let again = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(again, retention::Report::default());
    assert_eq!(signature::Entity::find().all(&app.db).await.unwrap(), rows);
    assert_eq!(retention_entries(&app).await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn open_letters_keep_their_signers_data_whatever_the_time() {
    let app = TestApp::spawn_with(|s| s.retention_days = 1).await;
    sign_and_confirm(&app, &individual("Open Olive", "olive@example.org")).await;
    app.clock.advance(Duration::days(400));
    let report = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(report.signatures_erased, 0);
    let sig = signature_by_email(&app, "olive@example.org").await;
    assert_eq!(sig.client_ip.as_deref(), Some("127.0.0.1"));
    // Old links and sent emails go even so.
    assert!(report.confirmation_links_purged >= 1);
    assert!(report.outbox_rows_purged >= 1);
    app.stop().await;
}

#[tokio::test]
async fn the_privacy_page_shows_the_configured_retention_and_is_linked_from_every_page() {
    let app = TestApp::spawn_with(|s| s.retention_days = 90).await;
    let page = app.get("/privacy").await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("90 days"), "{text}");
    assert!(text.contains("/my-data"));
    let letter = app.letter_page().await;
    assert!(letter.contains("href=\"/privacy\""));
    let form = app.get("/my-data").await;
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("href=\"/privacy\""));
    app.stop().await;
}

#[tokio::test]
async fn the_already_signed_email_carries_a_withdrawal_link_too() {
    let app = TestApp::spawn().await;
    sign_and_confirm(&app, &individual("Fay", "fay@example.org")).await;
    assert_eq!(
        app.sign(&individual("Fay", "fay@example.org"))
            .await
            .status(),
        303
    );
    app.drain_outbox().await;
    let mail = app.mail_to("fay@example.org");
    let again = mail.last().unwrap();
    assert!(again.subject().starts_with("You have already signed"));
    let posted = app
        .client
        .post(app.url(&withdraw_path(again)))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (0, 0));
    app.stop().await;
}

#[tokio::test]
async fn the_worker_runs_the_retention_job_by_itself() {
    let app = TestApp::spawn_with(|s| {
        s.run_worker = true;
        s.retention_interval = std::time::Duration::from_millis(100);
        s.outbox_poll_interval = std::time::Duration::from_millis(50);
    })
    .await;
    assert_eq!(
        app.sign(&individual("Gil", "gil@example.org"))
            .await
            .status(),
        303
    );
    app.wait_for_mail(1).await;
    close_letter(&app).await;
    app.clock.advance(Duration::days(184));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = signature::Entity::find().all(&app.db).await.unwrap();
        // The audit entry is written at the end of the run that erased.
        if rows.iter().all(|r| r.erased_at.is_some()) && !retention_entries(&app).await.is_empty() {
            assert_eq!(rows[0].email, "");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not erased: {rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_data_request_for_an_unconfirmed_address_mails_nothing_the_signer_typed() {
    let app = TestApp::spawn().await;
    // Someone signs in the name of an organisation with a stranger's address, hoping the
    // service will mail their text to it.
    let bait = "https://restore-account.example/login";
    let fields = with(
        with(
            organisation(
                "Account Security Desk",
                "Support Team Lead",
                "target@example.org",
            ),
            "website",
            bait,
        ),
        "role",
        "Verification Officer",
    );
    assert_eq!(app.sign(&fields).await.status(), 303);
    // And confirms a signature of their own, so the answer has both kinds.
    sign_and_confirm(&app, &individual("Real Person", "real@example.org")).await;
    let asked = app
        .post_form("/my-data", &[("email", "target@example.org".into())])
        .await;
    assert_eq!(asked.status(), 200);
    app.drain_outbox().await;
    let answer = app
        .mail_to("target@example.org")
        .into_iter()
        .find(|m| m.subject() == "Your data at undersigned")
        .expect("the data request was answered");
    for body in [answer.text_body(), answer.html_body()] {
        for typed in [
            "restore-account",
            "Account Security Desk",
            "Support Team Lead",
            "Verification Officer",
            "127.0.0.1",
        ] {
            assert!(!body.contains(typed), "{typed} was mailed in:\n{body}");
        }
        assert!(body.contains("Free the prisoners of conscience"), "{body}");
        assert!(
            body.contains("awaiting confirmation of this email address"),
            "{body}"
        );
    }
    assert!(
        answer.links().iter().all(|l| l.starts_with(BASE_URL)),
        "only our own links: {:?}",
        answer.links()
    );

    // Once an address has confirmed, its answer has everything as stored.
    app.post_form("/my-data", &[("email", "real@example.org".into())])
        .await;
    app.drain_outbox().await;
    let full = app
        .mail_to("real@example.org")
        .into_iter()
        .find(|m| m.subject() == "Your data at undersigned")
        .expect("the data request was answered");
    let text = full.text_body();
    for kept in ["Real Person", "Lyon", "Teacher", "127.0.0.1"] {
        assert!(text.contains(kept), "{kept} missing from:\n{text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn data_requests_and_signings_share_an_inboxs_daily_cap() {
    let app = TestApp::spawn_with(|s| {
        s.emails_per_address_per_day = 3;
        s.data_requests_per_day = 10;
    })
    .await;
    let address = "capped@example.org";
    // One email: the confirmation link. Then data requests take the two left.
    sign_and_confirm(&app, &individual("Capped", address)).await;
    for _ in 0..4 {
        let asked = app
            .post_form("/my-data", &[("email", address.into())])
            .await;
        assert_eq!(asked.status(), 200);
    }
    assert_eq!(app.drain_outbox().await, 2);
    assert_eq!(app.mail_to(address).len(), 3);

    // The cap is used up for signings too: signing another letter queues nothing.
    letters::create(
        &app.db,
        letters::NewLetter {
            slug: "second-letter".into(),
            title: "A second letter".into(),
            summary: "Another.".into(),
            body: "Another text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![letters::NewTarget::new("Someone", "someone@example.org")],
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let signed = app
        .post_form(
            "/letters/second-letter/sign",
            &individual("Capped", address),
        )
        .await;
    assert_eq!(signed.status(), 303);
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.mail_to(address).len(), 3);

    // The next day both may be written again.
    app.clock.advance(Duration::days(1));
    app.post_form("/my-data", &[("email", address.into())])
        .await;
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(app.mail_to(address).len(), 4);
    app.stop().await;
}

/// Signs the test letter from `client_ip` (the app trusts the loopback proxy).
async fn sign_from(app: &TestApp, client_ip: &str, fields: &[(&str, String)]) -> u16 {
    let path = format!("/letters/{LETTER}/sign");
    let fields = app.stamped(&path, fields).await;
    app.client
        .post(app.url(&path))
        .header("x-forwarded-for", client_ip)
        .form(&fields)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn signing_again_after_withdrawing_counts_against_the_inbox_cap() {
    let app = TestApp::spawn_with(|s| {
        s.emails_per_address_per_day = 2;
        s.max_confirmation_emails = 10;
    })
    .await;
    let address = "again@example.org";
    let withdraw = sign_and_confirm(&app, &individual("Again", address)).await;
    for round in 0..3 {
        let posted = app.client.post(app.url(&withdraw)).send().await.unwrap();
        assert_eq!(posted.status(), 200);
        assert_eq!(app.sign(&individual("Again", address)).await.status(), 303);
        app.drain_outbox().await;
        assert_eq!(
            signature_by_email(&app, address).await.status,
            SignatureStatus::Pending,
            "round {round}: re-opened"
        );
    }
    // The first confirmation and one re-opening: the cap of two.
    assert_eq!(app.mail_to(address).len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn signing_again_after_withdrawing_makes_the_duplicate_and_quarantine_keys_afresh() {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let first = individual("Cy Young", "c.y@gmail.com");
    assert_eq!(sign_from(&app, "203.0.113.9", &first).await, 303);
    app.drain_outbox().await;
    let message = app.mail_to("c.y@gmail.com").pop().unwrap();
    app.client
        .post(app.url(&TestApp::confirmation_path(&message)))
        .send()
        .await
        .unwrap();
    app.client
        .post(app.url(&withdraw_path(&message)))
        .send()
        .await
        .unwrap();
    let before = signature_by_email(&app, "c.y@gmail.com").await;
    assert_eq!(before.status, SignatureStatus::Withdrawn);
    assert_eq!(
        before.network_prefix,
        undersigned::abuse::quarantine::network_prefix("203.0.113.9")
    );

    // The same inbox under another spelling, another name, another network.
    let again = individual("Сесилия Янг", "cy+news@googlemail.com");
    assert_eq!(sign_from(&app, "2001:db8:77:1::5", &again).await, 303);
    let row = signature_of(&app, before.id).await;
    assert_eq!(row.status, SignatureStatus::Pending);
    assert_eq!(row.email, "cy+news@googlemail.com");
    assert_eq!(row.email_normalized, "cy+news@googlemail.com");
    assert_eq!(
        row.email_canonical.as_deref(),
        Some(undersigned::domain::canonical_email("cy+news@googlemail.com").as_str())
    );
    assert_eq!(row.email_domain.as_deref(), Some("googlemail.com"));
    assert_eq!(
        row.name_skeleton.as_deref(),
        Some(undersigned::domain::name_skeleton("Сесилия Янг").as_str())
    );
    assert_ne!(row.name_skeleton, before.name_skeleton);
    assert_eq!(
        row.network_prefix,
        undersigned::abuse::quarantine::network_prefix("2001:db8:77:1::5")
    );
    assert_ne!(row.network_prefix, before.network_prefix);
    assert_eq!(row.client_ip.as_deref(), Some("2001:db8:77:1::5"));
    // Mail goes to the address typed this time.
    app.drain_outbox().await;
    assert_eq!(app.mail_to("cy+news@googlemail.com").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_delivered_letters_signers_are_erased_after_the_horizon_like_a_closed_ones() {
    use crate::support::smtp::Behaviour;
    let app = TestApp::spawn().await;
    sign_and_confirm(&app, &individual("Listed Person", "listed@example.org")).await;
    sign_and_confirm(
        &app,
        &organisation("Rights Watch", "Olga Contact", "olga@example.org"),
    )
    .await;
    // A confirmation the relay refuses for good: its failed row names no one for long.
    app.smtp().set_behaviour(Behaviour::PermanentFailure);
    assert_eq!(
        app.sign(&individual("Bounced Person", "bounced@example.org"))
            .await
            .status(),
        303
    );
    app.drain_outbox().await;
    app.smtp().set_behaviour(Behaviour::Accept);
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (1, 1));

    // Delivered by staff: to one target, and refused for good at the other.
    let mut admin = crate::support::staff::admin(&app).await;
    let done = crate::delivery::deliver(
        &app,
        &mut admin,
        &["council@example.org"],
        "now",
        "office@example.org",
    )
    .await;
    assert_eq!(done.status(), 303);
    app.drain_outbox().await;
    app.smtp().set_behaviour(Behaviour::PermanentFailure);
    let done = crate::delivery::deliver(
        &app,
        &mut admin,
        &["commission@example.org"],
        "now",
        "office@example.org",
    )
    .await;
    assert_eq!(done.status(), 303);
    app.drain_outbox().await;
    app.smtp().set_behaviour(Behaviour::Accept);
    let letter = letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(letter.status, LetterStatus::Delivered);
    let failed_kinds = |rows: Vec<outbox::Model>| {
        let mut kinds: Vec<String> = rows
            .into_iter()
            .filter(|r| r.status == OutboxStatus::Failed)
            .map(|r| r.kind)
            .collect();
        kinds.sort();
        kinds
    };
    assert_eq!(
        failed_kinds(app.outbox().await),
        ["confirmation_email", "delivery_email"]
    );

    // Before the horizon nothing is erased nor purged.
    app.clock.advance(Duration::days(100));
    let early = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(
        (early.signatures_erased, early.failed_outbox_rows_purged),
        (0, 0)
    );

    app.clock.advance(Duration::days(84));
    let report = retention::run(&app.db, &app.settings, app.clock.now())
        .await
        .unwrap();
    assert_eq!(report.signatures_erased, 3);
    assert_eq!(report.failed_outbox_rows_purged, 1);
    let rows = signature::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.email, "", "email kept on {row:?}");
        assert_eq!(row.client_ip.as_deref(), Some("127.0.0.0/24"));
        assert!(row.erased_at.is_some());
    }
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"Listed Person"), "{names:?}");
    assert!(!names.contains(&"Olga Contact"), "{names:?}");
    assert!(!names.contains(&"Bounced Person"), "{names:?}");
    // The failed confirmation is gone; the failed delivery to a target stays for staff.
    assert_eq!(failed_kinds(app.outbox().await), ["delivery_email"]);
    let detail: serde_json::Value =
        serde_json::from_str(retention_entries(&app).await[0].detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["failed_outbox_rows_purged"], 1);

    // Counts and the public list are as they were.
    app.roll_up().await;
    assert_eq!(counts_shown(&app).await, (1, 1));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    let page = app.letter_page().await;
    assert!(page.contains("Listed Person") && page.contains("Rights Watch"));
    app.stop().await;
}
