//! What the server refuses, and how: a message next to each bad field with the input kept,
//! letters that are not open, and user text escaped wherever it is shown.

use sea_orm::{EntityTrait, PaginatorTrait};
use undersigned::domain::DomainError;
use undersigned::entities::{LetterStatus, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::{BASE_URL, Fields, LETTER, TestApp, individual, organisation, with};

// ---- helpers -------------------------------------------------------------------------

/// Escapes text as maud does in element content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The opening tag of the element whose id is `id`. Maud escapes `>` inside attribute
/// values, so the first `>` after the id ends the tag.
fn tag<'a>(page: &'a str, id: &str) -> &'a str {
    let needle = format!(" id=\"{id}\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no element with id {id} in:\n{page}"));
    let start = page[..at].rfind('<').expect("a tag start");
    let end = at + page[at..].find('>').expect("a tag end");
    &page[start..=end]
}

/// The text between the opening tag of the element with `id` and the next `closing` tag.
fn content<'a>(page: &'a str, id: &str, closing: &str) -> &'a str {
    let opening = tag(page, id);
    let start = page.find(opening).expect("the tag") + opening.len();
    let end = start + page[start..].find(closing).expect("a closing tag");
    &page[start..end]
}

fn position(page: &str, needle: &str) -> usize {
    page.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in:\n{page}"))
}

/// The field with id `id` is marked invalid and `message` stands next to it: after its
/// label, before the control, and referenced by `aria-describedby`.
fn assert_field_error(page: &str, id: &str, message: &str) {
    let error_id = format!("{id}-error");
    let control = tag(page, id);
    assert!(
        control.contains("aria-invalid=\"true\""),
        "{id} is not marked invalid: {control}"
    );
    let described_by = control
        .split("aria-describedby=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{id} has no aria-describedby: {control}"));
    assert!(
        described_by.split(' ').any(|d| d == error_id),
        "{id} is not described by its error: {control}"
    );
    let shown = content(page, &error_id, "</p>");
    assert!(
        shown.contains(&escape(message)),
        "{id}: expected `{message}`, the page says `{shown}`"
    );
    let label = position(page, &format!("<label for=\"{id}\""));
    let error = position(page, &format!(" id=\"{error_id}\""));
    let input = position(page, &format!(" id=\"{id}\""));
    assert!(
        label < error && error < input,
        "the message for {id} is not next to it"
    );
}

/// The value attribute of the input with id `id` is `value` (escaped).
fn assert_value(page: &str, id: &str, value: &str) {
    let input = tag(page, id);
    let expected = format!("value=\"{}\"", escape(value));
    assert!(
        input.contains(&expected),
        "{id}: expected {expected} in {input}"
    );
}

/// The form id prefix of a kind of signing.
fn prefix(fields: &Fields) -> &'static str {
    match fields
        .iter()
        .find(|(k, _)| *k == "kind")
        .map(|(_, v)| v.as_str())
    {
        Some("organisation") => "org",
        _ => "ind",
    }
}

/// Everything that was typed is back in the submitted form: text fields, the chosen
/// country and the checkboxes as they were.
fn assert_input_kept(page: &str, fields: &Fields) {
    let prefix = prefix(fields);
    for (name, value) in fields {
        let id = format!("{prefix}-{}", name.replace('_', "-"));
        match *name {
            "kind" | "version" | "form_stamp" | "show_publicly" | "wants_updates" => {}
            "country" => {
                let options = content(page, &id, "</select>");
                if undersigned::domain::Country::parse(value).is_ok() {
                    assert!(
                        options.contains(&format!("<option value=\"{value}\" selected>")),
                        "{value} is not chosen any more"
                    );
                }
            }
            _ => assert_value(page, &id, value),
        }
    }
    for checkbox in ["show_publicly", "wants_updates"] {
        let id = format!("{prefix}-{}", checkbox.replace('_', "-"));
        if prefix == "org" && checkbox == "show_publicly" {
            continue;
        }
        let ticked = fields.iter().any(|(k, v)| *k == checkbox && v == "on");
        assert_eq!(
            tag(page, &id).contains(" checked"),
            ticked,
            "{id} should be ticked: {ticked}"
        );
    }
}

async fn signature_rows(app: &TestApp) -> u64 {
    signature::Entity::find()
        .count(&app.db)
        .await
        .expect("counting signatures")
}

/// Nothing at all was stored for the signing.
async fn assert_nothing_written(app: &TestApp) {
    assert_eq!(signature_rows(app).await, 0, "a signature row was written");
    assert!(app.outbox().await.is_empty(), "an outbox row was written");
}

/// Posts a signing that must be refused with one message on `field` (its input name),
/// and checks the whole answer; returns the page.
async fn assert_refused(app: &TestApp, fields: &Fields, field: &str, error: DomainError) -> String {
    let response = app.sign(fields).await;
    assert_eq!(response.status(), 422, "{fields:?}");
    let page = response.text().await.expect("a page");
    let prefix = prefix(fields);
    let id = format!("{prefix}-{}", field.replace('_', "-"));
    assert_field_error(&page, &id, &error.to_string());
    // Only that field is marked, and the summary at the top of the form links to it.
    assert_eq!(
        page.matches("aria-invalid=\"true\"").count(),
        1,
        "more than one field marked invalid for {fields:?}"
    );
    let summary = content(&page, &format!("{prefix}-errors"), "</ul>");
    assert!(summary.contains(&format!("href=\"#{id}\"")), "{summary}");
    assert!(
        page.contains("Your signature has not been sent yet"),
        "{page}"
    );
    assert_input_kept(&page, fields);
    assert_nothing_written(app).await;
    page
}

/// Creates a second letter with `status` and `body`; returns its id.
async fn create_letter(app: &TestApp, slug: &str, status: LetterStatus, body: &str) -> i64 {
    letters::create(
        &app.db,
        NewLetter {
            slug: slug.into(),
            title: format!("Letter {slug}"),
            summary: "Another letter.".into(),
            body: body.into(),
            language: "en".into(),
            status,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("A ministry", "ministry@example.org")],
        },
        app.clock.now(),
    )
    .await
    .expect("creating a letter")
    .id
}

async fn test_letter_id(app: &TestApp) -> i64 {
    letters::find_by_slug(&app.db, LETTER)
        .await
        .expect("reading the letter")
        .expect("the test letter")
        .id
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.expect("a body")
}

// ---- the individual form -------------------------------------------------------------

#[tokio::test]
async fn a_missing_name_is_refused_next_to_the_name_field_with_the_rest_kept() {
    let app = TestApp::spawn().await;
    let fields = with(individual("", "ada@example.org"), "wants_updates", "on");
    assert_refused(&app, &fields, "name", DomainError::NameEmpty).await;
    // Only spaces is no name either.
    let fields = individual("   ", "ada@example.org");
    assert_refused(&app, &fields, "name", DomainError::NameEmpty).await;
    app.stop().await;
}

#[tokio::test]
async fn an_email_that_is_not_one_plain_address_is_refused_next_to_the_email_field() {
    let app = TestApp::spawn().await;
    let shapes = [
        ("ada.example.org", DomainError::EmailInvalid),
        ("Ada <ada@example.org>", DomainError::EmailDisplayName),
        ("ada@example", DomainError::EmailInvalid),
        (
            "ada@example.org, bob@example.org",
            DomainError::EmailMultiple,
        ),
        ("", DomainError::EmailEmpty),
    ];
    for (email, error) in shapes {
        let fields = individual("Ada Lovelace", email);
        let page = assert_refused(&app, &fields, "email", error).await;
        // The organisation form stays blank: what was typed stays in its own form.
        assert_value(&page, "org-email", "");
        assert_value(&page, "org-name", "");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_country_is_refused_next_to_the_country_field() {
    let app = TestApp::spawn().await;
    for country in ["ZZ", "", "France"] {
        let fields = with(
            individual("Ada Lovelace", "ada@example.org"),
            "country",
            country,
        );
        let page = assert_refused(&app, &fields, "country", DomainError::CountryUnknown).await;
        // No country is chosen; only the "Choose a country" prompt may be.
        let options = content(&page, "ind-country", "</select>")
            .replace("<option value=\"\" selected>", "<option value=\"\">");
        assert!(
            !options.contains(" selected>"),
            "a country is chosen: {options}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn a_name_longer_than_120_characters_is_refused_and_120_are_accepted() {
    let app = TestApp::spawn().await;
    let long = "A".repeat(121);
    let fields = individual(&long, "ada@example.org");
    assert_refused(&app, &fields, "name", DomainError::NameTooLong { max: 120 }).await;
    // Characters, not bytes, are counted.
    let accented = "é".repeat(120);
    let response = app.sign(&individual(&accented, "ada@example.org")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(signature_rows(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_city_longer_than_120_characters_is_refused_next_to_the_city_field() {
    let app = TestApp::spawn().await;
    let fields = with(
        individual("Ada Lovelace", "ada@example.org"),
        "city",
        &"Llanfair".repeat(16),
    );
    assert_refused(&app, &fields, "city", DomainError::TextTooLong { max: 120 }).await;
    app.stop().await;
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once_and_the_good_ones_kept() {
    let app = TestApp::spawn().await;
    let fields = with(
        with(individual("", "Ada <ada@example.org>"), "country", "ZZ"),
        "show_publicly",
        "",
    );
    let response = app.sign(&fields).await;
    assert_eq!(response.status(), 422);
    let page = text(response).await;
    assert_field_error(&page, "ind-name", &DomainError::NameEmpty.to_string());
    assert_field_error(
        &page,
        "ind-email",
        &DomainError::EmailDisplayName.to_string(),
    );
    assert_field_error(
        &page,
        "ind-country",
        &DomainError::CountryUnknown.to_string(),
    );
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 3);
    assert_value(&page, "ind-city", "Lyon");
    assert_value(&page, "ind-occupation", "Teacher");
    assert!(!tag(&page, "ind-show-publicly").contains(" checked"));
    assert_nothing_written(&app).await;
    app.stop().await;
}

// ---- the organisation form -----------------------------------------------------------

#[tokio::test]
async fn a_missing_organisation_name_is_refused_next_to_its_field() {
    let app = TestApp::spawn().await;
    let fields = with(
        organisation("", "Bea Contact", "office@rights.example.org"),
        "wants_updates",
        "on",
    );
    let page = assert_refused(
        &app,
        &fields,
        "organisation_name",
        DomainError::OrganisationNameEmpty,
    )
    .await;
    // The individual form stays blank.
    assert_value(&page, "ind-name", "");
    assert_value(&page, "ind-email", "");
    app.stop().await;
}

#[tokio::test]
async fn a_javascript_website_is_refused_and_never_becomes_a_link() {
    let app = TestApp::spawn().await;
    let fields = with(
        organisation("Rights Watch", "Bea Contact", "office@rights.example.org"),
        "website",
        "javascript:alert(1)",
    );
    let page = assert_refused(&app, &fields, "website", DomainError::WebsiteScheme).await;
    assert!(!page.contains("href=\"javascript:"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn a_missing_contact_email_is_refused_next_to_the_contact_email_field() {
    let app = TestApp::spawn().await;
    let fields = organisation("Rights Watch", "Bea Contact", "");
    assert_refused(&app, &fields, "email", DomainError::EmailEmpty).await;
    app.stop().await;
}

#[tokio::test]
async fn an_organisation_may_leave_the_website_the_form_calls_optional_empty() {
    let app = TestApp::spawn().await;
    let page = text(app.get(&format!("/letters/{LETTER}")).await).await;
    let website = tag(&page, "org-website");
    let optional = !website.contains(" required");
    let fields = with(
        organisation("Rights Watch", "Bea Contact", "office@rights.example.org"),
        "website",
        "",
    );
    let response = app.sign(&fields).await;
    if optional {
        assert_eq!(
            response.status(),
            303,
            "the form says the website is optional but an empty one is refused: {}",
            text(response).await
        );
        assert_eq!(signature_rows(&app).await, 1);
    } else {
        assert_eq!(response.status(), 422);
    }
    app.stop().await;
}

// ---- the form itself ------------------------------------------------------------------

#[tokio::test]
async fn a_form_without_a_known_kind_is_a_bad_request() {
    let app = TestApp::spawn().await;
    let valid = individual("Ada Lovelace", "ada@example.org");
    let without: Fields = valid
        .iter()
        .filter(|(k, _)| *k != "kind")
        .cloned()
        .collect();
    for fields in [
        without,
        with(valid.clone(), "kind", "robot"),
        with(valid.clone(), "kind", "Individual"),
        with(valid.clone(), "kind", ""),
    ] {
        let response = app.sign(&fields).await;
        assert_eq!(response.status(), 400, "{fields:?}");
    }
    assert_nothing_written(&app).await;
    app.stop().await;
}

#[tokio::test]
async fn the_form_on_a_fresh_letter_page_has_no_box_ticked() {
    let app = TestApp::spawn().await;
    let response = app.get(&format!("/letters/{LETTER}")).await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    let checkboxes: Vec<&str> = page
        .match_indices("<input type=\"checkbox\"")
        .map(|(at, _)| &page[at..at + page[at..].find('>').expect("a tag end")])
        .collect();
    // Show publicly, and updates in each form.
    assert_eq!(checkboxes.len(), 3, "{page}");
    for checkbox in checkboxes {
        assert!(!checkbox.contains(" checked"), "{checkbox}");
    }
    // Nor is anything marked invalid on a fresh page.
    assert!(!page.contains("aria-invalid"), "{page}");
    assert!(!page.contains("field-error"), "{page}");
    app.stop().await;
}

// ---- letters that are not open --------------------------------------------------------

#[tokio::test]
async fn a_closed_letter_says_so_and_takes_no_signature() {
    let app = TestApp::spawn().await;
    let id = test_letter_id(&app).await;
    for (status, notice) in [
        (
            LetterStatus::Closed,
            "This letter is closed and takes no new signatures.",
        ),
        (
            LetterStatus::Delivered,
            "This letter has been delivered and takes no new signatures.",
        ),
    ] {
        letters::set_status(&app.db, id, status, app.clock.now())
            .await
            .expect("changing the status");
        let page = text(app.get(&format!("/letters/{LETTER}")).await).await;
        assert!(page.contains(notice), "{page}");
        assert!(!page.contains("id=\"sign-individual\""), "{page}");
        assert!(!page.contains("id=\"sign-organisation\""), "{page}");

        for fields in [
            individual("Ada Lovelace", "ada@example.org"),
            organisation("Rights Watch", "Bea Contact", "office@rights.example.org"),
        ] {
            let response = app.sign(&fields).await;
            assert_eq!(response.status(), 409);
            let page = text(response).await;
            assert!(page.contains("This letter is closed"), "{page}");
            assert!(page.contains("no longer takes signatures"), "{page}");
            assert!(!page.contains("id=\"sign-individual\""), "{page}");
        }
        let json = app.letter_json().await;
        assert_eq!(json["total_count"], 0);
        assert_nothing_written(&app).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn a_draft_letter_does_not_exist_for_the_public() {
    let app = TestApp::spawn().await;
    create_letter(&app, "a-draft", LetterStatus::Draft, "Not yet.").await;

    assert_eq!(app.get("/letters/a-draft").await.status(), 404);
    assert_eq!(app.get("/api/letters/a-draft").await.status(), 404);
    assert_eq!(app.get("/letters/a-draft/check-inbox").await.status(), 404);
    let response = app
        .post_form(
            "/letters/a-draft/sign",
            &individual("Ada Lovelace", "ada@example.org"),
        )
        .await;
    assert_eq!(response.status(), 404);
    let home = text(app.get("/").await).await;
    assert!(!home.contains("a-draft"), "{home}");
    assert_nothing_written(&app).await;
    app.stop().await;
}

// ---- escaping ---------------------------------------------------------------------------

const SCRIPT_NAME: &str = "<script>alert(1)</script>";
const BOLD_CITY: &str = "<b>x</b>";

fn assert_no_raw_markup(what: &str, text: &str) {
    assert!(
        !text.contains("<script"),
        "{what} has a raw <script>:\n{text}"
    );
    assert!(!text.contains(BOLD_CITY), "{what} has a raw <b>:\n{text}");
}

#[tokio::test]
async fn a_name_with_html_in_it_is_escaped_everywhere_it_is_shown() {
    let app = TestApp::spawn().await;
    let fields = with(
        individual(SCRIPT_NAME, "xss@example.org"),
        "city",
        BOLD_CITY,
    );

    // Shown again in a refused form.
    let refused = app.sign(&with(fields.clone(), "email", "xss")).await;
    assert_eq!(refused.status(), 422);
    let page = text(refused).await;
    assert_no_raw_markup("the refused form", &page);
    assert_value(&page, "ind-name", SCRIPT_NAME);
    assert_value(&page, "ind-city", BOLD_CITY);

    let response = app.sign(&fields).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let check_inbox = text(app.get(&location).await).await;
    assert!(check_inbox.contains("Check your inbox"), "{check_inbox}");
    assert_no_raw_markup("the check-inbox page", &check_inbox);

    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    let html = mail[0].html_body();
    assert_no_raw_markup("the email's HTML", &html);
    // The address is unconfirmed: the email carries none of the signer's text at all.
    assert!(!html.contains(&escape(SCRIPT_NAME)), "{html}");
    let plain = mail[0].text_body();
    assert!(!plain.contains(SCRIPT_NAME), "{plain}");
    assert!(plain.starts_with("Hello,"), "{plain}");

    let path = TestApp::confirmation_path(&mail[0]);
    let shown = app.get(&path).await;
    assert_eq!(shown.status(), 200);
    assert_no_raw_markup("the confirm page", &text(shown).await);
    let confirmed = app.post_form(&path, &[]).await;
    assert_eq!(confirmed.status(), 200);
    assert_no_raw_markup("the confirmed page", &text(confirmed).await);

    app.roll_up().await;
    let letter = text(app.get(&format!("/letters/{LETTER}")).await).await;
    assert_no_raw_markup("the letter page", &letter);
    assert!(letter.contains(&escape(SCRIPT_NAME)), "{letter}");
    assert!(letter.contains(&escape(BOLD_CITY)), "{letter}");

    let json = text(app.get(&format!("/api/letters/{LETTER}")).await).await;
    assert!(!json.contains("<script"), "{json}");
    assert!(!json.contains("<b>"), "{json}");
    app.stop().await;
}

/// The first `https://…/confirm/…` link on the development mailbox page, as a path.
fn mailbox_confirmation_path(page: &str) -> String {
    let start = format!("href=\"{BASE_URL}/confirm/");
    let at = position(page, &start) + "href=\"".len();
    let end = at + page[at..].find('"').expect("the end of the link");
    page[at..end]
        .strip_prefix(BASE_URL)
        .expect("a link to the service")
        .to_string()
}

#[tokio::test]
async fn the_development_mailbox_escapes_a_name_with_html_in_it() {
    let app = TestApp::spawn_custom(None, |_| {}).await;
    let fields = with(
        individual(SCRIPT_NAME, "xss@example.org"),
        "city",
        BOLD_CITY,
    );
    assert_eq!(app.sign(&fields).await.status(), 303);
    assert_eq!(app.drain_outbox().await, 1);
    let response = app.get("/dev/mailbox").await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("xss@example.org"), "{page}");
    // The name never reaches an email to an unconfirmed address, escaped or not.
    assert!(!page.contains(&escape(SCRIPT_NAME)), "{page}");
    assert_no_raw_markup("the development mailbox", &page);
    app.stop().await;
}

#[tokio::test]
async fn the_development_mailbox_shows_a_confirmation_link_that_works() {
    let app = TestApp::spawn_custom(None, |_| {}).await;
    let empty = text(app.get("/dev/mailbox").await).await;
    assert!(empty.contains("No emails yet."), "{empty}");

    let response = app
        .sign(&individual("Ada Lovelace", "ada@example.org"))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.drain_outbox().await, 1);
    let page = text(app.get("/dev/mailbox").await).await;
    assert!(page.contains("ada@example.org"), "{page}");
    assert!(page.contains("Confirm your signature"), "{page}");
    let path = mailbox_confirmation_path(&page);

    let shown = app.get(&path).await;
    assert_eq!(shown.status(), 200);
    assert!(text(shown).await.contains("Confirm my signature"));
    let confirmed = app.post_form(&path, &[]).await;
    assert_eq!(confirmed.status(), 200);
    assert!(
        text(confirmed)
            .await
            .contains("your signature is confirmed")
    );
    app.roll_up().await;
    assert_eq!(app.letter_json().await["individual_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn the_development_mailbox_does_not_exist_when_smtp_is_configured() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.sign(&individual("Ada Lovelace", "ada@example.org"))
            .await
            .status(),
        303
    );
    app.drain_outbox().await;
    app.wait_for_mail(1).await;
    assert_eq!(app.get("/dev/mailbox").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn a_letter_body_is_rendered_from_markdown_and_sanitised() {
    let app = TestApp::spawn().await;
    let body = "We ask you to **act** now.\n\n\
                <script>alert('body')</script>\n\n\
                [read more](javascript:alert(1)) and \
                <a href=\"javascript:alert(2)\">this</a> \
                <img src=\"x.png\" onerror=\"alert(3)\"> \
                [a safe link](https://example.org/more)\n";
    create_letter(&app, "markdown-letter", LetterStatus::Open, body).await;
    let response = app.get("/letters/markdown-letter").await;
    assert_eq!(response.status(), 200);
    let page = text(response).await;
    assert!(page.contains("<strong>act</strong>"), "{page}");
    assert!(page.contains("read more"), "{page}");
    assert!(page.contains("href=\"https://example.org/more\""), "{page}");
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("alert('body')</script>"), "{page}");
    assert!(!page.contains("javascript:"), "{page}");
    assert!(!page.contains("onerror"), "{page}");
    app.stop().await;
}
