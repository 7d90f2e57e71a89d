//! Translation tests: every locale is complete and well-formed, every key the views ask for
//! exists, and (with the accented pseudo-locale) no word of any public page or email is
//! left outside the bundles.

use std::collections::BTreeSet;
use std::path::Path;

use crate::*;

/// The message ids of a Fluent file, which must parse without errors.
fn keys(tag: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{tag}/main.ftl"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let resource = fluent_syntax::parser::parse(source.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{tag}: syntax errors {errors:?}"));
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_locale_has_exactly_the_keys_of_english() {
    let english = keys("en");
    assert!(english.len() > 200, "English has {} keys", english.len());
    for language in LANGUAGES.iter().skip(1) {
        let theirs = keys(language.tag);
        let missing: Vec<_> = english.difference(&theirs).collect();
        let extra: Vec<_> = theirs.difference(&english).collect();
        assert!(missing.is_empty(), "{} misses {missing:?}", language.tag);
        assert!(
            extra.is_empty(),
            "{} has unknown keys {extra:?}",
            language.tag
        );
    }
}

#[test]
fn every_locale_folder_is_an_offered_language() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            LANGUAGES.iter().any(|l| l.tag == name),
            "locales/{name} is not in LANGUAGES"
        );
    }
}

/// Every string literal a view passes straight to the bundle (`.t("..")`, `.ta("..",`,
/// `.html("..",`, `.html_with("..",`, `.counted("..",`), and the keys held in tables
/// (`label: ".."`, `hint: Some("..")`, statuses, paging words), in these sources.
fn keys_used_in(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for opener in [
        ".t(\"",
        ".ta(\"",
        ".html(\"",
        ".html_with(\"",
        ".counted(\"",
        "label: \"",
        "hint: Some(\"",
        "first: \"",
        "next: \"",
        "Some(\"notice-",
        "=> \"status-",
        "=> \"email-confirm-request-",
    ] {
        let mut rest = source;
        while let Some(at) = rest.find(opener) {
            let after = &rest[at + opener.len()..];
            let end = after.find('"').unwrap();
            let prefix = opener
                .rsplit('"')
                .next()
                .filter(|p| !p.is_empty())
                .unwrap_or("");
            found.push(format!("{prefix}{}", &after[..end]));
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn every_key_the_views_ask_for_exists_in_english() {
    let english = keys("en");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n_tests.rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            for key in keys_used_in(&source) {
                // `label: "..."` also names staff fields and format strings; only
                // message-shaped words count.
                let shaped = key.contains('-')
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if shaped {
                    assert!(
                        english.contains(&key),
                        "{path:?} asks for unknown key {key}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 150, "only {checked} keys found in the views");
}

#[test]
fn a_missing_key_shows_as_itself() {
    let lang = Lang::english();
    assert_eq!(lang.t("no-such-key"), "no-such-key");
}

#[test]
fn languages_are_chosen_from_accept_language() {
    let pick = |header: &str| crate::i18n::negotiate(header, false).map(|l| l.tag());
    assert_eq!(pick("fr-CH, fr;q=0.9, en;q=0.8"), Some("fr"));
    assert_eq!(pick("de, en-GB;q=0.5"), Some("en"));
    assert_eq!(pick("de, ja"), None);
    assert_eq!(pick("ar-EG, en;q=0.1"), Some("ar"));
    assert_eq!(pick(""), None);
    assert_eq!(pick("en-XA"), Some("en"));
    assert_eq!(
        crate::i18n::negotiate("en-XA", true).map(|l| l.tag()),
        Some("en-XA")
    );
}

#[test]
fn counts_plurals_and_dates_follow_the_language() {
    let en = Lang::english();
    let fr = Lang::get("fr").unwrap();
    assert_eq!(en.counted("signatures", 1), "1 signature");
    assert_eq!(en.counted("signatures", 12345), "12,345 signatures");
    assert_eq!(fr.counted("signatures", 0), "0 signature");
    assert_eq!(fr.counted("signatures", 12345), "12\u{202f}345 signatures");
    assert_eq!(en.date(2026, 3, 1), "1 March 2026");
    assert_eq!(fr.date(2026, 3, 1), "1er mars 2026");
    assert_eq!(fr.date(2026, 8, 15), "15 août 2026");
    // Arabic has six plural forms.
    let ar = Lang::get("ar").unwrap();
    assert_eq!(ar.counted("signatures", 0), "لا توقيعات");
    assert_eq!(ar.counted("signatures", 1), "توقيع واحد");
    assert_eq!(ar.counted("signatures", 2), "توقيعان");
    assert_eq!(ar.counted("signatures", 5), "5 توقيعات");
    assert_eq!(ar.counted("signatures", 11), "11 توقيعًا");
    assert_eq!(ar.counted("signatures", 1200), "1,200 توقيع");
    assert_eq!(ar.dir(), Dir::Rtl);
}

#[test]
fn markup_arguments_are_placed_and_message_text_is_escaped() {
    let lang = Lang::english();
    let html = lang
        .html(
            "check-inbox-sent",
            &[("title", maud::html! { q { "<b>" } })],
        )
        .into_string();
    assert!(html.contains("<q>&lt;b&gt;</q>"), "{html}");
    assert!(html.starts_with("We have sent an email"));
}

// --- The pseudo-locale: every visible word must come from a bundle. ---

/// Data given to the views: no ASCII letter in it, so whatever ASCII word is left on a
/// pseudo-locale page was written in a view instead of a bundle.
const T: &str = "Ωμέγα ΚΑΛΗ";
const NAME: &str = "Αννα Σ";
const URL: &str = "https://x.test/confirm/0123";

fn pseudo_form() -> SignForm<'static> {
    SignForm {
        submitted: Some(SignerKind::Individual),
        values: SignFormValues {
            name: NAME.into(),
            ..Default::default()
        },
        errors: vec![FieldError {
            field: "email".into(),
            message: "Δ".into(),
        }],
        countries: &[("AT", "Αυστρία")],
        kinds: SignerKinds::default(),
    }
}

fn pseudo_letter(status: LetterStatus) -> LetterPage<'static> {
    LetterPage {
        slug: "x1".into(),
        title: T.into(),
        summary: T.into(),
        language: "el".into(),
        body_html: "<p>Ωμέγα</p>".into(),
        status,
        targets: vec![T.into()],
        individual_count: 1,
        organisation_count: 2_000,
        goal: Some(5_000),
        deadline: Some("31.12.2026".into()),
        organisations: vec![OrganisationSignatory {
            name: NAME.into(),
            country: "Αυστρία".into(),
            website: Some("https://x.test/".into()),
            earlier_version: Some(1),
        }],
        organisations_paging: Paging {
            next: Some("0".into()),
            is_first: false,
        },
        individuals: vec![IndividualSignatory {
            name: NAME.into(),
            country: "Αυστρία".into(),
            city: Some("Βιέννη".into()),
            occupation: None,
            earlier_version: None,
        }],
        individuals_paging: Paging {
            next: Some("0".into()),
            is_first: false,
        },
        form: pseudo_form(),
        preview: status == LetterStatus::Draft,
        version: 2,
        text_id: "0".into(),
        version_changed_on: Some("1.1.2026".into()),
        form_stamp: "0".into(),
        text_changed: status == LetterStatus::Closed,
        list_root: Some(crate::ListRoot {
            size: 2,
            root: "00".into(),
            taken_at: "1.1.2026".into(),
        }),
        receipts: vec![pseudo_receipt()],
        translation: Some(TranslationNote {
            language: "fr".into(),
            original_language: "az".into(),
            original_href: "/letters/x1?text=original".into(),
        }),
    }
}

fn pseudo_receipt() -> crate::ReceiptView {
    crate::ReceiptView {
        delivered: "1.1.2026".into(),
        version: 2,
        individuals: 1,
        organisations: 2_000,
        list_size: Some(2_001),
        list_root: Some("00".into()),
        targets: vec![
            crate::ReceiptTargetView {
                name: T.into(),
                sent: Some("1.1.2026".into()),
            },
            crate::ReceiptTargetView {
                name: T.into(),
                sent: None,
            },
        ],
    }
}

/// Every public page and every email, rendered in `lang`.
fn everything(lang: &Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut page = |name: &str, markup: maud::Markup| out.push((name.into(), markup.into_string()));
    page(
        "home",
        home(
            lang,
            &[LetterSummary {
                slug: "x1".into(),
                title: T.into(),
                summary: T.into(),
                total_count: 3,
                deadline: Some("1.1.2027".into()),
            }],
        ),
    );
    page("home-empty", home(lang, &[]));
    for status in [
        LetterStatus::Draft,
        LetterStatus::Open,
        LetterStatus::Closed,
        LetterStatus::Delivered,
    ] {
        page(
            &format!("letter-{status:?}"),
            letter(lang, &pseudo_letter(status)),
        );
    }
    let mut orgs_only = pseudo_letter(LetterStatus::Open);
    orgs_only.form.kinds = SignerKinds {
        individuals: false,
        organisations: true,
    };
    page("letter-orgs-only", letter(lang, &orgs_only));
    let mut empty = pseudo_letter(LetterStatus::Open);
    empty.organisations.clear();
    empty.individuals.clear();
    empty.form.submitted = None;
    empty.form.kinds = SignerKinds {
        individuals: true,
        organisations: false,
    };
    page("letter-empty", letter(lang, &empty));
    for (status, retry) in [(404, None), (429, Some(30)), (429, None)] {
        page(
            "error",
            error(
                lang,
                &ErrorPage {
                    status,
                    title: T,
                    message: T,
                    request_id: Some("0-1"),
                    retry_after_secs: retry,
                },
            ),
        );
    }
    page("check-inbox", check_inbox(lang, T, "x1"));
    for state in [
        ConfirmState::Ready,
        ConfirmState::Confirmed,
        ConfirmState::AlreadyConfirmed,
        ConfirmState::Held,
        ConfirmState::UnderReview,
    ] {
        page(
            "confirm",
            confirm(
                lang,
                &ConfirmPage {
                    letter_title: T,
                    letter_slug: "x1",
                    token: "0",
                    state,
                },
            ),
        );
    }
    for state in [ConfirmState::Confirmed, ConfirmState::AlreadyConfirmed] {
        page(
            "confirm-with-proof",
            crate::confirm_with_proof(
                lang,
                &ConfirmPage {
                    letter_title: T,
                    letter_slug: "x1",
                    token: "0",
                    state,
                },
                Some(URL),
            ),
        );
    }
    let snapshot = crate::SnapshotRow {
        size: 2,
        root: "00".into(),
        taken_at: "1.1.2026".into(),
    };
    for snapshots in [
        vec![],
        vec![
            snapshot.clone(),
            crate::SnapshotRow {
                size: 1,
                ..snapshot
            },
        ],
    ] {
        page(
            "list-snapshots",
            crate::list_snapshots(
                lang,
                &crate::SnapshotsPage {
                    letter_title: T,
                    letter_slug: "x1",
                    snapshots: &snapshots,
                },
            ),
        );
    }
    for state in [
        crate::SignerProofState::Listed {
            size: 2,
            root: "00".into(),
            leaf_index: 1,
            taken_at: "1.1.2026".into(),
        },
        crate::SignerProofState::NotYet,
        crate::SignerProofState::NotListed,
    ] {
        page(
            "signer-proof",
            crate::signer_proof(
                lang,
                &crate::SignerProofPage {
                    letter_title: T,
                    letter_slug: "x1",
                    token: "0",
                    state,
                },
            ),
        );
    }
    for (open, goal) in [(true, Some(5_000)), (false, None)] {
        page(
            "embed",
            crate::embed(
                lang,
                &crate::EmbedPage {
                    title: T,
                    language: "el",
                    total_count: 2_001,
                    goal,
                    letter_url: URL,
                    open,
                },
            ),
        );
    }
    for receipts in [vec![], vec![pseudo_receipt()]] {
        page(
            "receipt",
            crate::receipt(
                lang,
                &crate::ReceiptPage {
                    slug: "x1",
                    title: T,
                    receipts: &receipts,
                },
            ),
        );
    }
    for expired in [true, false] {
        page(
            "link-invalid",
            link_invalid(
                lang,
                &LinkInvalidPage {
                    expired,
                    letter_slug: Some("x1"),
                    email: "",
                    error: Some("Δ"),
                },
            ),
        );
    }
    page("resend", resend_requested(lang));
    page(
        "proof",
        proof_page(
            lang,
            &ProofPage {
                letter_title: T.into(),
                letter_slug: "x1".into(),
                fields: vec![],
                challenge_json: "{}".into(),
                ticket: "0".into(),
                delay_secs: 10,
                problem: Some("Δ".into()),
            },
        ),
    );
    page(
        "privacy",
        privacy(
            lang,
            &PrivacyPage {
                retention_days: 183,
                token_ttl_hours: 168,
                data_requests_per_day: 3,
            },
        ),
    );
    page("my-data", my_data(lang, &MyDataPage::default()));
    page(
        "my-data-error",
        my_data(
            lang,
            &MyDataPage {
                email: "",
                error: Some("Δ"),
                sent: false,
            },
        ),
    );
    page(
        "my-data-sent",
        my_data(
            lang,
            &MyDataPage {
                sent: true,
                ..Default::default()
            },
        ),
    );
    for state in [
        WithdrawState::Ready,
        WithdrawState::Withdrawn,
        WithdrawState::AlreadyWithdrawn,
    ] {
        page(
            "withdraw",
            withdraw(
                lang,
                &WithdrawPage {
                    letter_title: T,
                    letter_slug: "x1",
                    token: "0",
                    state,
                    count_lag_secs: 1,
                },
            ),
        );
    }
    page(
        "versions",
        versions(
            lang,
            &VersionsPage {
                slug: "x1".into(),
                title: T.into(),
                language: "el".into(),
                versions: vec![
                    VersionRow {
                        number: 1,
                        created_on: "1.1.2026".into(),
                        signatures: 1,
                    },
                    VersionRow {
                        number: 2,
                        created_on: "2.1.2026".into(),
                        signatures: 1_000,
                    },
                ],
            },
        ),
    );
    let pieces = |tag| {
        vec![DiffPiece {
            tag,
            text: T.into(),
        }]
    };
    page(
        "version",
        version(
            lang,
            &VersionPage {
                slug: "x1".into(),
                number: 2,
                latest: 3,
                created_on: "1.1.2026".into(),
                title: T.into(),
                summary: T.into(),
                language: "el".into(),
                body_html: "<p>Ωμέγα</p>".into(),
                signatures: 2,
                diff: Some(VersionDiff {
                    title: pieces(DiffTag::Added),
                    summary: pieces(DiffTag::Removed),
                    body: pieces(DiffTag::Same),
                }),
            },
        ),
    );
    let mut emails = vec![];
    for kind in [SignerKind::Individual, SignerKind::Organisation] {
        emails.push(confirmation_email(
            lang,
            &ConfirmationEmail {
                letter_title: T,
                confirm_url: URL,
                letter_url: URL,
                expires_in_days: 7,
                kind,
            },
        ));
    }
    emails.push(already_signed_email(
        lang,
        &AlreadySignedEmail {
            letter_title: T,
            letter_url: URL,
        },
    ));
    for organisation_name in [NAME, ""] {
        let review = ReviewEmail {
            signer_name: NAME,
            organisation_name,
            letter_title: T,
            letter_url: URL,
        };
        emails.push(approval_email(lang, &review));
        emails.push(rejection_email(lang, &review, T));
    }
    emails.push(data_request_email(
        lang,
        &[DataRow {
            letter_title: T.into(),
            letter_url: URL.into(),
            fields: vec![("Δ", String::new()), ("Δ", T.into())],
        }],
        true,
    ));
    let last = emails.pop().unwrap();
    emails.push(with_withdraw_link(lang, last, URL));
    let last = emails.pop().unwrap();
    emails.push(crate::with_proof_link(lang, last, URL));
    let targets = vec![T.to_owned()];
    let files = ["0".to_owned()];
    for (summary, root, attachments) in [(T, Some("00"), &files[..]), ("", None, &[][..])] {
        emails.push(crate::delivery_email(
            lang,
            &crate::DeliveryEmail {
                target_name: T,
                letter_title: T,
                summary,
                body_markdown: T,
                body_html: "<p>Ωμέγα</p>",
                targets: &targets,
                dated: "1.1.2026",
                version: 2,
                individuals: 1,
                organisations: 2,
                list_root: root,
                letter_url: URL,
                receipt_url: URL,
                attachments,
            },
        ));
    }
    for (root, proof) in [(Some("00"), Some(URL)), (None, None)] {
        emails.push(crate::delivered_notice(
            lang,
            &crate::DeliveredNotice {
                signer_name: NAME,
                letter_title: T,
                targets: &targets,
                dated: "1.1.2026",
                individuals: 1,
                organisations: 2,
                list_root: root,
                receipt_url: URL,
                proof_url: proof,
            },
        ));
    }
    for (i, e) in emails.into_iter().enumerate() {
        out.push((format!("email-{i}-subject"), e.subject));
        out.push((format!("email-{i}-text"), e.text));
        out.push((format!("email-{i}-html"), e.html));
    }
    out
}

/// The words a reader sees or hears: text between tags (not inside `<script>`) and the
/// attributes that are read out or shown.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let close = open + rest[open..].find('>').unwrap_or(rest.len() - open - 1);
        let tag = &rest[open..=close];
        for attribute in [
            "aria-label=\"",
            "content=\"",
            "alt=\"",
            "title=\"",
            "data-msg-",
        ] {
            let mut t = tag;
            while let Some(at) = t.find(attribute) {
                let after = &t[at + attribute.len()..];
                let value_at = after
                    .find('"')
                    .map_or(0, |q| if attribute == "data-msg-" { q + 1 } else { 0 });
                let value = &after[value_at..];
                let end = value.find('"').unwrap_or(value.len());
                // `content` of the charset/viewport/referrer metas is not text.
                if !tag.starts_with("<meta name=\"viewport\"")
                    && !tag.starts_with("<meta name=\"referrer\"")
                    && !tag.starts_with("<meta name=\"color-scheme\"")
                {
                    text.push(' ');
                    text.push_str(&value[..end]);
                }
                t = &value[end..];
            }
        }
        rest = &rest[close + 1..];
        if tag.starts_with("<script") {
            let end = rest.find("</script>").unwrap_or(rest.len());
            rest = &rest[end..];
        }
    }
    text.push_str(rest);
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// ASCII words left in `text` once the data and the deliberate exceptions are taken out:
/// the site's name, the languages' own names in the switcher, the addresses given, and the
/// command line of the offline verifier with the word it prints, and a robots directive
/// (not translatable).
fn plain_words(text: &str) -> Vec<String> {
    let mut text = text.to_owned();
    let names: Vec<&str> = LANGUAGES.iter().map(|l| l.name).collect();
    // The robots directive of the embed widget's meta tag is for crawlers, not readers.
    let command = [
        "undersigned verify",
        "proof.json",
        "--root",
        "verified",
        "noindex",
    ];
    for data in command
        .into_iter()
        .chain([URL, "https://x.test/", "x.test", "Markdown", SITE_NAME])
        .chain(names)
    {
        text = text.replace(data, " ");
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_word_of_any_page_or_email_is_left_outside_the_bundles() {
    for tag in ["en-XA", "ar-XB"] {
        let lang = Lang::get(tag).unwrap();
        for (name, output) in everything(&lang) {
            let text = if name.ends_with("-text") || name.ends_with("-subject") {
                output.clone()
            } else {
                visible_text(&output)
            };
            let left = plain_words(&text);
            assert!(
                left.is_empty(),
                "{tag} {name}: words not from a bundle: {left:?}\n{text}"
            );
        }
    }
}

#[test]
fn the_check_would_catch_a_word_written_in_a_view() {
    let lang = Lang::get("en-XA").unwrap();
    let page = crate::layout::layout(
        &crate::layout::Page {
            title: "Ţîţļé",
            lang: &lang,
            description: None,
        },
        maud::html! { p { "Hard-coded" } },
    );
    assert_eq!(
        plain_words(&visible_text(&page.into_string())),
        ["Hard", "coded"]
    );
}

#[test]
fn pages_carry_their_language_and_direction() {
    let rtl = Lang::get("ar-XB").unwrap();
    let html = home(&rtl, &[]).into_string();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"ar-XB\" dir=\"rtl\">"));
    let fr = Lang::get("fr").unwrap();
    let html = home(&fr, &[]).into_string();
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"fr\" dir=\"ltr\">"));
    assert!(html.contains("Lettres ouvertes"));
    // The switcher names each language in itself and links back to the page.
    let html = home(&fr.clone().at("/letters/a b"), &[]).into_string();
    assert!(html.contains("href=\"/language?set=en&amp;back=%2Fletters%2Fa%20b\""));
    assert!(html.contains("<span aria-current=\"true\" lang=\"fr\" dir=\"ltr\">Français</span>"));
    let email = confirmation_email(
        &rtl,
        &ConfirmationEmail {
            letter_title: T,
            confirm_url: URL,
            letter_url: URL,
            expires_in_days: 7,
            kind: SignerKind::Individual,
        },
    );
    assert!(email.html.contains("<html lang=\"ar-XB\" dir=\"rtl\">"));
}

#[test]
fn a_translated_letter_says_the_original_is_authoritative() {
    let fr = Lang::get("fr").unwrap();
    let html = letter(&fr, &pseudo_letter(LetterStatus::Open)).into_string();
    assert!(html.contains("Vous lisez une traduction"), "{html}");
    assert!(html.contains("href=\"/letters/x1?text=original\" hreflang=\"az\""));
    // The forms say which translation they were shown with.
    assert!(html.contains("name=\"text_language\" value=\"fr\""));
    let mut original = pseudo_letter(LetterStatus::Open);
    original.translation = None;
    let html = letter(&fr, &original).into_string();
    assert!(!html.contains("text_language"));
}
