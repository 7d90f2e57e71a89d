//! Cross-page tests: escaping, accessibility basics, and the behaviour of the signing forms.

use crate::*;

const EVIL: &str = "\"'><script>alert(1)</script>";
const COUNTRIES: &[(&str, &str)] = &[("AT", "Austria"), ("BE", "Belgium"), ("FR", "France")];

/// The opening tag of the element with this id.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let needle = format!("id=\"{id}\"");
    let at = html
        .find(&needle)
        .unwrap_or_else(|| panic!("no element with id {id}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// The complete element with this id, for elements that do not nest in themselves.
fn element_with_id<'a>(html: &'a str, id: &str, tag: &str) -> &'a str {
    let open = tag_with_id(html, id);
    let start = html.find(open).unwrap();
    let close = format!("</{tag}>");
    let end = start + html[start..].find(&close).unwrap() + close.len();
    &html[start..end]
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// Checks that hold on every page: document basics, one h1, labelled inputs.
fn assert_accessible_page(html: &str) {
    assert!(
        html.starts_with("<!DOCTYPE html><html lang=\""),
        "lang on <html>"
    );
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("<a class=\"skip-link\" href=\"#main\">"));
    assert!(html.contains("<main class=\"wrap\" id=\"main\""));
    assert!(html.contains("<a class=\"site-name\" href=\"/\">undersigned</a>"));
    assert_eq!(count(html, "<h1"), 1, "exactly one h1");
    assert!(!html.contains("<script"), "no script at all");
    assert!(
        !html.contains("<input type=\"submit\""),
        "buttons are <button>s"
    );
    // Every visible input and select has an id and a <label for> pointing at it.
    let mut rest = html;
    while let Some(pos) = rest.find(['<']) {
        rest = &rest[pos + 1..];
        if !(rest.starts_with("input ") || rest.starts_with("select ")) {
            continue;
        }
        let tag = &rest[..rest.find('>').unwrap()];
        if tag.contains("type=\"hidden\"") {
            continue;
        }
        let id_at = tag.find(" id=\"").unwrap_or_else(|| panic!("no id: {tag}")) + 5;
        let id = &tag[id_at..id_at + tag[id_at..].find('"').unwrap()];
        assert_eq!(count(html, &format!("id=\"{id}\"")), 1, "unique id {id}");
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "label for {id}"
        );
    }
    // Headings do not skip levels on the way down.
    let mut previous = 0;
    for (i, _) in html.match_indices("<h") {
        let Some(level) = html[i + 2..].chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        assert!(level <= previous + 1, "heading h{level} after h{previous}");
        previous = level;
    }
}

fn assert_escaped(html: &str) {
    assert!(!html.contains("<script"), "unescaped script in {html}");
    assert!(!html.contains("\"'>"), "attribute breakout in {html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "user text missing from {html}"
    );
}

fn letter_page(status: LetterStatus, form: SignForm<'static>) -> LetterPage<'static> {
    LetterPage {
        slug: "eu-appeal".into(),
        title: "Appeal to the European Council".into(),
        summary: "Protect human-rights defenders.".into(),
        language: "en".into(),
        body_html: "<p>Dear members of the European Council,</p>".into(),
        status,
        targets: vec!["European Council".into(), "European Commission".into()],
        individual_count: 1234,
        organisation_count: 56,
        goal: Some(5000),
        deadline: Some("31 March 2026".into()),
        organisations: vec![OrganisationSignatory {
            name: "Rights Watch".into(),
            country: "Belgium".into(),
            website: Some("https://rights.example.org/".into()),
            earlier_version: None,
        }],
        organisations_paging: first_and_only(),
        individuals: vec![IndividualSignatory {
            name: "Ana Novak".into(),
            country: "Austria".into(),
            city: Some("Vienna".into()),
            occupation: Some("Lawyer".into()),
            earlier_version: None,
        }],
        individuals_paging: first_and_only(),
        form,
        preview: false,
        version: 1,
        text_id: "t1".into(),
        version_changed_on: None,
        form_stamp: "1.1795000000.stamp".into(),
        text_changed: false,
        list_root: None,
        translation: None,
        receipts: Vec::new(),
    }
}

fn first_and_only() -> Paging {
    Paging {
        next: None,
        is_first: true,
    }
}

fn blank_form() -> SignForm<'static> {
    SignForm {
        submitted: None,
        values: SignFormValues::default(),
        errors: Vec::new(),
        countries: COUNTRIES,
        kinds: SignerKinds::default(),
    }
}

fn evil_values() -> SignFormValues {
    SignFormValues {
        name: EVIL.into(),
        email: EVIL.into(),
        country: EVIL.into(),
        city: EVIL.into(),
        occupation: EVIL.into(),
        organisation_name: EVIL.into(),
        website: EVIL.into(),
        role: EVIL.into(),
        show_publicly: true,
        wants_updates: true,
    }
}

fn evil_letter(kind: SignerKind) -> LetterPage<'static> {
    const EVIL_COUNTRIES: &[(&str, &str)] = &[(EVIL, EVIL)];
    LetterPage {
        slug: EVIL.into(),
        title: EVIL.into(),
        summary: EVIL.into(),
        language: EVIL.into(),
        body_html: "<p>Safe body</p>".into(),
        status: LetterStatus::Open,
        targets: vec![EVIL.into()],
        individual_count: 1,
        organisation_count: 1,
        goal: None,
        deadline: Some(EVIL.into()),
        organisations: vec![OrganisationSignatory {
            name: EVIL.into(),
            country: EVIL.into(),
            website: Some(format!("https://x.org/{EVIL}")),
            earlier_version: Some(1),
        }],
        organisations_paging: Paging {
            next: Some(EVIL.into()),
            is_first: false,
        },
        individuals: vec![IndividualSignatory {
            name: EVIL.into(),
            country: EVIL.into(),
            city: Some(EVIL.into()),
            occupation: Some(EVIL.into()),
            earlier_version: Some(1),
        }],
        individuals_paging: Paging {
            next: Some(EVIL.into()),
            is_first: false,
        },
        form: SignForm {
            submitted: Some(kind),
            values: evil_values(),
            errors: vec![
                FieldError {
                    field: "name".into(),
                    message: EVIL.into(),
                },
                FieldError {
                    field: EVIL.into(),
                    message: EVIL.into(),
                },
            ],
            countries: EVIL_COUNTRIES,
            kinds: SignerKinds::default(),
        },
        preview: false,
        version: 2,
        text_id: EVIL.into(),
        version_changed_on: Some(EVIL.into()),
        form_stamp: EVIL.into(),
        text_changed: true,
        list_root: Some(crate::ListRoot {
            size: 3,
            root: EVIL.into(),
            taken_at: EVIL.into(),
        }),
        translation: None,
        receipts: Vec::new(),
    }
}

#[test]
fn user_text_is_escaped_on_every_page() {
    let summary = LetterSummary {
        slug: EVIL.into(),
        title: EVIL.into(),
        summary: EVIL.into(),
        total_count: 3,
        deadline: Some(EVIL.into()),
    };
    let pages = vec![
        home(&Lang::english(), &[summary]),
        letter(&Lang::english(), &evil_letter(SignerKind::Individual)),
        letter(&Lang::english(), &evil_letter(SignerKind::Organisation)),
        versions(
            &Lang::english(),
            &VersionsPage {
                slug: EVIL.into(),
                title: EVIL.into(),
                language: EVIL.into(),
                versions: vec![VersionRow {
                    number: 1,
                    created_on: EVIL.into(),
                    signatures: 3,
                }],
            },
        ),
        version(&Lang::english(), &evil_version()),
        check_inbox(&Lang::english(), EVIL, EVIL),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                token: EVIL,
                state: ConfirmState::Ready,
            },
        ),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                token: EVIL,
                state: ConfirmState::Confirmed,
            },
        ),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                token: EVIL,
                state: ConfirmState::AlreadyConfirmed,
            },
        ),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                token: EVIL,
                state: ConfirmState::Held,
            },
        ),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                token: EVIL,
                state: ConfirmState::UnderReview,
            },
        ),
        link_invalid(
            &Lang::english(),
            &LinkInvalidPage {
                expired: true,
                letter_slug: Some(EVIL),
                email: EVIL,
                error: Some(EVIL),
            },
        ),
        error(
            &Lang::english(),
            &ErrorPage {
                status: 404,
                title: EVIL,
                message: EVIL,
                request_id: Some(EVIL),
                retry_after_secs: None,
            },
        ),
        dev_mailbox(&[MailboxMessage {
            id: EVIL.into(),
            subject: EVIL.into(),
            to: EVIL.into(),
            date: EVIL.into(),
            text_body: format!("{EVIL} https://x.org/{EVIL}"),
        }]),
        layout(
            &Page {
                title: EVIL,
                lang: &Lang::english().at(EVIL),
                description: Some(EVIL),
            },
            maud::html! { h1 { (EVIL) } },
        ),
    ];
    for page in pages {
        assert_escaped(&page.into_string());
    }
}

#[test]
fn user_text_is_escaped_in_emails() {
    for kind in [SignerKind::Individual, SignerKind::Organisation] {
        let e = confirmation_email(
            &Lang::english(),
            &ConfirmationEmail {
                letter_title: EVIL,
                confirm_url: "https://x.org/confirm/abc\"><script>",
                letter_url: "https://x.org/letters/a",
                expires_in_days: 7,
                kind,
            },
        );
        assert_escaped(&e.html);
        assert!(
            e.html
                .starts_with("<!DOCTYPE html><html lang=\"en\" dir=\"ltr\">")
        );
        assert!(
            !e.html.contains("<style") && !e.html.contains("<link"),
            "inline styles only"
        );
        // Plain text is not HTML: it carries the (staff-written) title as typed.
        assert!(e.text.contains(EVIL));
    }
    let e = already_signed_email(
        &Lang::english(),
        &AlreadySignedEmail {
            letter_title: EVIL,
            letter_url: "https://x.org/letters/a",
        },
    );
    assert_escaped(&e.html);
}

#[test]
fn every_page_meets_the_basics() {
    let pages = vec![
        home(&Lang::english(), &[]),
        home(
            &Lang::english(),
            &[LetterSummary {
                slug: "a".into(),
                title: "A".into(),
                summary: "S".into(),
                total_count: 1,
                deadline: None,
            }],
        ),
        letter(
            &Lang::english(),
            &letter_page(LetterStatus::Open, blank_form()),
        ),
        letter(
            &Lang::english(),
            &letter_page(
                LetterStatus::Open,
                SignForm {
                    submitted: Some(SignerKind::Organisation),
                    values: SignFormValues::default(),
                    errors: vec![FieldError {
                        field: "website".into(),
                        message: "Enter a website starting with https://".into(),
                    }],
                    countries: COUNTRIES,
                    kinds: SignerKinds::default(),
                },
            ),
        ),
        letter(
            &Lang::english(),
            &letter_page(LetterStatus::Closed, blank_form()),
        ),
        letter(&Lang::english(), &changed_letter(true)),
        versions(
            &Lang::english(),
            &VersionsPage {
                slug: "eu-appeal".into(),
                title: "Appeal".into(),
                language: "en".into(),
                versions: vec![
                    VersionRow {
                        number: 1,
                        created_on: "1 March 2026".into(),
                        signatures: 10,
                    },
                    VersionRow {
                        number: 2,
                        created_on: "2 March 2026".into(),
                        signatures: 0,
                    },
                ],
            },
        ),
        version(&Lang::english(), &evil_version()),
        version(
            &Lang::english(),
            &VersionPage {
                diff: None,
                number: 1,
                ..evil_version()
            },
        ),
        check_inbox(&Lang::english(), "T", "t"),
        confirm(
            &Lang::english(),
            &ConfirmPage {
                letter_title: "T",
                letter_slug: "t",
                token: "tok",
                state: ConfirmState::Ready,
            },
        ),
        link_invalid(
            &Lang::english(),
            &LinkInvalidPage {
                expired: false,
                letter_slug: None,
                email: "",
                error: Some("Enter an email address"),
            },
        ),
        resend_requested(&Lang::english()),
        error(
            &Lang::english(),
            &ErrorPage {
                status: 500,
                title: "Something went wrong",
                message: "Sorry.",
                request_id: Some("req-1"),
                retry_after_secs: None,
            },
        ),
        dev_mailbox(&[]),
    ];
    for page in pages {
        assert_accessible_page(&page.into_string());
    }
}

#[test]
fn open_letter_has_both_forms_with_exact_names() {
    let html = letter(
        &Lang::english(),
        &letter_page(LetterStatus::Open, blank_form()),
    )
    .into_string();
    for (id, kind) in [
        ("sign-individual", "individual"),
        ("sign-organisation", "organisation"),
    ] {
        let form = element_with_id(&html, id, "form");
        assert!(form.contains("method=\"post\" action=\"/letters/eu-appeal/sign\""));
        assert!(form.contains(&format!(
            "<input type=\"hidden\" name=\"kind\" value=\"{kind}\">"
        )));
        assert!(form.contains("<input type=\"hidden\" name=\"version\" value=\"1\">"));
        assert!(form.contains("<input type=\"hidden\" name=\"text_id\" value=\"t1\">"));
        assert!(form.contains("<button class=\"button\" type=\"submit\">"));
        assert!(form.contains("Choose a country"));
        assert!(form.contains("(optional)"));
        assert!(form.contains("is never shown"), "privacy line");
    }
    let ind = element_with_id(&html, "sign-individual", "form");
    for name in [
        "name",
        "email",
        "country",
        "city",
        "occupation",
        "show_publicly",
        "wants_updates",
    ] {
        assert!(
            ind.contains(&format!("name=\"{name}\"")),
            "individual {name}"
        );
    }
    assert!(ind.contains("Show my name publicly on this letter"));
    assert!(ind.contains("Tell me about this letter’s progress"));
    let org = element_with_id(&html, "sign-organisation", "form");
    for name in [
        "organisation_name",
        "country",
        "website",
        "name",
        "email",
        "role",
        "wants_updates",
    ] {
        assert!(
            org.contains(&format!("name=\"{name}\"")),
            "organisation {name}"
        );
    }
    assert!(!org.contains("show_publicly"));
    for label in [
        "Contact person",
        "Contact email",
        "Role in the organisation",
    ] {
        assert!(org.contains(label), "{label}");
    }
    // Nothing ticked by default: a pre-ticked box is no consent.
    assert!(!html.contains(" checked"));
    assert!(html.contains("<option value=\"\" selected>Choose a country</option>"));
    // Counts, goal and recipients.
    assert!(html.contains("To: European Council, European Commission"));
    assert!(html.contains("1,234</span> individuals"));
    assert!(html.contains("56</span> organisations"));
    assert!(html.contains("1,290</span> signatures in total"));
    assert!(html.contains("<progress id=\"goal-progress\" max=\"5000\" value=\"1290\">"));
    assert!(html.contains("<p>Dear members of the European Council,</p>"));
    assert!(html.contains(
        "<a href=\"https://rights.example.org/\" rel=\"nofollow ugc noopener\">rights.example.org</a>"
    ));
    assert!(html.contains("Lawyer · Vienna, Austria"));
}

#[test]
fn submitted_form_keeps_values_and_ticks_only_what_was_ticked() {
    let form = SignForm {
        submitted: Some(SignerKind::Individual),
        values: SignFormValues {
            name: "Ana Novak".into(),
            email: "ana@example.org".into(),
            country: "BE".into(),
            city: "Ghent".into(),
            occupation: "Nurse".into(),
            show_publicly: true,
            wants_updates: false,
            ..SignFormValues::default()
        },
        errors: Vec::new(),
        countries: COUNTRIES,
        kinds: SignerKinds::default(),
    };
    let html = letter(&Lang::english(), &letter_page(LetterStatus::Open, form)).into_string();
    assert!(tag_with_id(&html, "ind-name").contains("value=\"Ana Novak\""));
    assert!(tag_with_id(&html, "ind-email").contains("value=\"ana@example.org\""));
    assert!(tag_with_id(&html, "ind-city").contains("value=\"Ghent\""));
    assert!(tag_with_id(&html, "ind-occupation").contains("value=\"Nurse\""));
    let select = element_with_id(&html, "ind-country", "select");
    assert!(select.contains("<option value=\"BE\" selected>Belgium</option>"));
    assert_eq!(count(select, " selected"), 1);
    assert!(tag_with_id(&html, "ind-show-publicly").contains(" checked"));
    assert!(!tag_with_id(&html, "ind-wants-updates").contains(" checked"));
    // The other form stays empty.
    assert!(tag_with_id(&html, "org-name").contains("value=\"\""));
    assert!(tag_with_id(&html, "org-email").contains("value=\"\""));
    assert!(!tag_with_id(&html, "org-wants-updates").contains(" checked"));
    let org_select = element_with_id(&html, "org-country", "select");
    assert!(org_select.contains("<option value=\"\" selected>"));
}

#[test]
fn errors_are_linked_to_their_fields() {
    let form = SignForm {
        submitted: Some(SignerKind::Organisation),
        values: SignFormValues {
            organisation_name: "Rights Watch".into(),
            wants_updates: true,
            ..SignFormValues::default()
        },
        errors: vec![
            FieldError {
                field: "email".into(),
                message: "Enter the contact email address".into(),
            },
            FieldError {
                field: "organisation_name".into(),
                message: "This organisation has already signed".into(),
            },
            FieldError {
                field: "form".into(),
                message: "Please try again".into(),
            },
        ],
        countries: COUNTRIES,
        kinds: SignerKinds::default(),
    };
    let html = letter(&Lang::english(), &letter_page(LetterStatus::Open, form)).into_string();
    let summary = element_with_id(&html, "org-errors", "div");
    assert!(summary.contains("role=\"alert\""));
    // Listed in form order, each linking to its field; unknown fields without a link.
    let first = summary.find("href=\"#org-organisation-name\"").unwrap();
    let second = summary.find("href=\"#org-email\"").unwrap();
    assert!(first < second);
    assert!(summary.contains("<li>Please try again</li>"));
    // The summary sits at the top of the submitted form.
    let org_form = element_with_id(&html, "sign-organisation", "form");
    assert!(org_form.contains("id=\"org-errors\""));
    assert!(!html.contains("id=\"ind-errors\""));

    let email = tag_with_id(&html, "org-email");
    assert!(email.contains("aria-invalid=\"true\""));
    assert!(email.contains("aria-describedby=\"org-email-hint org-email-error\""));
    assert!(
        element_with_id(&html, "org-email-error", "p").contains("Enter the contact email address")
    );
    assert!(tag_with_id(&html, "org-organisation-name").contains("value=\"Rights Watch\""));
    assert!(tag_with_id(&html, "org-wants-updates").contains(" checked"));
    assert!(!tag_with_id(&html, "org-website").contains("aria-invalid"));
    // Errors stay with the submitted form.
    assert!(!tag_with_id(&html, "ind-email").contains("aria-invalid"));
    assert!(!html.contains("id=\"ind-email-error\""));
    // And the top of the page points to them.
    assert!(html.contains("href=\"#org-errors\""));
}

#[test]
fn only_open_letters_take_signatures() {
    for (status, wording) in [
        (
            LetterStatus::Closed,
            "This letter is closed and takes no new signatures.",
        ),
        (
            LetterStatus::Delivered,
            "This letter has been delivered and takes no new signatures.",
        ),
        (
            LetterStatus::Draft,
            "This letter is a draft and does not take signatures yet.",
        ),
    ] {
        let html = letter(&Lang::english(), &letter_page(status, blank_form())).into_string();
        assert!(!html.contains("<form"), "{status:?} renders a form");
        assert!(!html.contains("href=\"#sign\""));
        assert!(html.contains(wording));
        // Signatories are still listed.
        assert!(html.contains("Rights Watch") && html.contains("Ana Novak"));
    }
}

#[test]
fn unsafe_websites_are_never_links() {
    let mut page = letter_page(LetterStatus::Open, blank_form());
    page.organisations[0].website = Some("javascript:alert(1)".into());
    let html = letter(&Lang::english(), &page).into_string();
    assert!(!html.contains("href=\"javascript:"));
    assert!(html.contains("javascript:alert(1)"));
}

/// The `<nav>` with this label, whole.
fn nav_labelled<'a>(html: &'a str, label: &str) -> Option<&'a str> {
    let open = format!("<nav class=\"pagination\" aria-label=\"{label}\">");
    let start = html.find(&open)?;
    let end = start + html[start..].find("</nav>")? + "</nav>".len();
    Some(&html[start..end])
}

#[test]
fn a_single_page_of_signatories_has_no_paging_links() {
    let html = letter(
        &Lang::english(),
        &letter_page(LetterStatus::Open, blank_form()),
    )
    .into_string();
    assert!(!html.contains("class=\"pagination\""), "{html}");
}

#[test]
fn individuals_page_by_cursor_towards_older_signatures() {
    let mut page = letter_page(LetterStatus::Open, blank_form());
    page.individuals_paging.next = Some("MTIzLjQ1".into());
    let html = letter(&Lang::english(), &page).into_string();
    let nav = nav_labelled(&html, "Pages of individual signatories").expect("a nav");
    assert!(
        nav.contains(
            "<a rel=\"next\" href=\"/letters/eu-appeal?before=MTIzLjQ1#individuals\">Older signatures"
        ),
        "{nav}"
    );
    assert!(
        !nav.contains("rel=\"first\""),
        "the first page links to itself: {nav}"
    );
    assert!(!html.contains("?page="), "page numbers are gone");
    assert!(nav_labelled(&html, "Pages of signatory organisations").is_none());

    // A later, last page leads back to the newest and nowhere else.
    page.individuals_paging = Paging {
        next: None,
        is_first: false,
    };
    let html = letter(&Lang::english(), &page).into_string();
    let nav = nav_labelled(&html, "Pages of individual signatories").expect("a nav");
    assert!(
        nav.contains("<a rel=\"first\" href=\"/letters/eu-appeal#individuals\">"),
        "{nav}"
    );
    assert!(nav.contains("Newest signatures"), "{nav}");
    assert!(!nav.contains("rel=\"next\""), "{nav}");

    // Past the end: said in words, not an empty list.
    page.individuals.clear();
    let html = letter(&Lang::english(), &page).into_string();
    assert!(html.contains("There are no more names to show."));
    assert!(!html.contains("No one is listed publicly yet."));
}

#[test]
fn organisations_page_by_cursor_too() {
    let mut page = letter_page(LetterStatus::Open, blank_form());
    page.organisations_paging = Paging {
        next: Some("NC5SaWdodHM".into()),
        is_first: false,
    };
    let html = letter(&Lang::english(), &page).into_string();
    let nav = nav_labelled(&html, "Pages of signatory organisations").expect("a nav");
    assert!(
        nav.contains(
            "<a rel=\"next\" href=\"/letters/eu-appeal?orgs_after=NC5SaWdodHM#organisations\">More organisations"
        ),
        "{nav}"
    );
    assert!(
        nav.contains("<a rel=\"first\" href=\"/letters/eu-appeal#organisations\">"),
        "{nav}"
    );
    assert!(nav_labelled(&html, "Pages of individual signatories").is_none());
    page.organisations.clear();
    let html = letter(&Lang::english(), &page).into_string();
    assert!(html.contains("There are no more organisations to show."));
}

#[test]
fn letter_language_is_marked() {
    let mut page = letter_page(LetterStatus::Open, blank_form());
    page.language = "de".into();
    let html = letter(&Lang::english(), &page).into_string();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\" dir=\"ltr\">"));
    assert!(html.contains("<h1 lang=\"de\">"));
    assert!(html.contains("<div class=\"letter-body\" lang=\"de\">"));
}

#[test]
fn home_lists_letters_or_says_there_are_none() {
    let html = home(&Lang::english(), &[]).into_string();
    assert!(html.contains("Open letters"));
    assert!(html.contains("There are no open letters here at the moment."));
    let html = home(
        &Lang::english(),
        &[LetterSummary {
            slug: "eu-appeal".into(),
            title: "Appeal".into(),
            summary: "Sum".into(),
            total_count: 2500,
            deadline: Some("1 May".into()),
        }],
    )
    .into_string();
    assert!(html.contains("<a href=\"/letters/eu-appeal\">Appeal</a>"));
    assert!(html.contains("2,500 signatures · Deadline: 1 May"));
}

#[test]
fn confirm_pages() {
    let ready = confirm(
        &Lang::english(),
        &ConfirmPage {
            letter_title: "Appeal",
            letter_slug: "eu-appeal",
            token: "abc_DEF-123",
            state: ConfirmState::Ready,
        },
    )
    .into_string();
    assert!(
        ready.contains(
            "<form class=\"confirm-form\" method=\"post\" action=\"/confirm/abc_DEF-123\">"
        )
    );
    assert!(
        ready.contains("<button class=\"button\" type=\"submit\">Confirm my signature</button>")
    );

    let done = confirm(
        &Lang::english(),
        &ConfirmPage {
            letter_title: "Appeal",
            letter_slug: "eu-appeal",
            token: "t",
            state: ConfirmState::Confirmed,
        },
    )
    .into_string();
    assert!(done.contains("Thank you, your signature is confirmed"));
    assert!(done.contains("href=\"/letters/eu-appeal\""));
    assert!(!done.contains("<form"));

    let again = confirm(
        &Lang::english(),
        &ConfirmPage {
            letter_title: "Appeal",
            letter_slug: "eu-appeal",
            token: "t",
            state: ConfirmState::AlreadyConfirmed,
        },
    )
    .into_string();
    assert!(again.contains("This signature is already confirmed"));
    assert!(again.contains("href=\"/letters/eu-appeal\""));

    let inbox = check_inbox(&Lang::english(), "Appeal", "eu-appeal").into_string();
    assert!(inbox.contains("Check your inbox") && inbox.contains("spam"));
    assert!(inbox.contains("href=\"/letters/eu-appeal\""));
}

#[test]
fn invalid_links_offer_a_new_one() {
    let html = link_invalid(
        &Lang::english(),
        &LinkInvalidPage {
            expired: true,
            letter_slug: Some("eu-appeal"),
            email: "ana@example.org",
            error: None,
        },
    )
    .into_string();
    assert!(html.contains("<h1>This link has expired</h1>"));
    assert!(html.contains("method=\"post\" action=\"/confirm/resend\""));
    assert!(html.contains("<input type=\"hidden\" name=\"letter\" value=\"eu-appeal\">"));
    assert!(tag_with_id(&html, "resend-email").contains("value=\"ana@example.org\""));
    assert!(!html.contains("role=\"alert\""));

    let html = link_invalid(
        &Lang::english(),
        &LinkInvalidPage {
            expired: false,
            letter_slug: None,
            email: "nope",
            error: Some("Enter a valid email address"),
        },
    )
    .into_string();
    assert!(html.contains("<h1>This link is not valid</h1>"));
    assert!(!html.contains("name=\"letter\""));
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("<a href=\"#resend-email\">Enter a valid email address</a>"));
    let input = tag_with_id(&html, "resend-email");
    assert!(input.contains("aria-invalid=\"true\""));
    assert!(input.contains("resend-email-error"));

    let html = resend_requested(&Lang::english()).into_string();
    assert!(html.contains(
        "If that address has a signature waiting for confirmation, we have sent a new link to it."
    ));
}

#[test]
fn error_page_shows_reference_and_wait() {
    let html = error(
        &Lang::english(),
        &ErrorPage {
            status: 429,
            title: "Too many requests",
            message: "You are going a bit fast.",
            request_id: Some("01HXYZ"),
            retry_after_secs: Some(30),
        },
    )
    .into_string();
    assert!(html.contains("<h1>Too many requests</h1>"));
    assert!(html.contains("Please wait 30 seconds and try again."));
    assert!(html.contains("<code>01HXYZ</code>"));
    assert!(html.contains("Error 429"));
}

#[test]
fn mailbox_links_urls_and_explains_itself() {
    let html = dev_mailbox(&[
        MailboxMessage {
            id: "2".into(),
            subject: "Newer".into(),
            to: "a@example.org".into(),
            date: "2026-01-02".into(),
            text_body: "Open:\nhttps://x.org/confirm/abc?x=1&y=2\n<b>".into(),
        },
        MailboxMessage {
            id: "1".into(),
            subject: "Older".into(),
            to: "b@example.org".into(),
            date: "2026-01-01".into(),
            text_body: "Hi".into(),
        },
    ])
    .into_string();
    assert!(html.contains("no SMTP server is configured"));
    assert!(html.find("Newer").unwrap() < html.find("Older").unwrap());
    assert!(html.contains(
        "<a href=\"https://x.org/confirm/abc?x=1&amp;y=2\">https://x.org/confirm/abc?x=1&amp;y=2</a>\n&lt;b&gt;</pre>"
    ));
}

/// Every line stays under 78 characters, except a URL, which is alone on its line.
fn assert_plain_text_layout(text: &str, urls: &[&str]) {
    for line in text.lines() {
        if urls.contains(&line) {
            continue;
        }
        assert!(line.chars().count() < 78, "long line: {line}");
        for url in urls {
            assert!(!line.contains(url), "URL not alone: {line}");
        }
    }
    for url in urls {
        assert!(text.lines().any(|l| l == *url), "URL missing: {url}");
    }
}

#[test]
fn confirmation_email_content() {
    let confirm_url = "https://undersigned.example.org/confirm/aVeryLongTokenThatGoesOnAndOnAndOnForQuiteSomeTime1234567890";
    let letter_url = "https://undersigned.example.org/letters/eu-appeal";
    let e = confirmation_email(
        &Lang::english(),
        &ConfirmationEmail {
            letter_title: "Appeal to the European Council and the European Commission on the protection of human-rights defenders",
            confirm_url,
            letter_url,
            expires_in_days: 7,
            kind: SignerKind::Organisation,
        },
    );
    assert_eq!(
        e.subject,
        "Confirm your signature: Appeal to the European Council and the European Commission on the protection of human-rights defenders"
    );
    assert_plain_text_layout(&e.text, &[confirm_url, letter_url]);
    let flat = e.text.split_whitespace().collect::<Vec<_>>().join(" ");
    // No signer text reaches an unconfirmed address: a generic greeting and capacity.
    assert!(flat.starts_with("Hello, "));
    assert!(flat.contains("on behalf of an organisation"));
    assert!(flat.contains("The link expires in 7 days."));
    assert!(flat.contains(
        "If you did not sign, ignore this email; nothing is published without confirmation."
    ));
    assert!(e.html.contains(&format!("href=\"{confirm_url}\"")));
    assert!(e.html.contains("on behalf of an organisation"));
    assert!(e.html.contains("style=\""));

    let e = confirmation_email(
        &Lang::english(),
        &ConfirmationEmail {
            letter_title: "Appeal",
            confirm_url,
            letter_url,
            expires_in_days: 1,
            kind: SignerKind::Individual,
        },
    );
    assert!(e.text.contains("as an individual"));
    assert!(e.text.contains("expires in 1 day."));
}

#[test]
fn already_signed_email_content() {
    let letter_url = "https://undersigned.example.org/letters/eu-appeal";
    let e = already_signed_email(
        &Lang::english(),
        &AlreadySignedEmail {
            letter_title: "Appeal",
            letter_url,
        },
    );
    assert_eq!(e.subject, "You have already signed: Appeal");
    assert_plain_text_layout(&e.text, &[letter_url]);
    let flat = e.text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("probably you"));
    assert!(flat.contains("nothing to do"));
    assert!(e.html.contains(&format!("href=\"{letter_url}\"")));
}

#[test]
fn stylesheet_has_focus_styles() {
    assert!(STYLESHEET.contains(":focus-visible"));
    assert!(!STYLESHEET.contains("@import") && !STYLESHEET.contains("url("));
}

fn staff_bar() -> StaffBar<'static> {
    StaffBar {
        email: "admin@example.org",
        is_admin: true,
        csrf: "csrf-token-value",
    }
}

#[test]
fn staff_pages_are_accessible_escape_user_text_and_carry_the_csrf_token() {
    let rows = [AccountRow {
        email: EVIL.into(),
        role: "editor",
        state: "invited",
        last_sign_in: None,
    }];
    let audit_rows = [AuditRow {
        id: 7,
        at: "2026-11-28 12:00:00".into(),
        actor: EVIL.into(),
        action: "sign_in.failed".into(),
        subject: String::new(),
        detail: EVIL.into(),
        client_ip: "192.0.2.1".into(),
    }];
    let pages = [
        sign_in(&SignInPage {
            email: EVIL,
            next: "/staff",
            error: Some("The email or the password is not right."),
        }),
        password_link(&PasswordLinkPage {
            token: "tok",
            first_admin: true,
            email: EVIL,
            email_error: Some("Enter an email address"),
            password_error: Some("Use at least 12 characters."),
        }),
        accounts(&AccountsPage {
            bar: staff_bar(),
            accounts: &rows,
            new_link: Some((EVIL, "https://letters.example.org/staff/password/tok")),
            add_email: EVIL,
            add_error: Some("already exists"),
        }),
        audit(&AuditPage {
            bar: staff_bar(),
            rows: &audit_rows,
            action: EVIL,
            actor: "",
            older: Some("before=7".into()),
        }),
    ];
    for page in pages {
        let html = page.into_string();
        assert_accessible_page(&html);
        assert_escaped(&html);
    }
    let home = staff_home(&staff_bar(), "admin").into_string();
    assert_accessible_page(&home);
    assert!(home.contains("name=\"csrf\" value=\"csrf-token-value\""));
    let change = change_password(&ChangePasswordPage {
        bar: staff_bar(),
        current_error: Some("This is not your current password."),
        new_error: None,
        done: false,
    })
    .into_string();
    assert_accessible_page(&change);
    // Both forms of the page (sign-out and the change itself) carry the token.
    assert_eq!(
        count(&change, "name=\"csrf\" value=\"csrf-token-value\""),
        2
    );
    assert!(change.contains("aria-invalid=\"true\""));
}

#[test]
fn editors_see_no_admin_links() {
    let bar = StaffBar {
        is_admin: false,
        ..staff_bar()
    };
    let html = staff_home(&bar, "editor").into_string();
    assert!(!html.contains("/staff/accounts") && !html.contains("/staff/audit"));
    assert!(!html.contains("/staff/lists"));
}

#[test]
fn the_screening_lists_page_is_accessible_escapes_and_keeps_a_refused_pattern() {
    let rules = [ListRuleRow {
        id: 3,
        list: "block".into(),
        kind: "domain".into(),
        pattern: EVIL.into(),
        note: EVIL.into(),
        added: "2026-11-29 12:00 UTC".into(),
    }];
    let html = screening_lists(&ListsPage {
        bar: staff_bar(),
        rules: &rules,
        form: ListRuleForm {
            list: "allow".into(),
            kind: "network".into(),
            pattern: EVIL.into(),
            note: String::new(),
            error: Some("Enter an address range".into()),
        },
        disposable_count: 8883,
        disposable_source: EVIL,
        notice: Some(EVIL.into()),
    })
    .into_string();
    assert_accessible_page(&html);
    assert_escaped(&html);
    // Add, remove and reload each carry the session's token.
    assert_eq!(count(&html, "name=\"csrf\" value=\"csrf-token-value\""), 4);
    assert!(html.contains("<option value=\"allow\" selected>"));
    assert!(html.contains("<option value=\"network\" selected>"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("id=\"rule-pattern-error\""));
    assert!(html.contains("8883 domains"));
    let empty = screening_lists(&ListsPage {
        bar: staff_bar(),
        rules: &[],
        form: ListRuleForm::default(),
        disposable_count: 0,
        disposable_source: "the list shipped with the service",
        notice: None,
    })
    .into_string();
    assert_accessible_page(&empty);
    assert!(empty.contains("No rules yet."));
}

fn evil_letter_values() -> LetterFormValues {
    LetterFormValues {
        title: EVIL.into(),
        slug: EVIL.into(),
        summary: EVIL.into(),
        body: EVIL.into(),
        language: EVIL.into(),
        deadline: EVIL.into(),
        goal: EVIL.into(),
        individuals_may_sign: false,
        organisations_may_sign: false,
        organisations_need_approval: true,
        targets: vec![
            TargetInput {
                name: EVIL.into(),
                person: EVIL.into(),
                person_title: EVIL.into(),
                email: EVIL.into(),
            },
            TargetInput::default(),
        ],
    }
}

#[test]
fn staff_letter_pages_are_accessible_and_escape_user_text() {
    let rows = [StaffLetterRow {
        id: 3,
        title: EVIL.into(),
        slug: EVIL.into(),
        status: "draft",
        individuals: 1200,
        organisations: 3,
        deadline: Some(EVIL.into()),
    }];
    let values = evil_letter_values();
    let errors = [
        FieldError {
            field: "title".into(),
            message: EVIL.into(),
        },
        FieldError {
            field: "kinds".into(),
            message: "Choose who may sign".into(),
        },
        FieldError {
            field: "target-0-email".into(),
            message: "Enter the institution's email address".into(),
        },
    ];
    let targets = [TargetView {
        name: EVIL.into(),
        person: Some(EVIL.into()),
        person_title: Some(EVIL.into()),
        email: EVIL.into(),
    }];
    let versions = [VersionView {
        number: 1,
        title: EVIL.into(),
        created_at: "2026-11-29 10:00".into(),
    }];
    let pages = [
        staff_letters(&StaffLettersPage {
            bar: staff_bar(),
            rows: &rows,
            status: EVIL,
            older: Some("before=3".into()),
        }),
        letter_form(&LetterFormPage {
            bar: staff_bar(),
            letter_id: None,
            values: &values,
            errors: &errors,
            slug_locked: false,
            preview_html: Some("<p>Safe <strong>preview</strong></p>"),
            notice: Some(EVIL),
        }),
        letter_form(&LetterFormPage {
            bar: staff_bar(),
            letter_id: Some(3),
            values: &values,
            errors: &[],
            slug_locked: true,
            preview_html: None,
            notice: None,
        }),
        letter_overview(&LetterOverviewPage {
            bar: staff_bar(),
            id: 3,
            title: EVIL,
            slug: EVIL,
            status: "draft",
            individuals: 0,
            organisations: 0,
            goal: Some(10),
            deadline: Some(EVIL.into()),
            kinds: "organisations and individuals",
            organisations_need_approval: true,
            public_url: None,
            preview_url: Some(format!(
                "https://letters.example.org/letters/x/preview/{EVIL}"
            )),
            targets: &targets,
            versions: &versions,
            current_version: 1,
            notice: Some(EVIL),
            under_attack: Some(EVIL.into()),
        }),
        crate::attack_mode(&crate::AttackPage {
            bar: staff_bar(),
            letter_id: 3,
            letter_title: EVIL,
            state: Some(crate::AttackState {
                active: true,
                automatic: true,
                changed_at: EVIL.into(),
                reason: EVIL.into(),
            }),
            rate_this_minute: 5,
            threshold_per_minute: 120,
        }),
    ];
    for page in pages {
        let html = page.into_string();
        assert_accessible_page(&html);
        assert_escaped(&html);
        assert!(html.contains("name=\"csrf\" value=\"csrf-token-value\""));
        assert!(
            html.contains("href=\"/staff/letters\""),
            "the bar links the list"
        );
    }
}

#[test]
fn the_letter_form_marks_errors_beside_their_fields_and_locks_the_slug_once_published() {
    let values = evil_letter_values();
    let errors = [
        FieldError {
            field: "title".into(),
            message: "Enter a title".into(),
        },
        FieldError {
            field: "target-0-email".into(),
            message: "Enter the institution's email address".into(),
        },
        FieldError {
            field: "kinds".into(),
            message: "Choose who may sign".into(),
        },
    ];
    let page = LetterFormPage {
        bar: staff_bar(),
        letter_id: None,
        values: &values,
        errors: &errors,
        slug_locked: false,
        preview_html: None,
        notice: None,
    };
    let html = letter_form(&page).into_string();
    let title = tag_with_id(&html, "letter-title");
    assert!(title.contains("aria-invalid=\"true\""), "{title}");
    assert!(title.contains("letter-title-error"), "{title}");
    let email = tag_with_id(&html, "letter-target-0-email");
    assert!(email.contains("aria-invalid=\"true\""), "{email}");
    assert!(email.contains("aria-describedby=\"letter-target-0-email-error\""));
    assert!(!tag_with_id(&html, "letter-target-0-name").contains("aria-invalid"));
    assert!(tag_with_id(&html, "letter-kinds").contains("letter-kinds-error"));
    // The summary links each message to its field.
    assert!(html.contains("href=\"#letter-target-0-email\""));
    assert!(html.contains("href=\"#letter-kinds\""));
    // Both kinds of row are fieldsets with a legend; the approval box is ticked as given.
    assert_eq!(count(&html, "<legend>Target "), 2);
    assert!(tag_with_id(&html, "letter-organisations_need_approval").contains("checked"));
    assert!(!tag_with_id(&html, "letter-individuals_may_sign").contains("checked"));
    // Save comes after Preview and "Add another target", and each says what it does.
    for button in [
        "value=\"preview\"",
        "value=\"add-target\"",
        "value=\"save\"",
    ] {
        assert_eq!(count(&html, button), 1, "{button}");
    }
    assert!(!tag_with_id(&html, "letter-slug").contains("readonly"));
    let locked = letter_form(&LetterFormPage {
        slug_locked: true,
        letter_id: Some(1),
        ..page
    })
    .into_string();
    assert!(tag_with_id(&locked, "letter-slug").contains("readonly"));
    assert!(locked.contains("action=\"/staff/letters/1/edit\""));
}

#[test]
fn a_preview_has_a_banner_and_disabled_forms_and_a_letter_shows_only_the_kinds_it_takes() {
    let mut page = letter_page(LetterStatus::Draft, blank_form());
    page.preview = true;
    let html = letter(&Lang::english(), &page).into_string();
    assert_accessible_page(&html);
    assert!(html.contains("Draft preview"));
    assert!(html.contains("<fieldset class=\"preview-forms\" disabled>"));
    assert!(html.contains("id=\"sign-individual\""));

    let mut form = blank_form();
    form.kinds = SignerKinds {
        individuals: false,
        organisations: true,
    };
    let html = letter(&Lang::english(), &letter_page(LetterStatus::Open, form)).into_string();
    assert_accessible_page(&html);
    assert!(html.contains("id=\"sign-organisation\""));
    assert!(!html.contains("id=\"sign-individual\""));
    assert!(!html.contains("href=\"#sign-individual\""));
    assert!(html.contains("signed by organisations only"));

    // A form of a kind the letter does not take: the message is shown at the top.
    let mut form = blank_form();
    form.kinds = SignerKinds {
        individuals: false,
        organisations: true,
    };
    form.submitted = Some(SignerKind::Individual);
    form.errors = vec![FieldError {
        field: "kind".into(),
        message: "This letter is signed by organisations only.".into(),
    }];
    let html = letter(&Lang::english(), &letter_page(LetterStatus::Open, form)).into_string();
    assert_accessible_page(&html);
    assert!(html.contains("Your signature has not been sent."));
    assert!(html.contains("This letter is signed by organisations only."));
}

#[test]
fn moderation_pages_are_accessible_escape_user_text_and_carry_the_csrf_token() {
    let approval_rows = [ApprovalRow {
        id: 3,
        organisation: EVIL.into(),
        country: "DE".into(),
        website: Some(EVIL.into()),
        contact: EVIL.into(),
        role: Some(EVIL.into()),
        email: Some(EVIL.into()),
        domain: EVIL.into(),
        domain_matches: Some(false),
        confirmed_at: "2026-11-28 12:00".into(),
        reason: EVIL.into(),
        reason_error: Some("Give the reason for rejecting: the contact is told it.".into()),
    }];
    let approvals_html = approvals(&ApprovalsPage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: EVIL,
        rows: &approval_rows,
        next: Some("after=3".into()),
        notice: Some("Approved."),
        reason_max: 1000,
    })
    .into_string();
    // Not colour alone: the words say whether the domain matches.
    assert!(approvals_html.contains("differs from the website"));
    assert!(approvals_html.contains("<label for=\"reason-3\""));
    assert!(approvals_html.contains("aria-invalid=\"true\""));
    // Sign-out, approve and reject each carry the token.
    assert_eq!(
        count(&approvals_html, "name=\"csrf\" value=\"csrf-token-value\""),
        3
    );

    let rows = [SignatureRow {
        id: 9,
        name: EVIL.into(),
        organisation: Some(EVIL.into()),
        email: EVIL.into(),
        country: "FR".into(),
        kind: "individual",
        status: "confirmed",
        version: 1,
        created_at: "2026-11-28 12:00".into(),
        confirmed_at: None,
        ip: Some("203.0.113.5".into()),
        can_invalidate: true,
        can_restore: false,
    }];
    let filters = SearchFilters {
        name: EVIL,
        ip: "203.0.113.0/33",
        ..SearchFilters::default()
    };
    let errors = [("ip", "This is not a network.".to_owned())];
    let with_errors = signatures(&SignaturesPage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: EVIL,
        filters,
        errors: &errors,
        rows: &[],
        show_personal: true,
        next: None,
        notice: None,
    })
    .into_string();
    assert!(with_errors.contains("id=\"filter-ip-error\""));
    assert!(
        !with_errors.contains("Every match"),
        "no bulk action on bad filters"
    );
    let results = signatures(&SignaturesPage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: EVIL,
        filters: SearchFilters {
            name: EVIL,
            ..SearchFilters::default()
        },
        errors: &[],
        rows: &rows,
        show_personal: true,
        next: Some("before=9".into()),
        notice: Some("Invalidated 1 signature."),
    })
    .into_string();
    assert!(results.contains("Invalidate #9"));
    assert!(results.contains("<th scope=\"col\">IP address</th>"));
    let confirm = bulk_confirm(&BulkConfirmPage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: EVIL,
        action: "invalidate",
        count: 1234,
        upto: Some(99),
        description: EVIL,
        filters: SearchFilters {
            name: EVIL,
            ..SearchFilters::default()
        },
        count_changed: false,
        back: "/staff/letters/1/signatures",
    })
    .into_string();
    assert!(confirm.contains("Invalidate 1,234 signatures matching"));
    assert!(confirm.contains("name=\"count\" value=\"1234\""));
    for html in [approvals_html, with_errors, results, confirm] {
        assert_accessible_page(&html);
        assert_escaped(&html);
    }
}

fn piece(tag: DiffTag, text: &str) -> DiffPiece {
    DiffPiece {
        tag,
        text: text.into(),
    }
}

/// Version 2 of 3, whose every piece of text and every difference is hostile.
fn evil_version() -> VersionPage {
    VersionPage {
        slug: EVIL.into(),
        number: 2,
        latest: 3,
        created_on: EVIL.into(),
        title: EVIL.into(),
        summary: EVIL.into(),
        language: EVIL.into(),
        body_html: "<p>Safe body</p>".into(),
        signatures: 1,
        diff: Some(VersionDiff {
            title: vec![piece(DiffTag::Same, EVIL)],
            summary: vec![piece(DiffTag::Removed, EVIL), piece(DiffTag::Added, EVIL)],
            body: vec![
                piece(DiffTag::Same, "We ask you to "),
                piece(DiffTag::Removed, "act"),
                piece(DiffTag::Added, EVIL),
                piece(DiffTag::Same, ".\n\nSigned"),
            ],
        }),
    }
}

/// The letter page of a text in its third version, after a form from an older one.
fn changed_letter(text_changed: bool) -> LetterPage<'static> {
    let mut page = letter_page(
        LetterStatus::Open,
        SignForm {
            submitted: Some(SignerKind::Individual),
            values: SignFormValues {
                name: "Ana Novak".into(),
                email: "ana@example.org".into(),
                ..SignFormValues::default()
            },
            errors: Vec::new(),
            countries: COUNTRIES,
            kinds: SignerKinds::default(),
        },
    );
    page.version = 3;
    page.version_changed_on = Some("2 March 2026".into());
    page.text_changed = text_changed;
    page.individuals[0].earlier_version = Some(1);
    page
}

#[test]
fn a_diff_marks_added_and_removed_text_in_words_as_well_as_style() {
    let html = version(&Lang::english(), &evil_version()).into_string();
    // Every piece escaped, inside or outside the marks.
    assert!(!html.contains("<script"));
    assert!(html.contains(
        "<ins><span class=\"visually-hidden\">[added: </span>&quot;'&gt;&lt;script&gt;alert(1)&lt;/script&gt;<span class=\"visually-hidden\">]</span></ins>"
    ));
    assert!(html.contains(
        "<del><span class=\"visually-hidden\">[removed: </span>act<span class=\"visually-hidden\">]</span></del>"
    ));
    assert!(html.contains("We ask you to <del>"));
    assert!(html.contains("</ins>.\n\nSigned</div>"));
    // The legend says it in words too, and the unchanged title says so.
    assert!(html.contains("Added text is underlined and marked"));
    assert_eq!(count(&html, "Unchanged."), 1);
    assert_eq!(count(&html, "<ins>"), 2);
    assert_eq!(count(&html, "<del>"), 2);
    assert!(html.contains("What changed from version 1"));
    assert!(html.contains("Version 2 of 3"));
    assert!(html.contains("This is an earlier text of the letter."));
    // The first version has nothing to compare with.
    let first = version(
        &Lang::english(),
        &VersionPage {
            diff: None,
            number: 1,
            latest: 1,
            ..evil_version()
        },
    )
    .into_string();
    assert!(!first.contains("<ins") && !first.contains("<del") && !first.contains("What changed"));
    assert!(!first.contains("earlier text"));
}

#[test]
fn a_changed_text_is_noted_and_earlier_signatures_are_marked() {
    let html = letter(&Lang::english(), &changed_letter(false)).into_string();
    assert!(html.contains(
        "The text was changed on 2 March 2026 (version 3 of 3). Signatures given to earlier versions are marked by version."
    ));
    assert!(html.contains("href=\"/letters/eu-appeal/versions\""));
    assert!(html.contains(
        "<a class=\"signed-version\" href=\"/letters/eu-appeal/versions/1\">signed version 1</a>"
    ));
    assert!(!html.contains("changed since you opened it"));
    for id in ["sign-individual", "sign-organisation"] {
        let form = element_with_id(&html, id, "form");
        assert!(form.contains("<input type=\"hidden\" name=\"version\" value=\"3\">"));
    }
    // A single version says nothing about versions.
    let plain = letter(
        &Lang::english(),
        &letter_page(LetterStatus::Open, blank_form()),
    )
    .into_string();
    assert!(!plain.contains("The text was changed") && !plain.contains("signed version"));
}

#[test]
fn a_form_from_an_older_text_comes_back_with_a_notice_and_what_was_typed() {
    let html = letter(&Lang::english(), &changed_letter(true)).into_string();
    assert!(html.contains(
        "The text of this letter changed since you opened it (version 3). Please read it again; your details are kept."
    ));
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("href=\"/letters/eu-appeal/versions/3\">See what changed</a>"));
    let form = element_with_id(&html, "sign-individual", "form");
    assert!(form.contains("value=\"Ana Novak\""));
    assert!(form.contains("value=\"ana@example.org\""));
    assert!(form.contains("<input type=\"hidden\" name=\"version\" value=\"3\">"));
    assert_accessible_page(&html);
}

#[test]
fn the_versions_list_links_each_version_with_its_signatures() {
    let html = versions(
        &Lang::english(),
        &VersionsPage {
            slug: "eu-appeal".into(),
            title: "Appeal".into(),
            language: "en".into(),
            versions: vec![
                VersionRow {
                    number: 1,
                    created_on: "1 March 2026".into(),
                    signatures: 1234,
                },
                VersionRow {
                    number: 2,
                    created_on: "2 March 2026".into(),
                    signatures: 5,
                },
            ],
        },
    )
    .into_string();
    assert!(html.contains("<a href=\"/letters/eu-appeal/versions/1\">Version 1</a></th><td>1 March 2026</td><td>1,234</td>"));
    assert!(
        html.contains("<a href=\"/letters/eu-appeal/versions/2\">Version 2</a> (current)</th>")
    );
    assert_eq!(count(&html, "(current)"), 1);
}

fn chart_hours(values: &[(i64, i64)]) -> HourlyChart {
    HourlyChart {
        span: "the last 7 days".into(),
        hours: values
            .iter()
            .enumerate()
            .map(|(i, &(signed, confirmed))| HourBar {
                label: format!("2026-11-{:02} {:02}:00", 20 + i / 24, i % 24),
                day: (i % 24 == 0).then(|| format!("{} Nov", 20 + i / 24)),
                signed,
                confirmed,
            })
            .collect(),
    }
}

/// The chart's `<svg>` element, parsed: it must be well-formed XML.
fn with_svg<T>(html: &str, check: impl FnOnce(roxmltree::Node<'_, '_>) -> T) -> T {
    let start = html.find("<svg").expect("an <svg>");
    let end = html.find("</svg>").expect("a closed <svg>") + "</svg>".len();
    let doc = roxmltree::Document::parse(&html[start..end]).expect("well-formed SVG");
    check(doc.root_element())
}

fn number(node: roxmltree::Node<'_, '_>, attribute: &str) -> f64 {
    node.attribute(attribute)
        .unwrap_or_else(|| panic!("no {attribute}"))
        .parse()
        .unwrap()
}

fn dashboard_page(title: &'static str, chart: HourlyChart) -> DashboardPage<'static> {
    let tally = |label: &str| Tally {
        label: label.into(),
        count: 3,
        href: format!("/staff/letters/1/signatures?domain={label}"),
    };
    DashboardPage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: title,
        letter_status: "open",
        as_of: "2026-11-27 12:00:00 UTC".into(),
        cached_secs: 0,
        counts: vec![CountRow {
            kind: "Individuals",
            confirmed: 3,
            total: 3,
            shown: 3,
            ..CountRow::default()
        }],
        lag_waiting: 0,
        lag_oldest: None,
        chart,
        last_hour: LastHourView {
            read: 3,
            capped: false,
            domains: vec![tally(EVIL)],
            networks: vec![tally("203.0.113.0/24")],
            networks_64: vec![],
        },
        outbox: OutboxView {
            failed: 1,
            failures: vec![FailureRow {
                id: 4,
                kind: "confirmation_email".into(),
                attempts: 1,
                reason: EVIL.into(),
                at: "2026-11-27 11:59:00".into(),
                recipient: Some(EVIL.into()),
            }],
            show_recipients: true,
            ..OutboxView::default()
        },
    }
}

#[test]
fn the_dashboard_is_accessible_and_escapes_user_text() {
    let html = dashboard(&dashboard_page(EVIL, chart_hours(&[(1, 0), (0, 1)]))).into_string();
    assert_accessible_page(&html);
    assert_escaped(&html);
    assert!(
        html.contains("href=\"/staff/letters/1\""),
        "back to the letter"
    );
    // The chart is labelled for assistive technology, and its numbers are in a table.
    with_svg(&html, |svg| {
        assert_eq!(svg.attribute("role"), Some("img"));
        assert_eq!(
            svg.attribute("aria-labelledby"),
            Some("chart-title chart-desc")
        );
    });
    assert!(
        html.contains("<p>3 signatures in the last hour.</p>"),
        "{html}"
    );
    let mut flooded = dashboard_page("A letter", chart_hours(&[(0, 0)]));
    flooded.last_hour.read = 50_000;
    flooded.last_hour.capped = true;
    let flooded = dashboard(&flooded).into_string();
    assert!(flooded.contains("Based on the newest 50,000 signatures of the last hour."));
    let details = &html[html.find("<details").unwrap()..html.find("</details>").unwrap()];
    assert!(details.contains("<th scope=\"row\">2026-11-20 00:00</th><td>1</td><td>0</td>"));
    assert!(details.contains("<th scope=\"row\">2026-11-20 01:00</th><td>0</td><td>1</td>"));
}

#[test]
fn a_chart_without_signatures_says_so_and_draws_no_bars() {
    let html = hourly_chart(&chart_hours(&[(0, 0); 168])).into_string();
    with_svg(&html, |svg| {
        let desc = svg
            .children()
            .find(|n| n.has_tag_name("desc"))
            .and_then(|n| n.text())
            .unwrap();
        assert_eq!(desc, "No signatures in the last 7 days.");
        assert_eq!(
            svg.descendants().filter(|n| n.has_tag_name("rect")).count(),
            0
        );
        // Seven day marks, one per midnight.
        let days: Vec<&str> = svg
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .filter(|t| t.ends_with(" Nov"))
            .collect();
        assert_eq!(days.len(), 7, "{days:?}");
    });
    assert!(
        html.contains("<p>No signatures in the last 7 days.</p>"),
        "{html}"
    );
    assert!(!html.contains("<table"));
}

#[test]
fn one_huge_hour_scales_the_axis_and_every_mark_stays_in_the_plot() {
    let mut hours = vec![(0, 0); 168];
    hours[100] = (1_000_000, 999_999);
    hours[101] = (1, 1);
    let html = hourly_chart(&chart_hours(&hours)).into_string();
    with_svg(&html, |svg| {
        let (top, bottom) = (14.0, 260.0 - 40.0);
        let bars: Vec<(f64, f64)> = svg
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .map(|r| (number(r, "y"), number(r, "height")))
            .collect();
        assert_eq!(bars.len(), 2);
        for &(y, height) in &bars {
            assert!(
                y >= top - 0.05 && y + height <= bottom + 0.05,
                "{y} {height}"
            );
        }
        assert!(
            (bars[0].1 - (bottom - top)).abs() < 0.1,
            "the huge hour fills the plot"
        );
        assert!(bars[1].1 >= 1.0, "an hour with one signature is still seen");
        let labels: Vec<&str> = svg
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for tick in ["0", "200,000", "400,000", "600,000", "800,000", "1,000,000"] {
            assert!(labels.contains(&tick), "{tick} in {labels:?}");
        }
        let line = svg
            .descendants()
            .find(|n| n.has_tag_name("polyline"))
            .and_then(|n| n.attribute("points"))
            .unwrap();
        for point in line.split(' ') {
            let y: f64 = point.split(',').nth(1).unwrap().parse().unwrap();
            assert!((top - 0.05..=bottom + 0.05).contains(&y), "{point}");
        }
    });
}

#[test]
fn the_axis_ends_on_a_round_number() {
    use crate::staff::axis_top;
    let tops: Vec<i64> = [0, 1, 3, 7, 11, 1_000_000, 1_000_001]
        .into_iter()
        .map(axis_top)
        .collect();
    assert_eq!(tops, [1, 1, 5, 10, 20, 1_000_000, 2_000_000]);
    assert!(axis_top(i64::MAX) >= i64::MAX / 2);
}

#[test]
fn the_quarantine_page_is_accessible_escapes_user_text_and_carries_the_csrf_token() {
    let rows = [QuarantineRow {
        id: 4,
        name: EVIL.into(),
        organisation: Some(EVIL.into()),
        country: "FR".into(),
        email: Some(EVIL.into()),
        domain: EVIL.into(),
        network: Some(EVIL.into()),
        rule: EVIL.into(),
        confirmed_at: "2026-11-29 12:00".into(),
    }];
    let html = quarantine(&QuarantinePage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: EVIL,
        rows: &rows,
        next: Some("after=4".into()),
        notice: Some("Released."),
    })
    .into_string();
    assert_accessible_page(&html);
    assert_escaped(&html);
    // Sign-out, release and invalidate each carry the token.
    assert_eq!(count(&html, "name=\"csrf\" value=\"csrf-token-value\""), 3);
    assert!(html.contains("/staff/letters/1/quarantine?after=4"));
    let empty = quarantine(&QuarantinePage {
        bar: staff_bar(),
        letter_id: 1,
        letter_title: "A letter",
        rows: &[],
        next: None,
        notice: None,
    })
    .into_string();
    assert_accessible_page(&empty);
    assert!(empty.contains("No signature is under review."));
}

#[test]
fn the_under_review_page_says_so() {
    let html = confirm(
        &Lang::english(),
        &ConfirmPage {
            letter_title: "A letter",
            letter_slug: "a-letter",
            token: "t",
            state: ConfirmState::UnderReview,
        },
    )
    .into_string();
    assert_accessible_page(&html);
    assert!(html.contains("is under review"));
}

#[test]
fn the_proof_of_work_step_keeps_the_fields_escaped_and_its_one_script_is_our_own() {
    let html = crate::proof_page(
        &Lang::english(),
        &crate::ProofPage {
            letter_title: EVIL.into(),
            letter_slug: "a-letter".into(),
            fields: vec![("name".into(), EVIL.into()), ("email".into(), EVIL.into())],
            challenge_json: format!("{{\"salt\":\"{EVIL}\"}}"),
            ticket: EVIL.into(),
            delay_secs: 10,
            problem: Some(EVIL.into()),
        },
    )
    .into_string();
    // The only script is the solver, from our own origin; without it the page works.
    let script = "<script src=\"/static/pow.js\" defer></script>";
    assert_eq!(count(&html, "<script"), 1);
    assert!(html.contains(script), "{html}");
    let without = html.replace(script, "");
    assert_accessible_page(&without);
    assert_escaped(&without);
    assert!(html.contains("action=\"/letters/a-letter/sign\""));
    assert!(html.contains("name=\"pow_ticket\""));
    assert!(html.contains("Please wait 10 seconds"));
}

#[test]
fn the_export_form_is_accessible_keeps_what_was_typed_and_escapes_it() {
    let columns = [
        ExportColumn {
            name: "name",
            personal: false,
            checked: true,
        },
        ExportColumn {
            name: "email",
            personal: true,
            checked: false,
        },
    ];
    let errors = [
        (
            "version",
            "Write the number of a version, like 1.".to_owned(),
        ),
        ("columns", "Unknown column x.".to_owned()),
    ];
    let html = export(&ExportPage {
        bar: staff_bar(),
        letter_id: 7,
        letter_title: EVIL,
        columns: &columns,
        format: "jsonl",
        bom: true,
        kind: "organisation",
        status: "held",
        version: EVIL,
        since: "2026-11-01",
        until: "",
        errors: &errors,
    })
    .into_string();
    assert_accessible_page(&html);
    assert_escaped(&html);
    assert!(html.contains("method=\"get\" action=\"/staff/letters/7/export/download\""));
    assert!(html.contains("id=\"export-format-jsonl\" name=\"format\" value=\"jsonl\" checked"));
    assert!(html.contains("id=\"export-bom\" name=\"bom\" value=\"on\" checked"));
    assert!(html.contains("value=\"name\" checked"));
    assert!(!html.contains("value=\"email\" checked"));
    assert!(html.contains("(personal)"));
    assert!(html.contains("<option value=\"organisation\" selected"));
    assert!(html.contains("<option value=\"held\" selected"));
    assert!(html.contains("value=\"2026-11-01\""));
    // Each problem is beside its field and linked from the summary.
    assert!(html.contains("href=\"#filter-version\""));
    assert!(html.contains("href=\"#export-columns\""));
    assert!(html.contains("aria-describedby=\"filter-version-hint filter-version-error\""));
    // Fieldsets with legends group the choices.
    for legend in ["Format", "Columns", "Which signatures"] {
        assert!(
            html.contains(&format!("<legend>{legend}</legend>")),
            "{legend}"
        );
    }
}

#[test]
fn each_sign_form_carries_its_stamp_and_a_honeypot_people_skip() {
    let html = letter(
        &Lang::english(),
        &letter_page(LetterStatus::Open, blank_form()),
    )
    .into_string();
    assert_eq!(
        html.matches("name=\"form_stamp\" value=\"1.1795000000.stamp\"")
            .count(),
        2
    );
    for prefix in ["ind", "org"] {
        let id = format!("{prefix}-{HONEYPOT_FIELD}");
        assert!(
            html.contains(&format!(
                "<input type=\"text\" id=\"{id}\" name=\"{HONEYPOT_FIELD}\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">"
            )),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "<label for=\"{id}\">Leave this field empty</label>"
            )),
            "{html}"
        );
    }
    assert_eq!(
        html.matches("<div class=\"hp\" aria-hidden=\"true\">")
            .count(),
        2
    );
}
