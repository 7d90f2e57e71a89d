//! Who a signer is: canonical addresses (variants of one Gmail inbox sign once, mail
//! goes to the address as typed), confusable skeletons in the staff search, and the
//! quarantine rules (burst from one network, new domain with many signers, look-alike
//! names) holding exactly the signatures they should until staff release (counted) or
//! invalidate (kept out) them.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::config::Settings;
use undersigned::entities::{SignatureStatus, letter, signature};
use undersigned::store::counts;
use undersigned::store::letters;

use crate::support::staff::{self, csrf_of, location};
use crate::support::{LETTER, TestApp, individual};

// ---- helpers -------------------------------------------------------------------------

async fn test_letter(app: &TestApp) -> letter::Model {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
}

/// The app with the proxy on localhost trusted, so each signing says where it came
/// from, and the quarantine rules as `configure` sets them (all off before it).
async fn spawn(configure: impl FnOnce(&mut Settings)) -> TestApp {
    TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        configure(s);
    })
    .await
}

/// Signs the test letter from `ip`; the public form answers with a redirect.
async fn sign_from(app: &TestApp, ip: &str, name: &str, email: &str) {
    let path = format!("/letters/{LETTER}/sign");
    let fields = app.stamped(&path, &individual(name, email)).await;
    let response = app
        .client
        .post(app.url(&path))
        .header("x-forwarded-for", ip)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "{name} <{email}>");
}

/// Follows the last confirmation link mailed to `email` (the POST); returns the page.
async fn confirm(app: &TestApp, email: &str) -> String {
    app.drain_outbox().await;
    let mail = app.mail_to(email);
    let path = TestApp::confirmation_path(mail.last().expect("a confirmation email"));
    let confirmed = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    confirmed.text().await.unwrap()
}

/// Signs and confirms; returns the confirmation page.
async fn sign_and_confirm(app: &TestApp, ip: &str, name: &str, email: &str) -> String {
    sign_from(app, ip, name, email).await;
    confirm(app, email).await
}

async fn row(app: &TestApp, email: &str) -> signature::Model {
    signature::Entity::find()
        .filter(signature::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a signature for {email}"))
}

/// (status, held_for, review_note) of the signature of `email`.
async fn state(app: &TestApp, email: &str) -> (SignatureStatus, Option<String>, Option<String>) {
    let r = row(app, email).await;
    (r.status, r.held_for, r.review_note)
}

fn held(rule: &str) -> (SignatureStatus, Option<String>, Option<String>) {
    (
        SignatureStatus::Held,
        Some("quarantine".into()),
        Some(rule.into()),
    )
}

fn confirmed() -> (SignatureStatus, Option<String>, Option<String>) {
    (SignatureStatus::Confirmed, None, None)
}

async fn shown_count(app: &TestApp) -> i64 {
    app.roll_up().await;
    app.letter_json().await["individual_count"]
        .as_i64()
        .unwrap()
}

async fn no_drift(app: &TestApp) {
    let drifts = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drifts.is_empty(), "{drifts:?}");
}

const UNDER_REVIEW: &str = "is under review";

// ---- canonical addresses ---------------------------------------------------------------

#[tokio::test]
async fn a_new_link_asked_for_under_a_variant_goes_to_the_address_signed_with() {
    let app = TestApp::spawn().await;
    test_letter(&app).await;
    app.sign(&individual("Mia Example", "me+1@gmail.com")).await;
    assert_eq!(app.drain_outbox().await, 1);

    // The signer remembers their address without the tag, and with a dot.
    let asked = app
        .post_form(
            "/confirm/resend",
            &[("email", "m.e@googlemail.com".to_string())],
        )
        .await;
    assert!(asked.status().is_success() || asked.status().is_redirection());
    assert_eq!(app.drain_outbox().await, 1, "one more confirmation link");
    let mail = app.mail_to("me+1@gmail.com");
    assert_eq!(
        mail.len(),
        2,
        "both links went to the address as typed at signing"
    );
    assert!(app.mail_to("m.e@googlemail.com").is_empty());
    app.stop().await;
}

#[tokio::test]
async fn gmail_variants_sign_once_and_mail_goes_to_the_address_as_typed() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;

    app.sign(&individual("Mia Example", "me+1@gmail.com")).await;
    let page = confirm(&app, "me+1@gmail.com").await;
    assert!(page.contains("your signature is confirmed"), "{page}");

    for variant in [
        "me+2@gmail.com",
        "m.e@gmail.com",
        "me@googlemail.com",
        "M.E@Gmail.com",
    ] {
        let response = app.sign(&individual("Mia Example", variant)).await;
        assert_eq!(response.status(), 303, "{variant} answers like a repeat");
    }
    app.drain_outbox().await;

    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        1,
        "four variants and the original are one signature"
    );
    assert_eq!(rows[0].email, "me+1@gmail.com", "kept as first typed");
    assert_eq!(rows[0].email_canonical.as_deref(), Some("me@gmail.com"));
    assert_eq!(shown_count(&app).await, 1);

    // Mail went to the address as typed, never to a canonical form or a variant.
    let all = app.smtp().messages();
    assert!(
        all.iter().all(|m| m.rcpt_to == ["me+1@gmail.com"]),
        "{:?}",
        all.iter().map(|m| &m.rcpt_to).collect::<Vec<_>>()
    );
    let to_signer = app.mail_to("me+1@gmail.com");
    assert_eq!(
        to_signer.len(),
        2,
        "the confirmation and one 'already signed' email"
    );

    // Other domains are untouched: dots and tags there may be different people.
    for other in ["a.b+1@example.org", "ab@example.org", "a.b+2@example.org"] {
        app.sign(&individual("Someone Else", other)).await;
    }
    let others = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .filter(signature::Column::EmailDomain.eq("example.org"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(others, 3);
    app.stop().await;
}

// ---- confusable skeletons in the staff search --------------------------------------------

#[tokio::test]
async fn the_staff_search_finds_a_cyrillic_look_alike() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    sign_and_confirm(&app, "198.51.100.1", "Anna Schmidt", "anna@one.example").await;
    // U+0410 CYRILLIC CAPITAL LETTER A
    sign_and_confirm(
        &app,
        "198.51.100.2",
        "\u{410}nna Schmidt",
        "anna@two.example",
    )
    .await;
    sign_and_confirm(&app, "198.51.100.3", "Bob Jones", "bob@three.example").await;

    let mut admin = staff::admin(&app).await;
    let page = admin
        .get(
            &app,
            &format!("/staff/letters/{}/signatures?name=anna", letter.id),
        )
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("anna@one.example"), "the Latin one");
    assert!(page.contains("anna@two.example"), "the Cyrillic look-alike");
    assert!(!page.contains("bob@three.example"));

    // Typed in Cyrillic, the search finds the Latin one too.
    let page = admin
        .get(
            &app,
            &format!("/staff/letters/{}/signatures?name=%D0%90nna", letter.id),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("anna@one.example") && page.contains("anna@two.example"));
    app.stop().await;
}

// ---- quarantine rules --------------------------------------------------------------------

#[tokio::test]
async fn a_burst_from_one_network_is_held_after_the_threshold() {
    let app = spawn(|s| {
        s.quarantine_burst_per_prefix = 3;
        s.quarantine_burst_minutes = 10;
    })
    .await;
    for i in 1..=5 {
        sign_and_confirm(
            &app,
            &format!("203.0.113.{i}"),
            &format!("Flood {i}"),
            &format!("f{i}@flood{i}.example"),
        )
        .await;
    }
    // Rotating /64s inside one /48 is one network too.
    for i in 1..=4 {
        sign_and_confirm(
            &app,
            &format!("2001:db8:7:{i}::1"),
            &format!("Six {i}"),
            &format!("s{i}@six{i}.example"),
        )
        .await;
    }
    let page = sign_and_confirm(&app, "198.51.100.9", "Real Person", "real@home.example").await;
    assert!(page.contains("your signature is confirmed"));

    for i in 1..=3 {
        assert_eq!(
            state(&app, &format!("f{i}@flood{i}.example")).await,
            confirmed(),
            "f{i}"
        );
        assert_eq!(
            state(&app, &format!("s{i}@six{i}.example")).await,
            confirmed(),
            "s{i}"
        );
    }
    for i in 4..=5 {
        assert_eq!(
            state(&app, &format!("f{i}@flood{i}.example")).await,
            held("burst"),
            "f{i}"
        );
    }
    assert_eq!(state(&app, "s4@six4.example").await, held("burst"));
    assert_eq!(state(&app, "real@home.example").await, confirmed());
    assert_eq!(shown_count(&app).await, 7);

    // Once the window has passed, the network signs normally again.
    app.clock.advance(chrono::Duration::minutes(11));
    sign_and_confirm(&app, "203.0.113.77", "Later One", "later@later.example").await;
    assert_eq!(state(&app, "later@later.example").await, confirmed());
    no_drift(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_new_domain_with_many_signers_is_held_but_not_big_webmail_or_old_domains() {
    let app = spawn(|s| {
        s.quarantine_new_domain_signers = 2;
        s.quarantine_new_domain_hours = 24;
    })
    .await;
    // A domain first seen more than a day ago is established.
    sign_and_confirm(&app, "198.51.100.1", "Old One", "o1@old.example").await;
    app.clock.advance(chrono::Duration::hours(25));

    for i in 1..=4 {
        sign_and_confirm(
            &app,
            &format!("198.51.100.{}", 10 + i),
            &format!("New {i}"),
            &format!("n{i}@fresh.example"),
        )
        .await;
        sign_and_confirm(
            &app,
            &format!("198.51.100.{}", 20 + i),
            &format!("Mail {i}"),
            &format!("mail{i}@gmail.com"),
        )
        .await;
        sign_and_confirm(
            &app,
            &format!("198.51.100.{}", 30 + i),
            &format!("Old {}", i + 1),
            &format!("o{}@old.example", i + 1),
        )
        .await;
    }
    for i in 1..=2 {
        assert_eq!(
            state(&app, &format!("n{i}@fresh.example")).await,
            confirmed(),
            "n{i}"
        );
    }
    for i in 3..=4 {
        assert_eq!(
            state(&app, &format!("n{i}@fresh.example")).await,
            held("new-domain"),
            "n{i}"
        );
    }
    for i in 1..=4 {
        assert_eq!(
            state(&app, &format!("mail{i}@gmail.com")).await,
            confirmed(),
            "webmail {i}"
        );
    }
    for i in 1..=5 {
        assert_eq!(
            state(&app, &format!("o{i}@old.example")).await,
            confirmed(),
            "old {i}"
        );
    }
    assert_eq!(shown_count(&app).await, 11);
    no_drift(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn a_look_alike_name_is_held_and_told_it_is_under_review() {
    let app = spawn(|s| s.quarantine_skeleton_duplicates = true).await;
    let page = sign_and_confirm(&app, "198.51.100.1", "Anna Schmidt", "anna@one.example").await;
    assert!(!page.contains(UNDER_REVIEW));
    let page = sign_and_confirm(
        &app,
        "198.51.100.2",
        "\u{410}nna  Schmidt",
        "anna@two.example",
    )
    .await;
    assert!(page.contains(UNDER_REVIEW), "{page}");
    let normal = sign_and_confirm(&app, "198.51.100.3", "Bob Jones", "bob@three.example").await;
    assert!(!normal.contains(UNDER_REVIEW));

    assert_eq!(state(&app, "anna@one.example").await, confirmed());
    assert_eq!(state(&app, "anna@two.example").await, held("look-alike"));
    assert_eq!(state(&app, "bob@three.example").await, confirmed());

    // Opening the link again says the same; the held signer is neither listed nor counted.
    let mail = app.mail_to("anna@two.example");
    let path = TestApp::confirmation_path(mail.last().unwrap());
    let again = app.get(&path).await.text().await.unwrap();
    assert!(again.contains(UNDER_REVIEW));
    assert_eq!(shown_count(&app).await, 2);
    assert!(!app.letter_page().await.contains("\u{410}nna"));
    app.stop().await;
}

// ---- release and invalidate --------------------------------------------------------------

#[tokio::test]
async fn staff_release_counts_and_invalidate_keeps_out() {
    let app = spawn(|s| {
        s.quarantine_burst_per_prefix = 1;
        s.quarantine_burst_minutes = 10;
    })
    .await;
    let letter = test_letter(&app).await;
    sign_and_confirm(&app, "203.0.113.1", "First Signer", "first@a.example").await;
    sign_and_confirm(&app, "203.0.113.2", "Second Signer", "second@b.example").await;
    sign_and_confirm(&app, "203.0.113.3", "Third Signer", "third@c.example").await;
    assert_eq!(state(&app, "second@b.example").await, held("burst"));
    assert_eq!(state(&app, "third@c.example").await, held("burst"));
    assert_eq!(shown_count(&app).await, 1);

    let queue_path = format!("/staff/letters/{}/quarantine", letter.id);
    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;

    // Editors see the queue with domains, not addresses or networks.
    let page = editor.get(&app, &queue_path).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Second Signer") && page.contains("Third Signer"));
    assert!(!page.contains("First Signer"));
    assert!(page.contains("one network"), "the rule, in words");
    assert!(!page.contains("second@b.example") && !page.contains("203.0.113.0/24"));
    let admin_page = admin.get(&app, &queue_path).await.text().await.unwrap();
    assert!(admin_page.contains("second@b.example") && admin_page.contains("203.0.113.0/24"));

    let second = row(&app, "second@b.example").await.id.to_string();
    let third = row(&app, "third@c.example").await.id.to_string();
    let csrf = csrf_of(&page);

    // A form without the CSRF token changes nothing.
    let forged = editor
        .post(
            &app,
            &format!("{queue_path}/release"),
            &[("csrf", "nope"), ("signature", &second)],
        )
        .await;
    assert!(forged.status().is_client_error());
    assert_eq!(state(&app, "second@b.example").await, held("burst"));

    let released = editor
        .post(
            &app,
            &format!("{queue_path}/release"),
            &[("csrf", &csrf), ("signature", &second)],
        )
        .await;
    assert_eq!(location(&released), format!("{queue_path}?done=released"));
    let twice = editor
        .post(
            &app,
            &format!("{queue_path}/release"),
            &[("csrf", &csrf), ("signature", &second)],
        )
        .await;
    assert_eq!(location(&twice), format!("{queue_path}?done=stale"));
    let invalidated = editor
        .post(
            &app,
            &format!("{queue_path}/invalidate"),
            &[("csrf", &csrf), ("signature", &third)],
        )
        .await;
    assert_eq!(
        location(&invalidated),
        format!("{queue_path}?done=invalidated")
    );
    // A confirmed signature is not the quarantine's to invalidate.
    let first = row(&app, "first@a.example").await.id.to_string();
    let not_held = editor
        .post(
            &app,
            &format!("{queue_path}/invalidate"),
            &[("csrf", &csrf), ("signature", &first)],
        )
        .await;
    assert_eq!(location(&not_held), format!("{queue_path}?done=stale"));

    let second_row = row(&app, "second@b.example").await;
    assert_eq!(second_row.status, SignatureStatus::Confirmed);
    assert_eq!(second_row.held_for, None);
    assert!(second_row.reviewed_by.is_some());
    assert_eq!(
        row(&app, "third@c.example").await.status,
        SignatureStatus::Invalidated
    );
    assert_eq!(
        row(&app, "first@a.example").await.status,
        SignatureStatus::Confirmed
    );

    assert_eq!(shown_count(&app).await, 2, "the released one counts");
    let public = app.letter_page().await;
    assert!(public.contains("Second Signer"));
    assert!(!public.contains("Third Signer"));
    no_drift(&app).await;
    assert_eq!(shown_count(&app).await, 2, "reconciliation agrees");

    let audit = staff::actions(&app).await;
    let names: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        names.iter().filter(|a| **a == "signature.release").count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|a| **a == "signature.invalidate")
            .count(),
        1,
        "{names:?}"
    );
    let empty = editor.get(&app, &queue_path).await.text().await.unwrap();
    assert!(empty.contains("No signature is under review"));
    app.stop().await;
}

// ---- rows from before the canonical address ---------------------------------------------

/// Records a signing through the store, then blanks the columns the migration added, as
/// they are on a row from before it.
async fn legacy_row(app: &TestApp, letter: &letter::Model, name: &str, email: &str) -> i64 {
    use undersigned::domain::{Country, ShortText, SignerEmail, SignerName};
    use undersigned::store::signatures::{self, MailCaps, NewSignature, SignOutcome};
    let new = NewSignature {
        kind: undersigned::entities::SignatureKind::Individual,
        name: SignerName::parse(name).unwrap(),
        email: SignerEmail::parse(email).unwrap(),
        country: Country::parse("FR").unwrap(),
        city: None,
        occupation: None,
        organisation_name: None,
        website: None,
        role: ShortText::parse_optional("", 100).unwrap(),
        show_publicly: true,
        wants_updates: false,
        client_ip: Some("192.0.2.55".into()),
        language: "en".into(),
        text_language: None,
    };
    let caps = MailCaps {
        max_confirmation_emails: 3,
        already_signed_interval: chrono::Duration::hours(1),
        token_ttl: chrono::Duration::days(7),
        emails_per_address_per_day: 100,
    };
    let outcome = signatures::record(
        &app.db,
        letter.id,
        letter.version,
        &new,
        app.clock.now(),
        caps,
    )
    .await
    .unwrap();
    let SignOutcome::Created { signature_id } = outcome else {
        panic!("{outcome:?}");
    };
    signature::Entity::update_many()
        .col_expr(
            signature::Column::EmailCanonical,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            signature::Column::NameSkeleton,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            signature::Column::EmailDomain,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .col_expr(
            signature::Column::NetworkPrefix,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(signature::Column::Id.eq(signature_id))
        .exec(&app.db)
        .await
        .unwrap();
    signature_id
}

#[tokio::test]
async fn the_backfill_fills_in_old_rows_and_keeps_both_of_an_old_duplicate() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let earlier = legacy_row(&app, &letter, "Mia Example", "m.e@gmail.com").await;
    let later = legacy_row(&app, &letter, "Mia Example", "me+x@googlemail.com").await;
    let other = legacy_row(&app, &letter, "\u{410}nna Schmidt", "a.b+c@example.org").await;

    let filled = undersigned::abuse::quarantine::backfill(&app.db)
        .await
        .unwrap();
    assert_eq!(filled, 3);
    let db = &app.db;
    let get = |id| async move {
        undersigned::store::signatures::find(db, id)
            .await
            .unwrap()
            .unwrap()
    };
    let (e, l, o) = (get(earlier).await, get(later).await, get(other).await);
    assert_eq!(e.email_canonical.as_deref(), Some("me@gmail.com"));
    assert_eq!(
        l.email_canonical, None,
        "the later of one inbox stays out of the unique index"
    );
    assert_eq!(l.status, SignatureStatus::Pending, "both are kept");
    assert_eq!(o.email_canonical.as_deref(), Some("a.b+c@example.org"));
    // The Latin look-alike's skeleton (TR 39 skeletons are comparison keys: "m" is "rn").
    assert_eq!(
        o.name_skeleton,
        Some(undersigned::domain::name_skeleton("Anna Schmidt"))
    );
    assert_eq!(o.email_domain.as_deref(), Some("example.org"));
    assert_eq!(o.network_prefix.as_deref(), Some("192.0.2.0/24"));
    assert!(e.name_skeleton.is_some() && l.name_skeleton.is_some());

    assert_eq!(
        undersigned::abuse::quarantine::backfill(&app.db)
            .await
            .unwrap(),
        0,
        "done once"
    );

    // A new signing under another variant is a repeat of the earlier row.
    app.sign(&individual("Mia Example", "mia.e+new@gmail.com"))
        .await;
    app.sign(&individual("Mia Example", "m.e+new@gmail.com"))
        .await;
    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 4, "only the new inbox (miae@gmail.com) was added");
    app.stop().await;
}
