//! Moderation over HTTP as editors and admins: organisations held for approval, the
//! approval queue and its emails, the signature search by every filter, and invalidating
//! and restoring one signature or a whole flood, with counts checked after the roll-up
//! and after reconciliation, and every action in the audit log.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use undersigned::domain::{Country, ShortText, SignerEmail, SignerName, Website};
use undersigned::entities::{
    LetterStatus, SignatureKind, SignatureStatus, count_delta, letter, signature,
};
use undersigned::store::counts;
use undersigned::store::letters::{self, NewLetter, NewTarget};
use undersigned::store::signatures::{self, MailCaps, NewSignature, SignOutcome};

use crate::support::staff::{self, Browser, csrf_of, location};
use crate::support::{BASE_URL, LETTER, TestApp, individual, organisation, with};

// ---- helpers -------------------------------------------------------------------------

const APPROVAL_LETTER: &str = "approval-letter";

/// An open letter whose organisations need approval.
async fn approval_letter(app: &TestApp) -> letter::Model {
    letters::create(
        &app.db,
        NewLetter {
            slug: APPROVAL_LETTER.into(),
            title: "Protect the defenders".into(),
            summary: "Organisations are reviewed.".into(),
            body: "We ask you to protect them.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: true,
            targets: vec![NewTarget::new("European Council", "council@example.org")],
        },
        app.clock.now(),
    )
    .await
    .unwrap()
}

async fn test_letter(app: &TestApp) -> letter::Model {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .unwrap()
        .unwrap()
}

/// Signs through the public form, then confirms with the emailed link; returns the page
/// the confirming POST shows.
async fn sign_and_confirm(app: &TestApp, slug: &str, fields: &[(&str, String)]) -> String {
    let email = fields
        .iter()
        .find(|(k, _)| *k == "email")
        .map(|(_, v)| v.clone())
        .unwrap();
    let signed = app
        .post_form(&format!("/letters/{slug}/sign"), fields)
        .await;
    assert_eq!(signed.status(), 303);
    app.drain_outbox().await;
    let mail = app.mail_to(&email);
    let path = TestApp::confirmation_path(mail.last().expect("a confirmation email"));
    let confirmed = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    confirmed.text().await.unwrap()
}

async fn signature_by_email(app: &TestApp, email: &str) -> signature::Model {
    signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn json_counts(app: &TestApp, slug: &str) -> (i64, i64) {
    let response = app.get(&format!("/api/letters/{slug}")).await;
    assert_eq!(response.status(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    (
        json["individual_count"].as_i64().unwrap(),
        json["organisation_count"].as_i64().unwrap(),
    )
}

async fn public_page(app: &TestApp, slug: &str) -> String {
    let response = app.get(&format!("/letters/{slug}")).await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn pending_deltas(app: &TestApp, letter_id: i64) -> u64 {
    count_delta::Entity::find()
        .filter(count_delta::Column::LetterId.eq(letter_id))
        .count(&app.db)
        .await
        .unwrap()
}

fn caps() -> MailCaps {
    MailCaps {
        max_confirmation_emails: 3,
        already_signed_interval: chrono::Duration::hours(1),
        token_ttl: chrono::Duration::days(7),
        emails_per_address_per_day: 100,
    }
}

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 10, 0, 0)
        .single()
        .unwrap()
}

/// A signature recorded (and, with `confirm`, confirmed) through the store, as the
/// public form would, with the client address and time given.
struct Seed<'a> {
    name: &'a str,
    email: &'a str,
    organisation: Option<&'a str>,
    ip: &'a str,
    at: DateTime<Utc>,
    confirm: bool,
}

async fn seed(app: &TestApp, letter: &letter::Model, s: Seed<'_>) -> i64 {
    let new = NewSignature {
        kind: if s.organisation.is_some() {
            SignatureKind::Organisation
        } else {
            SignatureKind::Individual
        },
        name: SignerName::parse(s.name).unwrap(),
        email: SignerEmail::parse(s.email).unwrap(),
        country: Country::parse("FR").unwrap(),
        city: None,
        occupation: None,
        organisation_name: s.organisation.map(|o| SignerName::parse(o).unwrap()),
        website: s
            .organisation
            .map(|_| Website::parse("https://org.example.net").unwrap()),
        role: ShortText::parse_optional("", 100).unwrap(),
        show_publicly: true,
        wants_updates: false,
        client_ip: Some(s.ip.to_owned()),
        language: "en".into(),
        text_language: None,
    };
    let outcome = signatures::record(&app.db, letter.id, letter.version, &new, s.at, caps())
        .await
        .unwrap();
    let SignOutcome::Created { signature_id } = outcome else {
        panic!("{outcome:?}");
    };
    if s.confirm {
        let row = signatures::find(&app.db, signature_id)
            .await
            .unwrap()
            .unwrap();
        signatures::confirm(&app.db, &row, letter, s.at)
            .await
            .unwrap();
    }
    signature_id
}

/// The ids of the signatures a search page lists (each row has one action button).
fn ids_on(page: &str) -> BTreeSet<i64> {
    page.match_indices("name=\"signature\" value=\"")
        .map(|(at, needle)| {
            let rest = &page[at + needle.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

async fn search(app: &TestApp, who: &mut Browser, letter_id: i64, query: &str) -> (u16, String) {
    let response = who
        .get(
            app,
            &format!("/staff/letters/{letter_id}/signatures?{query}"),
        )
        .await;
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn status_of(app: &TestApp, id: i64) -> SignatureStatus {
    signatures::find(&app.db, id).await.unwrap().unwrap().status
}

/// The value of a hidden field on a page.
fn hidden(page: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + needle.len();
    page[at..page[at..].find('"').unwrap() + at].to_owned()
}

async fn audit_actions(
    app: &TestApp,
    action: &str,
) -> Vec<undersigned::entities::audit_log::Model> {
    staff::actions(app)
        .await
        .into_iter()
        .filter(|a| a.action == action)
        .collect()
}

// ---- organisations held for approval ---------------------------------------------------

#[tokio::test]
async fn a_held_organisation_is_listed_and_counted_only_once_approved_and_its_contact_is_emailed() {
    let app = TestApp::spawn().await;
    let letter = approval_letter(&app).await;
    let fields = with(
        organisation("Rights Watch", "Ana Director", "ana@rights.example.org"),
        "website",
        "https://www.rights.example.org/about",
    );
    let page = sign_and_confirm(&app, APPROVAL_LETTER, &fields).await;
    assert!(page.contains("will be listed"), "{page}");
    assert!(page.contains("reviewed"), "{page}");
    let held = signature_by_email(&app, "ana@rights.example.org").await;
    assert_eq!(held.status, SignatureStatus::Held);
    assert_eq!(held.held_for.as_deref(), Some("approval"));
    assert_eq!(pending_deltas(&app, letter.id).await, 0, "no count delta");

    // A second click on the link changes nothing and says the same.
    let path = TestApp::confirmation_path(app.mail_to("ana@rights.example.org").last().unwrap());
    let again = app.client.post(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("will be listed"));
    let shown = app.get(&path).await.text().await.unwrap();
    assert!(shown.contains("will be listed"), "{shown}");
    assert_eq!(pending_deltas(&app, letter.id).await, 0);

    app.roll_up().await;
    assert_eq!(json_counts(&app, APPROVAL_LETTER).await, (0, 0));
    assert!(
        !public_page(&app, APPROVAL_LETTER)
            .await
            .contains("Rights Watch")
    );

    // A second organisation whose contact writes from elsewhere.
    let other = with(
        organisation("Other Group", "Olga", "olga@freemail.example"),
        "website",
        "https://other-group.example.org",
    );
    sign_and_confirm(&app, APPROVAL_LETTER, &other).await;

    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    let queue_path = format!("/staff/letters/{}/approvals", letter.id);
    let queue = editor.get(&app, &queue_path).await;
    assert_eq!(queue.status(), 200);
    let queue = queue.text().await.unwrap();
    let ana_at = queue.find("Rights Watch").unwrap();
    let olga_at = queue.find("Other Group").unwrap();
    assert!(ana_at < olga_at, "oldest first");
    assert!(queue.contains("rights.example.org — <strong class=\"match-yes\">matches the website"));
    assert!(
        queue.contains("freemail.example — <strong class=\"match-no\">differs from the website")
    );
    assert!(
        !queue.contains("ana@rights.example.org"),
        "editors see the domain only"
    );
    let admin_queue = admin.get(&app, &queue_path).await.text().await.unwrap();
    assert!(
        admin_queue.contains("ana@rights.example.org"),
        "admins see the address"
    );

    let csrf = csrf_of(&queue);
    let id = held.id.to_string();
    let approved = editor
        .post(
            &app,
            &format!("{queue_path}/approve"),
            &[("csrf", &csrf), ("signature", &id)],
        )
        .await;
    assert_eq!(approved.status(), 303);
    assert_eq!(location(&approved), format!("{queue_path}?done=approved"));
    // A double click, or a colleague at the same moment, acts once.
    let twice = editor
        .post(
            &app,
            &format!("{queue_path}/approve"),
            &[("csrf", &csrf), ("signature", &id)],
        )
        .await;
    assert_eq!(location(&twice), format!("{queue_path}?done=stale"));

    let row = signature_by_email(&app, "ana@rights.example.org").await;
    assert_eq!(row.status, SignatureStatus::Confirmed);
    assert_eq!(row.held_for, None);
    assert!(row.reviewed_at.is_some() && row.reviewed_by.is_some());
    assert_eq!(pending_deltas(&app, letter.id).await, 1, "exactly one +1");
    app.roll_up().await;
    assert_eq!(json_counts(&app, APPROVAL_LETTER).await, (0, 1));
    let public = public_page(&app, APPROVAL_LETTER).await;
    assert!(public.contains("Rights Watch"));
    assert!(!public.contains("Other Group"), "still held");
    let drifts = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drifts.is_empty(), "{drifts:?}");

    let before = app.smtp().messages().len();
    app.drain_outbox().await;
    let mail = app.wait_for_mail(before + 1).await;
    assert_eq!(mail.len(), before + 1, "one email for two clicks");
    let news = app.mail_to("ana@rights.example.org");
    let news = news.last().unwrap();
    assert_eq!(
        news.subject(),
        "Your organisation's signature is listed: Protect the defenders"
    );
    assert!(news.text_body().contains("Rights Watch is now listed"));
    assert!(
        news.links()
            .contains(&format!("{BASE_URL}/letters/{APPROVAL_LETTER}"))
    );

    let approvals = audit_actions(&app, "signature.approve").await;
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].actor_email.as_deref(), Some(staff::EDITOR));
    assert_eq!(
        approvals[0].subject.as_deref(),
        Some(format!("signature {id}").as_str())
    );
    assert_eq!(approvals[0].client_ip.as_deref(), Some("127.0.0.1"));
    app.stop().await;
}

#[tokio::test]
async fn a_rejected_organisation_is_told_the_reason_and_never_listed() {
    let app = TestApp::spawn().await;
    let letter = approval_letter(&app).await;
    let fields = organisation("Fake Front", "Fred", "fred@front.example.org");
    sign_and_confirm(&app, APPROVAL_LETTER, &fields).await;
    let held = signature_by_email(&app, "fred@front.example.org").await;
    let mut admin = staff::admin(&app).await;
    let queue_path = format!("/staff/letters/{}/approvals", letter.id);
    let csrf = admin.csrf(&app).await;
    let id = held.id.to_string();

    let blank = admin
        .post(
            &app,
            &format!("{queue_path}/reject"),
            &[("csrf", &csrf), ("signature", &id), ("reason", "   ")],
        )
        .await;
    assert_eq!(blank.status(), 422);
    let blank = blank.text().await.unwrap();
    assert!(blank.contains("Give the reason for rejecting"), "{blank}");
    assert!(blank.contains(&format!("id=\"reason-{id}-error\"")));
    let long = "x".repeat(1001);
    let too_long = admin
        .post(
            &app,
            &format!("{queue_path}/reject"),
            &[("csrf", &csrf), ("signature", &id), ("reason", &long)],
        )
        .await;
    assert_eq!(too_long.status(), 422);
    assert!(too_long.text().await.unwrap().contains(&long), "input kept");
    assert_eq!(status_of(&app, held.id).await, SignatureStatus::Held);

    let reason = "Not a registered organisation <b>sorry</b>.";
    let rejected = admin
        .post(
            &app,
            &format!("{queue_path}/reject"),
            &[("csrf", &csrf), ("signature", &id), ("reason", reason)],
        )
        .await;
    assert_eq!(rejected.status(), 303);
    assert_eq!(location(&rejected), format!("{queue_path}?done=rejected"));
    let row = signature_by_email(&app, "fred@front.example.org").await;
    assert_eq!(row.status, SignatureStatus::Rejected);
    assert_eq!(row.review_note.as_deref(), Some(reason));
    // Approving it afterwards does nothing.
    let late = admin
        .post(
            &app,
            &format!("{queue_path}/approve"),
            &[("csrf", &csrf), ("signature", &id)],
        )
        .await;
    assert_eq!(location(&late), format!("{queue_path}?done=stale"));

    app.drain_outbox().await;
    let news = app.mail_to("fred@front.example.org");
    let news = news.last().unwrap();
    assert_eq!(
        news.subject(),
        "Your organisation's signature was not accepted: Protect the defenders"
    );
    assert!(
        news.text_body()
            .contains("> Not a registered organisation <b>sorry</b>.")
    );
    assert!(
        news.html_body()
            .contains("Not a registered organisation &lt;b&gt;sorry&lt;/b&gt;.")
    );
    assert!(
        news.links()
            .contains(&format!("{BASE_URL}/letters/{APPROVAL_LETTER}"))
    );

    app.roll_up().await;
    assert_eq!(json_counts(&app, APPROVAL_LETTER).await, (0, 0));
    assert!(
        !public_page(&app, APPROVAL_LETTER)
            .await
            .contains("Fake Front")
    );
    assert_eq!(pending_deltas(&app, letter.id).await, 0);

    // Signing again with the same address stays quiet: no email, nothing listed.
    let mails = app.smtp().messages().len();
    let again = app
        .post_form(&format!("/letters/{APPROVAL_LETTER}/sign"), &fields)
        .await;
    assert_eq!(again.status(), 303);
    app.drain_outbox().await;
    assert_eq!(app.smtp().messages().len(), mails);

    let rejects = audit_actions(&app, "signature.reject").await;
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("Not a registered organisation")
    );
    assert_eq!(rejects[0].client_ip.as_deref(), Some("127.0.0.1"));
    app.stop().await;
}

#[tokio::test]
async fn individuals_on_a_letter_with_approval_are_counted_at_once() {
    let app = TestApp::spawn().await;
    approval_letter(&app).await;
    let page = sign_and_confirm(
        &app,
        APPROVAL_LETTER,
        &individual("Ida Lund", "ida@example.org"),
    )
    .await;
    assert!(page.contains("your signature is confirmed"), "{page}");
    assert_eq!(
        signature_by_email(&app, "ida@example.org").await.status,
        SignatureStatus::Confirmed
    );
    app.roll_up().await;
    assert_eq!(json_counts(&app, APPROVAL_LETTER).await, (1, 0));
    app.stop().await;
}

// ---- search -----------------------------------------------------------------------------

#[tokio::test]
async fn the_search_finds_exactly_what_each_filter_asks_for() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let s = |name, email, organisation, ip, at, confirm| Seed {
        name,
        email,
        organisation,
        ip,
        at,
        confirm,
    };
    let a = seed(
        &app,
        &letter,
        s(
            "Alice Martin",
            "alice@example.org",
            None,
            "203.0.113.5",
            day(20),
            true,
        ),
    )
    .await;
    let b = seed(
        &app,
        &letter,
        s(
            "Bob Stone",
            "bob@mail.test",
            None,
            "198.51.100.7",
            day(21),
            false,
        ),
    )
    .await;
    let c = seed(
        &app,
        &letter,
        s(
            "Carl",
            "carl@found.example",
            Some("Martin Foundation"),
            "2001:db8::1",
            day(22),
            true,
        ),
    )
    .await;
    let d = seed(
        &app,
        &letter,
        s(
            "Dora",
            "dora@example.org",
            None,
            "2001:db8:0:ffff::9",
            day(22),
            true,
        ),
    )
    .await;
    let e = seed(
        &app,
        &letter,
        s(
            "Eve",
            "eve@sub.example.org",
            None,
            "2001:db8:1::5",
            day(23),
            false,
        ),
    )
    .await;
    let f = seed(
        &app,
        &letter,
        s(
            "Fay",
            "fay@example.org",
            None,
            "203.0.113.200",
            day(23),
            true,
        ),
    )
    .await;
    let g = seed(
        &app,
        &letter,
        s("Gus", "gus@mail.test", None, "203.0.11.5", day(23), true),
    )
    .await;
    let mut admin = staff::admin(&app).await;
    let set = |ids: &[i64]| ids.iter().copied().collect::<BTreeSet<i64>>();
    for (query, expected) in [
        ("", set(&[a, b, c, d, e, f, g])),
        ("name=MARTIN", set(&[a, c])),
        ("email=example.org", set(&[a, d, e, f])),
        ("domain=example.org", set(&[a, d, f])),
        ("domain=%40mail.test", set(&[b, g])),
        ("ip=203.0.113.0%2F24", set(&[a, f])),
        ("ip=203.0.112.0%2F20", set(&[a, f])),
        ("ip=203.0.113.200", set(&[f])),
        ("ip=203.0.11.", set(&[g])),
        ("ip=2001%3Adb8%3A%3A%2F48", set(&[c, d])),
        ("ip=2001%3Adb8%3A%3A%2F32", set(&[c, d, e])),
        ("status=pending", set(&[b, e])),
        ("status=confirmed&kind=individual", set(&[a, d, f, g])),
        ("kind=organisation", set(&[c])),
        ("from=2026-11-22&to=2026-11-22", set(&[c, d])),
        ("from=2026-11-23", set(&[e, f, g])),
        ("to=2026-11-21", set(&[a, b])),
        (
            "email=example.org&ip=2001%3Adb8%3A%3A%2F32&status=confirmed",
            set(&[d]),
        ),
    ] {
        let (status, page) = search(&app, &mut admin, letter.id, query).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(ids_on(&page), expected, "{query}");
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_filters_get_a_message_beside_their_field_and_a_422() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let mut editor_admin = staff::admin(&app).await;
    for (query, field, words) in [
        ("ip=203.0.113.0%2F33", "ip", "This is not a network"),
        ("ip=2001%3Adb8%3A%3A%2F129", "ip", "This is not a network"),
        ("ip=drop+table", "ip", "Write a network like"),
        ("from=2026-02-30", "from", "YYYY-MM-DD"),
        ("to=yesterday", "to", "YYYY-MM-DD"),
        ("from=2026-11-05&to=2026-11-01", "to", "comes before"),
        ("status=lost", "status", "Choose a status"),
    ] {
        let (status, page) = search(&app, &mut editor_admin, letter.id, query).await;
        assert_eq!(status, 422, "{query}");
        let error = format!("id=\"filter-{field}-error\"");
        let at = page
            .find(&error)
            .unwrap_or_else(|| panic!("{query}: {page}"));
        assert!(page[at..].contains(words), "{query}");
        assert!(page.contains("aria-invalid=\"true\""));
    }
    // The typed value is kept.
    let (_, page) = search(
        &app,
        &mut editor_admin,
        letter.id,
        "ip=10.0.0.0%2F99&name=Kept",
    )
    .await;
    assert!(page.contains("value=\"10.0.0.0/99\""));
    assert!(page.contains("value=\"Kept\""));
    app.stop().await;
}

#[tokio::test]
async fn editors_see_email_domains_and_admins_see_addresses_and_ips() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    seed(
        &app,
        &letter,
        Seed {
            name: "Alice Martin",
            email: "alice@example.org",
            organisation: None,
            ip: "203.0.113.5",
            at: day(20),
            confirm: true,
        },
    )
    .await;
    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    let (_, as_editor) = search(&app, &mut editor, letter.id, "").await;
    assert!(as_editor.contains("<td>example.org</td>"));
    assert!(!as_editor.contains("alice@example.org"));
    assert!(!as_editor.contains("203.0.113.5"));
    let (_, as_admin) = search(&app, &mut admin, letter.id, "").await;
    assert!(as_admin.contains("alice@example.org"));
    assert!(as_admin.contains("203.0.113.5"));
    app.stop().await;
}

// ---- invalidate and restore ---------------------------------------------------------------

#[tokio::test]
async fn a_flood_is_invalidated_exactly_after_its_count_is_shown_and_restored_exactly() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let mut others = Vec::new();
    for i in 0..10 {
        let email = format!("person{i}@example.org");
        let ip = format!("198.51.100.{i}");
        others.push(
            seed(
                &app,
                &letter,
                Seed {
                    name: "Real Person",
                    email: &email,
                    organisation: None,
                    ip: &ip,
                    at: day(20),
                    confirm: true,
                },
            )
            .await,
        );
    }
    // 60 from one /24: 45 confirmed individuals, 10 never confirmed, 5 organisations.
    let mut flood = Vec::new();
    for i in 0..60 {
        let email = format!("bot{i}@spam.example");
        let ip = format!("203.0.113.{}", i + 1);
        let organisation = (i >= 55).then_some("Bot Org");
        let confirm = !(45..55).contains(&i);
        flood.push(
            seed(
                &app,
                &letter,
                Seed {
                    name: "Bot",
                    email: &email,
                    organisation,
                    ip: &ip,
                    at: day(21),
                    confirm,
                },
            )
            .await,
        );
    }
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (55, 5));
    let statuses_before = {
        let mut v = Vec::new();
        for id in &flood {
            v.push(status_of(&app, *id).await);
        }
        v
    };

    let mut admin = staff::admin(&app).await;
    let csrf = admin.csrf(&app).await;
    let invalidate = format!("/staff/letters/{}/signatures/invalidate", letter.id);
    let restore = format!("/staff/letters/{}/signatures/restore", letter.id);
    let asked = admin
        .post(
            &app,
            &invalidate,
            &[("csrf", &csrf), ("all", "1"), ("ip", "203.0.113.0/24")],
        )
        .await;
    assert_eq!(asked.status(), 200);
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains("<h1>Invalidate 60 signatures matching IP address in 203.0.113.0/24?</h1>"),
        "{asked}"
    );
    assert_eq!(hidden(&asked, "count"), "60");
    let upto = hidden(&asked, "upto");
    // Nothing has changed yet.
    for id in &flood {
        assert_ne!(status_of(&app, *id).await, SignatureStatus::Invalidated);
    }
    // One more arrives from the same network after the count was shown: it is left alone.
    let late = seed(
        &app,
        &letter,
        Seed {
            name: "Late",
            email: "late@spam.example",
            organisation: None,
            ip: "203.0.113.250",
            at: day(22),
            confirm: true,
        },
    )
    .await;

    // A stale number is asked again, not acted on.
    let stale = admin
        .post(
            &app,
            &invalidate,
            &[
                ("csrf", &csrf),
                ("all", "1"),
                ("ip", "203.0.113.0/24"),
                ("confirm", "yes"),
                ("count", "59"),
                ("upto", &upto),
            ],
        )
        .await;
    assert_eq!(stale.status(), 200);
    let stale = stale.text().await.unwrap();
    assert!(stale.contains("changed since you were asked"));
    assert!(
        stale.contains("Invalidate 61 signatures"),
        "the number as it is now"
    );
    assert_eq!(status_of(&app, flood[0]).await, SignatureStatus::Confirmed);

    let done = admin
        .post(
            &app,
            &invalidate,
            &[
                ("csrf", &csrf),
                ("all", "1"),
                ("ip", "203.0.113.0/24"),
                ("confirm", "yes"),
                ("count", "60"),
                ("upto", &upto),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let to = location(&done);
    assert!(to.contains("done=invalidated&changed=60"), "{to}");
    let shown = admin.get(&app, &to).await.text().await.unwrap();
    assert!(shown.contains("Invalidated 60 signatures."));
    for id in &flood {
        assert_eq!(status_of(&app, *id).await, SignatureStatus::Invalidated);
    }
    for id in &others {
        assert_eq!(status_of(&app, *id).await, SignatureStatus::Confirmed);
    }
    assert_eq!(status_of(&app, late).await, SignatureStatus::Confirmed);
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (11, 0));
    let drifts = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drifts.is_empty(), "{drifts:?}");
    assert_eq!(json_counts(&app, LETTER).await, (11, 0));

    // Restoring every invalidated match brings each back where it was.
    let asked = admin
        .post(
            &app,
            &restore,
            &[("csrf", &csrf), ("all", "1"), ("ip", "203.0.113.0/24")],
        )
        .await;
    let asked = asked.text().await.unwrap();
    assert!(
        asked.contains("<h1>Restore 60 signatures matching IP address in 203.0.113.0/24?</h1>"),
        "{asked}"
    );
    let upto = hidden(&asked, "upto");
    let done = admin
        .post(
            &app,
            &restore,
            &[
                ("csrf", &csrf),
                ("all", "1"),
                ("ip", "203.0.113.0/24"),
                ("confirm", "yes"),
                ("count", "60"),
                ("upto", &upto),
            ],
        )
        .await;
    assert!(location(&done).contains("done=restored&changed=60"));
    for (id, before) in flood.iter().zip(&statuses_before) {
        assert_eq!(status_of(&app, *id).await, *before);
    }
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (56, 5));
    let drifts = counts::reconcile(&app.db, app.clock.now()).await.unwrap();
    assert!(drifts.is_empty(), "{drifts:?}");

    let invalidations = audit_actions(&app, "signature.invalidate").await;
    assert_eq!(invalidations.len(), 1, "one entry for the bulk action");
    let detail = invalidations[0].detail.clone().unwrap();
    assert!(detail.contains("\"ip\":\"203.0.113.0/24\""), "{detail}");
    assert!(detail.contains("\"changed\":60"), "{detail}");
    assert!(detail.contains("\"shown\":60"), "{detail}");
    assert_eq!(invalidations[0].actor_email.as_deref(), Some(staff::ADMIN));
    assert_eq!(invalidations[0].client_ip.as_deref(), Some("127.0.0.1"));
    let restores = audit_actions(&app, "signature.restore").await;
    assert_eq!(restores.len(), 1);
    assert_eq!(restores[0].actor_email.as_deref(), Some(staff::ADMIN));
    assert_eq!(restores[0].client_ip.as_deref(), Some("127.0.0.1"));
    app.stop().await;
}

#[tokio::test]
async fn more_matches_than_one_batch_are_all_changed_in_batches() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let n = undersigned::store::moderation::BULK_BATCH as usize + 37;
    for i in 0..n {
        let email = format!("bulk{i}@flood.example");
        seed(
            &app,
            &letter,
            Seed {
                name: "Flood",
                email: &email,
                organisation: None,
                ip: "2001:db8:5::1",
                at: day(21),
                confirm: true,
            },
        )
        .await;
    }
    seed(
        &app,
        &letter,
        Seed {
            name: "Kept",
            email: "kept@example.org",
            organisation: None,
            ip: "2001:db8:6::1",
            at: day(21),
            confirm: true,
        },
    )
    .await;
    let mut admin = staff::admin(&app).await;
    // The search pages through them all by id, each row once, 50 a page.
    for query in ["ip=2001%3Adb8%3A5%3A%3A%2F48", "name=flood"] {
        let mut seen = BTreeSet::new();
        let mut pages = 0;
        let mut next = Some(format!("/staff/letters/{}/signatures?{query}", letter.id));
        while let Some(path) = next.take() {
            let page = admin.get(&app, &path).await.text().await.unwrap();
            let ids = ids_on(&page);
            assert!(ids.len() <= 50);
            assert!(ids.iter().all(|id| seen.insert(*id)), "no row twice");
            pages += 1;
            next = page.find("\">Older signatures</a>").map(|end| {
                let start = page[..end].rfind("href=\"").unwrap() + 6;
                page[start..end].replace("&amp;", "&")
            });
        }
        assert_eq!(seen.len(), n, "{query}");
        assert_eq!(pages, n.div_ceil(50), "{query}");
    }
    let csrf = admin.csrf(&app).await;
    let path = format!("/staff/letters/{}/signatures/invalidate", letter.id);
    let asked = admin
        .post(
            &app,
            &path,
            &[("csrf", &csrf), ("all", "1"), ("ip", "2001:db8:5::/48")],
        )
        .await
        .text()
        .await
        .unwrap();
    let count = hidden(&asked, "count");
    assert_eq!(count, n.to_string());
    let upto = hidden(&asked, "upto");
    let done = admin
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("all", "1"),
                ("ip", "2001:db8:5::/48"),
                ("confirm", "yes"),
                ("count", &count),
                ("upto", &upto),
            ],
        )
        .await;
    assert!(
        location(&done).contains(&format!("changed={n}")),
        "{}",
        location(&done)
    );
    // A run of several batches is in the log when it starts and when it ends.
    let started = audit_actions(&app, "signature.invalidate_started").await;
    assert_eq!(started.len(), 1);
    assert!(
        started[0]
            .detail
            .as_deref()
            .unwrap()
            .contains(&format!("\"shown\":{n}"))
    );
    let finished = audit_actions(&app, "signature.invalidate").await;
    assert_eq!(finished.len(), 1);
    assert!(
        finished[0]
            .detail
            .as_deref()
            .unwrap()
            .contains(&format!("\"changed\":{n}"))
    );
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (1, 0));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn one_signature_is_invalidated_and_restored_once_and_its_signer_is_not_told() {
    let app = TestApp::spawn().await;
    let letter = test_letter(&app).await;
    let fields = individual("Nina Roe", "nina@example.org");
    sign_and_confirm(&app, LETTER, &fields).await;
    let id = signature_by_email(&app, "nina@example.org").await.id;
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (1, 0));

    let mut admin = staff::admin(&app).await;
    let mut editor = staff::editor(&app, &mut admin).await;
    let csrf = editor.csrf(&app).await;
    let sid = id.to_string();
    let invalidate = format!("/staff/letters/{}/signatures/invalidate", letter.id);
    let restore = format!("/staff/letters/{}/signatures/restore", letter.id);
    let done = editor
        .post(
            &app,
            &invalidate,
            &[("csrf", &csrf), ("signature", &sid), ("name", "nina")],
        )
        .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        location(&done),
        format!(
            "/staff/letters/{}/signatures?name=nina&done=invalidated&changed=1",
            letter.id
        )
    );
    let twice = editor
        .post(&app, &invalidate, &[("csrf", &csrf), ("signature", &sid)])
        .await;
    assert!(location(&twice).contains("done=unchanged"));
    assert_eq!(status_of(&app, id).await, SignatureStatus::Invalidated);
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (0, 0));
    assert!(!app.letter_page().await.contains("Nina Roe"));

    // Signing again stays quiet.
    let mails = app.smtp().messages().len();
    assert_eq!(app.sign(&fields).await.status(), 303);
    app.drain_outbox().await;
    assert_eq!(app.smtp().messages().len(), mails);

    let back = editor
        .post(&app, &restore, &[("csrf", &csrf), ("signature", &sid)])
        .await;
    assert!(location(&back).contains("done=restored&changed=1"));
    assert_eq!(status_of(&app, id).await, SignatureStatus::Confirmed);
    app.roll_up().await;
    assert_eq!(json_counts(&app, LETTER).await, (1, 0));
    assert!(app.letter_page().await.contains("Nina Roe"));
    assert!(
        counts::reconcile(&app.db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );

    let invalidations = audit_actions(&app, "signature.invalidate").await;
    assert_eq!(invalidations.len(), 1, "the second click changed nothing");
    assert_eq!(
        invalidations[0].subject.as_deref(),
        Some(format!("signature {id}").as_str())
    );
    assert_eq!(invalidations[0].actor_email.as_deref(), Some(staff::EDITOR));
    assert_eq!(invalidations[0].client_ip.as_deref(), Some("127.0.0.1"));
    let restores = audit_actions(&app, "signature.restore").await;
    assert_eq!(restores.len(), 1);
    assert_eq!(restores[0].actor_email.as_deref(), Some(staff::EDITOR));
    assert_eq!(restores[0].client_ip.as_deref(), Some("127.0.0.1"));
    app.stop().await;
}

#[tokio::test]
async fn an_invalidated_held_organisation_returns_to_the_queue_when_restored() {
    let app = TestApp::spawn().await;
    let letter = approval_letter(&app).await;
    sign_and_confirm(
        &app,
        APPROVAL_LETTER,
        &organisation("Held Org", "Hana", "hana@held.example.org"),
    )
    .await;
    let id = signature_by_email(&app, "hana@held.example.org").await.id;
    let mut admin = staff::admin(&app).await;
    let csrf = admin.csrf(&app).await;
    let sid = id.to_string();
    admin
        .post(
            &app,
            &format!("/staff/letters/{}/signatures/invalidate", letter.id),
            &[("csrf", &csrf), ("signature", &sid)],
        )
        .await;
    let row = signatures::find(&app.db, id).await.unwrap().unwrap();
    assert_eq!(row.status, SignatureStatus::Invalidated);
    assert_eq!(
        row.held_for.as_deref(),
        Some("approval"),
        "kept for a restore"
    );
    let queue_path = format!("/staff/letters/{}/approvals", letter.id);
    assert!(
        !admin
            .get(&app, &queue_path)
            .await
            .text()
            .await
            .unwrap()
            .contains("Held Org")
    );
    admin
        .post(
            &app,
            &format!("/staff/letters/{}/signatures/restore", letter.id),
            &[("csrf", &csrf), ("signature", &sid)],
        )
        .await;
    assert_eq!(status_of(&app, id).await, SignatureStatus::Held);
    assert!(
        admin
            .get(&app, &queue_path)
            .await
            .text()
            .await
            .unwrap()
            .contains("Held Org")
    );
    assert_eq!(pending_deltas(&app, letter.id).await, 0, "never counted");
    app.stop().await;
}

#[tokio::test]
async fn moderation_posts_without_the_sessions_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let letter = approval_letter(&app).await;
    sign_and_confirm(
        &app,
        APPROVAL_LETTER,
        &organisation("Org", "Otto", "otto@org.example.org"),
    )
    .await;
    let id = signature_by_email(&app, "otto@org.example.org")
        .await
        .id
        .to_string();
    let mut admin = staff::admin(&app).await;
    let base = format!("/staff/letters/{}", letter.id);
    for (path, fields) in [
        (
            format!("{base}/approvals/approve"),
            vec![("signature", id.as_str())],
        ),
        (
            format!("{base}/approvals/reject"),
            vec![("signature", id.as_str()), ("reason", "no")],
        ),
        (
            format!("{base}/signatures/invalidate"),
            vec![("signature", id.as_str())],
        ),
        (
            format!("{base}/signatures/invalidate"),
            vec![
                ("all", "1"),
                ("confirm", "yes"),
                ("count", "1"),
                ("upto", id.as_str()),
            ],
        ),
        (
            format!("{base}/signatures/restore"),
            vec![("signature", id.as_str())],
        ),
    ] {
        let refused = admin.post(&app, &path, &fields).await;
        assert_eq!(refused.status(), 403, "{path}");
        let mut wrong = fields.clone();
        wrong.push(("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assert_eq!(
            admin.post(&app, &path, &wrong).await.status(),
            403,
            "{path}"
        );
    }
    assert_eq!(
        status_of(&app, id.parse().unwrap()).await,
        SignatureStatus::Held
    );
    // Without a session at all, the screens send people to sign in.
    let anonymous = app.get(&format!("{base}/approvals")).await;
    assert_eq!(anonymous.status(), 303);
    assert!(location(&anonymous).starts_with("/staff/sign-in"));
    assert!(audit_actions(&app, "signature.approve").await.is_empty());
    app.stop().await;
}
