//! Signing again, and confirmation links that are old, used, unknown or asked for anew.
//! Nobody may learn from an answer whether an address has signed.

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, PaginatorTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
};
use undersigned::domain::{ConfirmationToken, DomainError};
use undersigned::entities::{LetterStatus, SignatureKind, SignatureStatus, count_delta, signature};
use undersigned::store::letters::{self, NewLetter};

use crate::support::smtp::ReceivedMessage;
use crate::support::{Fields, LETTER, TestApp, individual, organisation};

// ---- helpers -------------------------------------------------------------------------

/// One HTTP answer, without the headers that differ on every request anyway.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| {
            let value = value.to_str().expect("a text header").to_string();
            (name.as_str().to_string(), value)
        })
        .collect();
    headers.sort();
    let body = response.text().await.expect("a body");
    Answer {
        status,
        headers,
        body,
    }
}

/// Signs and follows the redirect: what the signer sees, in full.
async fn sign_and_follow(app: &TestApp, fields: &Fields) -> (Answer, Answer) {
    let response = app.sign(fields).await;
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("a location").to_string());
    let first = answer(response).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let location = location.expect("a Location header");
    let page = answer(app.get(&location).await).await;
    (first, page)
}

/// Signs, expecting the usual redirect.
async fn sign(app: &TestApp, fields: &Fields) {
    let response = app.sign(fields).await;
    assert_eq!(response.status(), 303);
}

/// Delivers what is due and returns the messages that arrived because of it (the
/// worker has handed every message to the SMTP server when `drain` returns).
async fn deliver(app: &TestApp) -> Vec<ReceivedMessage> {
    let before = app.smtp().messages().len();
    app.drain_outbox().await;
    app.smtp().messages().split_off(before)
}

fn is_confirmation(message: &ReceivedMessage) -> bool {
    message.subject().starts_with("Confirm your signature")
}

fn is_already_signed(message: &ReceivedMessage) -> bool {
    message.subject().starts_with("You have already signed")
}

fn recipients(messages: &[ReceivedMessage]) -> Vec<String> {
    messages.iter().flat_map(|m| m.rcpt_to.clone()).collect()
}

/// Sign as `email` and return the path of the confirmation link that was sent.
async fn sign_and_get_link(app: &TestApp, fields: &Fields) -> String {
    sign(app, fields).await;
    let mail = deliver(app).await;
    assert_eq!(mail.len(), 1, "one email per signing");
    assert!(is_confirmation(&mail[0]), "{}", mail[0].subject());
    TestApp::confirmation_path(&mail[0])
}

async fn all_signatures(app: &TestApp) -> Vec<signature::Model> {
    signature::Entity::find()
        .order_by_asc(signature::Column::Id)
        .all(&app.db)
        .await
        .expect("reading signatures")
}

async fn the_signature(app: &TestApp) -> signature::Model {
    let mut rows = all_signatures(app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.remove(0)
}

async fn count_deltas(app: &TestApp) -> u64 {
    count_delta::Entity::find()
        .count(&app.db)
        .await
        .expect("counting deltas")
}

async fn total_count(app: &TestApp) -> serde_json::Value {
    app.roll_up().await;
    app.letter_json().await["total_count"].clone()
}

const READY: &str = "Confirm my signature";
const CONFIRMED: &str = "Thank you, your signature is confirmed";
const ALREADY_CONFIRMED: &str = "This signature is already confirmed";
const NOT_VALID: &str = "This link is not valid";
const EXPIRED: &str = "This link has expired";

async fn open_link(app: &TestApp, path: &str) -> Answer {
    answer(app.get(path).await).await
}

async fn press_button(app: &TestApp, path: &str) -> Answer {
    answer(app.post_form(path, &[]).await).await
}

fn assert_page(answer: &Answer, status: u16, says: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert!(
        answer.body.contains(says),
        "expected `{says}`:\n{}",
        answer.body
    );
}

/// The page offers the form that asks for the email address to send a new link to.
fn assert_asks_for_email(answer: &Answer) {
    assert!(
        answer.body.contains("action=\"/confirm/resend\""),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("name=\"email\""), "{}", answer.body);
}

async fn request_new_link(app: &TestApp, email: &str, letter: Option<&str>) -> Answer {
    let mut fields = vec![("email", email.to_string())];
    if let Some(letter) = letter {
        fields.push(("letter", letter.to_string()));
    }
    answer(app.post_form("/confirm/resend", &fields).await).await
}

fn ttl(app: &TestApp) -> Duration {
    Duration::from_std(app.settings.token_ttl).expect("a token lifetime")
}

// ---- signing again -------------------------------------------------------------------

#[tokio::test]
async fn signing_again_looks_exactly_like_signing_the_first_time() {
    let app = TestApp::spawn().await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    let first = sign_and_follow(&app, &ada).await;
    assert!(
        first.1.body.contains("Check your inbox"),
        "{}",
        first.1.body
    );

    // Still pending.
    let again = sign_and_follow(&app, &ada).await;
    assert_eq!(again, first);
    // Someone who never signed.
    let newcomer = sign_and_follow(&app, &individual("Bob Newcomer", "bob@example.org")).await;
    assert_eq!(newcomer, first);

    // Already confirmed.
    let mail = deliver(&app).await;
    let to_ada = mail
        .iter()
        .find(|m| m.rcpt_to == ["ada@example.org"])
        .expect("a message to Ada");
    let path = TestApp::confirmation_path(to_ada);
    assert_page(&press_button(&app, &path).await, 200, CONFIRMED);
    let after_confirming = sign_and_follow(&app, &ada).await;
    assert_eq!(after_confirming, first);

    let rows = all_signatures(&app).await;
    let adas: Vec<_> = rows
        .iter()
        .filter(|s| s.email_normalized == "ada@example.org")
        .collect();
    assert_eq!(adas.len(), 1, "{rows:?}");
    assert_eq!(rows.len(), 2);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_same_address_in_other_letter_case_is_the_same_signer() {
    let app = TestApp::spawn().await;
    sign(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    sign(&app, &individual("Ada Lovelace", "Ada@Example.org")).await;
    sign(&app, &individual("Ada Lovelace", "  ADA@EXAMPLE.ORG ")).await;

    let row = the_signature(&app).await;
    assert_eq!(row.email, "ada@example.org");
    assert_eq!(row.email_normalized, "ada@example.org");
    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 3);
    assert!(mail.iter().all(is_confirmation));
    assert!(recipients(&mail).iter().all(|r| r == "ada@example.org"));

    let path = TestApp::confirmation_path(&mail[2]);
    assert_page(&press_button(&app, &path).await, 200, CONFIRMED);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

/// Signs `cap + 2` times, delivering after each, and checks that exactly `cap`
/// confirmation emails went out.
async fn signing_often_sends_at_most(app: &TestApp, cap: u32) {
    let ada = individual("Ada Lovelace", "ada@example.org");
    let mut sent = Vec::new();
    for _ in 0..cap + 2 {
        sign(app, &ada).await;
        sent.extend(deliver(app).await);
    }
    assert_eq!(sent.len(), cap as usize, "{cap} emails expected");
    assert!(sent.iter().all(is_confirmation));
    assert!(recipients(&sent).iter().all(|r| r == "ada@example.org"));
    assert_eq!(app.outbox().await.len(), cap as usize);
    let row = the_signature(app).await;
    assert_eq!(row.confirmation_emails, i32::try_from(cap).unwrap());
    assert_eq!(row.status, SignatureStatus::Pending);
}

#[tokio::test]
async fn signing_five_times_sends_the_default_three_confirmation_emails() {
    let app = TestApp::spawn().await;
    assert_eq!(app.settings.max_confirmation_emails, 3);
    signing_often_sends_at_most(&app, 3).await;
    app.stop().await;
}

#[tokio::test]
async fn the_cap_on_confirmation_emails_is_configurable() {
    for cap in [1, 5] {
        let app = TestApp::spawn_with(|s| s.max_confirmation_emails = cap).await;
        signing_often_sends_at_most(&app, cap).await;
        app.stop().await;
    }
}

#[tokio::test]
async fn every_confirmation_link_sent_works_the_first_one_too() {
    let app = TestApp::spawn().await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    let mut links = Vec::new();
    for _ in 0..3 {
        links.push(sign_and_get_link(&app, &ada).await);
        app.clock.advance(Duration::days(1));
    }
    let distinct: std::collections::HashSet<&String> = links.iter().collect();
    assert_eq!(distinct.len(), 3, "every email has its own link: {links:?}");

    for link in &links {
        assert_page(&open_link(&app, link).await, 200, READY);
    }
    assert_page(&press_button(&app, &links[0]).await, 200, CONFIRMED);
    for link in &links[1..] {
        assert_page(&open_link(&app, link).await, 200, ALREADY_CONFIRMED);
        assert_page(&press_button(&app, link).await, 200, ALREADY_CONFIRMED);
    }
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn each_link_expires_on_its_own_schedule() {
    let app = TestApp::spawn().await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    let first = sign_and_get_link(&app, &ada).await;
    app.clock.advance(Duration::days(3));
    let second = sign_and_get_link(&app, &ada).await;

    // The first link's lifetime is over; the second has three days left.
    app.clock
        .advance(ttl(&app) - Duration::days(3) + Duration::seconds(1));
    assert_page(&open_link(&app, &first).await, 410, EXPIRED);
    assert_page(&open_link(&app, &second).await, 200, READY);
    assert_page(&press_button(&app, &second).await, 200, CONFIRMED);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_confirmed_signer_who_signs_again_gets_one_already_signed_email_a_day() {
    let app = TestApp::spawn().await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    let link = sign_and_get_link(&app, &ada).await;
    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);

    sign(&app, &ada).await;
    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 1);
    assert!(is_already_signed(&mail[0]), "{}", mail[0].subject());
    assert_eq!(mail[0].rcpt_to, ["ada@example.org"]);
    assert!(
        !mail[0].text_body().contains("/confirm/"),
        "{}",
        mail[0].text_body()
    );

    // A third try the same day: nothing.
    app.clock.advance(Duration::hours(1));
    sign(&app, &ada).await;
    assert!(deliver(&app).await.is_empty());

    // A day after the last such email: one more.
    app.clock.advance(Duration::hours(24));
    sign(&app, &ada).await;
    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 1);
    assert!(is_already_signed(&mail[0]), "{}", mail[0].subject());

    assert_eq!(the_signature(&app).await.status, SignatureStatus::Confirmed);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_interval_between_already_signed_emails_is_configurable() {
    let app = TestApp::spawn_with(|s| {
        s.already_signed_email_interval = std::time::Duration::from_secs(3600);
    })
    .await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    let link = sign_and_get_link(&app, &ada).await;
    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);

    sign(&app, &ada).await;
    assert_eq!(deliver(&app).await.len(), 1);
    app.clock.advance(Duration::minutes(59));
    sign(&app, &ada).await;
    assert!(deliver(&app).await.is_empty());
    app.clock.advance(Duration::minutes(2));
    sign(&app, &ada).await;
    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 1);
    assert!(is_already_signed(&mail[0]));
    app.stop().await;
}

#[tokio::test]
async fn one_address_may_sign_once_as_a_person_and_once_for_an_organisation() {
    let app = TestApp::spawn().await;
    let person = individual("Ada Lovelace", "ada@example.org");
    let org = organisation("Rights Watch", "Ada Lovelace", "ada@example.org");
    sign(&app, &person).await;
    sign(&app, &org).await;

    let rows = all_signatures(&app).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].kind, SignatureKind::Individual);
    assert_eq!(rows[1].kind, SignatureKind::Organisation);
    assert_eq!(rows[0].email_normalized, rows[1].email_normalized);

    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().all(is_confirmation));
    assert_eq!(recipients(&mail), ["ada@example.org", "ada@example.org"]);
    let for_org = mail
        .iter()
        .find(|m| m.text_body().contains("on behalf of an organisation"))
        .expect("the organisation's email");
    let for_person = mail
        .iter()
        .find(|m| m.text_body().contains("as an individual"))
        .expect("the person's email");
    let org_link = TestApp::confirmation_path(for_org);
    let person_link = TestApp::confirmation_path(for_person);
    assert_ne!(org_link, person_link);
    assert_page(&press_button(&app, &org_link).await, 200, CONFIRMED);
    assert_page(&press_button(&app, &person_link).await, 200, CONFIRMED);

    app.roll_up().await;
    let json = app.letter_json().await;
    assert_eq!(json["individual_count"], 1);
    assert_eq!(json["organisation_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn the_database_allows_one_signature_per_letter_kind_and_normalised_email() {
    let app = TestApp::spawn().await;
    sign(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    let existing = the_signature(&app).await;
    let copy = |email: &str| {
        let mut row: signature::ActiveModel = existing.clone().into();
        row.id = NotSet;
        row.email = Set(email.to_string());
        row
    };

    let duplicate = copy("ADA@example.org").insert(&app.db).await;
    let error = duplicate.expect_err("a second row for the same signer");
    assert!(
        matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{error:?}"
    );

    let mut other_kind = copy("ada@example.org");
    other_kind.kind = Set(SignatureKind::Organisation);
    other_kind.insert(&app.db).await.expect("another kind");

    let other_letter = letters::create(
        &app.db,
        NewLetter {
            slug: "another-letter".into(),
            title: "Another letter".into(),
            summary: String::new(),
            body: "Text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: Vec::new(),
        },
        app.clock.now(),
    )
    .await
    .expect("another letter");
    let mut elsewhere = copy("ada@example.org");
    elsewhere.letter_id = Set(other_letter.id);
    elsewhere.insert(&app.db).await.expect("another letter");

    let for_ada = signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq("ada@example.org"))
        .count(&app.db)
        .await
        .expect("counting");
    assert_eq!(for_ada, 3);
    app.stop().await;
}

// ---- links ---------------------------------------------------------------------------

#[tokio::test]
async fn a_link_of_an_already_confirmed_signature_says_already_confirmed() {
    let app = TestApp::spawn().await;
    let link = sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);

    let opened = open_link(&app, &link).await;
    assert_page(&opened, 200, ALREADY_CONFIRMED);
    assert!(!opened.body.contains(READY), "{}", opened.body);
    assert_page(&press_button(&app, &link).await, 200, ALREADY_CONFIRMED);

    // Also once the link would have expired.
    app.clock.advance(ttl(&app) + Duration::days(1));
    assert_page(&open_link(&app, &link).await, 200, ALREADY_CONFIRMED);
    assert_page(&press_button(&app, &link).await, 200, ALREADY_CONFIRMED);
    assert_eq!(count_deltas(&app).await, 1);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_or_malformed_link_asks_for_the_email_address() {
    let app = TestApp::spawn().await;
    // A real pending signature, which none of these links may touch.
    sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;

    let unknown = ConfirmationToken::generate();
    let zeros = "A".repeat(43);
    let too_short = "A".repeat(42);
    let too_long = "A".repeat(44);
    // 43 characters whose last one carries bits beyond the 32 bytes.
    let non_canonical = format!("{}B", "A".repeat(42));
    let padded = format!("{}=", "A".repeat(42));
    for token in [
        unknown.as_str(),
        &zeros,
        &too_short,
        &too_long,
        &non_canonical,
        &padded,
        "not-a-token",
        "%3Cscript%3E",
    ] {
        let path = format!("/confirm/{token}");
        for shown in [
            open_link(&app, &path).await,
            press_button(&app, &path).await,
        ] {
            assert_page(&shown, 404, NOT_VALID);
            assert_asks_for_email(&shown);
            assert!(!shown.body.contains("<script"), "{}", shown.body);
        }
    }
    assert_eq!(the_signature(&app).await.status, SignatureStatus::Pending);
    assert_eq!(count_deltas(&app).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_expired_link_asks_for_the_email_address_and_does_not_confirm() {
    let app = TestApp::spawn().await;
    let link = sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;

    app.clock.advance(ttl(&app) - Duration::seconds(1));
    assert_page(&open_link(&app, &link).await, 200, READY);
    app.clock.advance(Duration::seconds(2));
    for shown in [
        open_link(&app, &link).await,
        press_button(&app, &link).await,
    ] {
        assert_page(&shown, 410, EXPIRED);
        assert_asks_for_email(&shown);
        // The form names the letter, so the new link is for this one.
        assert!(
            shown
                .body
                .contains(&format!("name=\"letter\" value=\"{LETTER}\"")),
            "{}",
            shown.body
        );
    }
    let row = the_signature(&app).await;
    assert_eq!(row.status, SignatureStatus::Pending);
    assert_eq!(row.confirmed_at, None);
    assert_eq!(total_count(&app).await, 0);

    // The form on the page brings a new link that works.
    let requested = request_new_link(&app, "ada@example.org", Some(LETTER)).await;
    assert_eq!(requested.status, 200);
    let mail = deliver(&app).await;
    assert_eq!(mail.len(), 1);
    let fresh = TestApp::confirmation_path(&mail[0]);
    assert_ne!(fresh, link);
    assert_page(&press_button(&app, &fresh).await, 200, CONFIRMED);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_new_link_request_answers_the_same_whether_or_not_the_address_has_signed() {
    let app = TestApp::spawn().await;
    sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    let bob = sign_and_get_link(&app, &individual("Bob Confirmed", "bob@example.org")).await;
    assert_page(&press_button(&app, &bob).await, 200, CONFIRMED);

    let pending = request_new_link(&app, "ada@example.org", Some(LETTER)).await;
    assert_eq!(pending.status, 200);
    assert!(
        pending.body.contains("Check your inbox"),
        "{}",
        pending.body
    );
    for other in [
        request_new_link(&app, "nobody@example.org", Some(LETTER)).await,
        request_new_link(&app, "bob@example.org", Some(LETTER)).await,
        request_new_link(&app, "nobody@example.org", None).await,
        request_new_link(&app, "ada@example.org", Some("no-such-letter")).await,
    ] {
        assert_eq!(other, pending);
    }

    // Only the pending signer got something: a link that works.
    let mail = deliver(&app).await;
    assert_eq!(recipients(&mail), ["ada@example.org"]);
    assert!(is_confirmation(&mail[0]));
    let link = TestApp::confirmation_path(&mail[0]);
    assert_page(&open_link(&app, &link).await, 200, READY);
    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);
    assert_eq!(total_count(&app).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn new_link_requests_count_towards_the_cap_on_confirmation_emails() {
    let app = TestApp::spawn().await;
    let first = sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    let mut answers = Vec::new();
    for letter in [Some(LETTER), None, Some(LETTER), None] {
        answers.push(request_new_link(&app, "Ada@Example.org", letter).await);
    }
    assert!(answers.iter().all(|a| *a == answers[0] && a.status == 200));

    let mail = deliver(&app).await;
    // Three in all, the first one included.
    assert_eq!(mail.len(), 2);
    assert!(mail.iter().all(is_confirmation));
    assert_eq!(the_signature(&app).await.confirmation_emails, 3);
    // Signing again does not get round the cap either.
    sign(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    assert!(deliver(&app).await.is_empty());

    let last = TestApp::confirmation_path(&mail[1]);
    assert_page(&open_link(&app, &first).await, 200, READY);
    assert_page(&press_button(&app, &last).await, 200, CONFIRMED);
    app.stop().await;
}

#[tokio::test]
async fn a_new_link_request_with_a_malformed_email_is_refused_with_a_message() {
    let app = TestApp::spawn().await;
    sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;
    let outbox_before = app.outbox().await.len();
    for (email, error) in [
        ("ada.example.org", DomainError::EmailInvalid),
        ("Ada <ada@example.org>", DomainError::EmailDisplayName),
        ("", DomainError::EmailEmpty),
    ] {
        let shown = request_new_link(&app, email, Some(LETTER)).await;
        assert_eq!(shown.status, 422, "{email}: {}", shown.body);
        let page = &shown.body;
        let message = error.to_string();
        let error_at = page
            .find("id=\"resend-email-error\"")
            .unwrap_or_else(|| panic!("no message next to the field: {page}"));
        let input_at = page.find("id=\"resend-email\"").expect("the field");
        assert!(error_at < input_at, "{page}");
        assert!(page[error_at..input_at].contains(&message), "{page}");
        let input = &page[input_at..input_at + page[input_at..].find('>').unwrap()];
        assert!(input.contains("aria-invalid=\"true\""), "{input}");
        let kept = email.replace('<', "&lt;").replace('>', "&gt;");
        assert!(input.contains(&format!("value=\"{kept}\"")), "{input}");
        assert!(
            page.contains(&format!("name=\"letter\" value=\"{LETTER}\"")),
            "{page}"
        );
    }
    assert_eq!(app.outbox().await.len(), outbox_before);
    assert!(deliver(&app).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn opening_a_link_changes_nothing_and_a_double_press_counts_once() {
    let app = TestApp::spawn().await;
    let link = sign_and_get_link(&app, &individual("Ada Lovelace", "ada@example.org")).await;

    for _ in 0..2 {
        let opened = open_link(&app, &link).await;
        assert_page(&opened, 200, READY);
        assert!(
            opened.body.contains(&format!("action=\"{link}\"")),
            "{}",
            opened.body
        );
    }
    let row = the_signature(&app).await;
    assert_eq!(row.status, SignatureStatus::Pending);
    assert_eq!(row.confirmed_at, None);
    assert_eq!(count_deltas(&app).await, 0);
    assert_eq!(total_count(&app).await, 0);

    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);
    assert_page(&press_button(&app, &link).await, 200, ALREADY_CONFIRMED);
    let row = the_signature(&app).await;
    assert_eq!(row.status, SignatureStatus::Confirmed);
    assert_eq!(row.confirmed_at, Some(app.clock.now()));
    assert_eq!(count_deltas(&app).await, 1);
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_signer_whose_links_all_expired_can_get_new_ones() {
    let app = TestApp::spawn().await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    // Use up the cap.
    for _ in 0..5 {
        sign(&app, &ada).await;
    }
    assert_eq!(deliver(&app).await.len(), 3);
    // Still capped while the last link works.
    app.clock.advance(ttl(&app) - Duration::seconds(1));
    sign(&app, &ada).await;
    assert!(deliver(&app).await.is_empty());
    // Once every link has expired, signing again sends a fresh, working link.
    app.clock.advance(Duration::seconds(2));
    let link = sign_and_get_link(&app, &ada).await;
    assert_page(&press_button(&app, &link).await, 200, CONFIRMED);
    app.roll_up().await;
    assert_eq!(total_count(&app).await, 1);
    app.stop().await;
}
