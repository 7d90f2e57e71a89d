//! Pages of the email confirmation flow: check your inbox, confirm, invalid or expired link, new link requested.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::{
    HeadingLevel, SummaryItem, described_by, error_summary, field_error_in, letter_path,
    path_segment,
};

fn page(lang: &Lang, title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang,
            description: None,
        },
        body,
    )
}

/// Shown after a signing form was accepted.
///
/// The wording fits both a new signature and an address that had already
/// signed, so the page does not reveal who has signed.
pub fn check_inbox(lang: &Lang, letter_title: &str, letter_slug: &str) -> Markup {
    let body = html! {
        h1 { (lang.t("check-inbox")) }
        p { (lang.html("check-inbox-sent", &[("title", html! { q { (letter_title) } })])) }
        p { (lang.t("check-inbox-counts")) }
        p { (lang.t("check-inbox-expires")) }
        h2 { (lang.t("nothing-arrived")) }
        ul {
            li { (lang.t("nothing-arrived-wait")) }
            li { (lang.t("nothing-arrived-junk")) }
            li { (lang.t("nothing-arrived-mistyped")) }
        }
        p { a href=(letter_path(letter_slug)) { (lang.t("back-to-letter")) } }
    };
    page(lang, &lang.t("check-inbox"), body)
}

/// Which confirmation page to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmState {
    /// The link is valid; ask for a button press.
    Ready,
    /// The button was pressed and the signature is now confirmed.
    Confirmed,
    /// The signature had been confirmed before.
    AlreadyConfirmed,
    /// The address is confirmed, and the organisation waits for staff to review it
    /// before it is listed and counted (shown again on later clicks).
    Held,
    /// The address is confirmed, and the signature is held for a review by staff (a
    /// quarantine rule matched) before it is listed and counted.
    UnderReview,
}

/// The page behind a confirmation link.
#[derive(Clone, Copy, Debug)]
pub struct ConfirmPage<'a> {
    pub letter_title: &'a str,
    pub letter_slug: &'a str,
    pub token: &'a str,
    pub state: ConfirmState,
}

/// The confirmation page.
///
/// Opening the link (a GET) only shows a button; the POST it sends does the
/// confirming. Mail scanners that fetch every link therefore cannot sign on
/// anyone's behalf.
pub fn confirm(lang: &Lang, p: &ConfirmPage<'_>) -> Markup {
    confirm_with_proof(lang, p, None)
}

/// The confirmation page, with the signer's proof link once the signature is listed.
pub fn confirm_with_proof(lang: &Lang, p: &ConfirmPage<'_>, proof_url: Option<&str>) -> Markup {
    let back = html! { p { a href=(letter_path(p.letter_slug)) { (lang.t("back-to-letter")) } } };
    let title = &[("title", html! { q { (p.letter_title) } })];
    match p.state {
        ConfirmState::Ready => page(
            lang,
            &lang.t("confirm-title"),
            html! {
                h1 { (lang.t("confirm-title")) }
                p { (lang.html("confirm-about-to", title)) }
                p { (lang.t("confirm-effect")) }
                form.confirm-form method="post" action=(format!("/confirm/{}", path_segment(p.token))) {
                    button.button type="submit" { (lang.t("confirm-button")) }
                }
                p.hint { (lang.t("confirm-why-button")) }
            },
        ),
        ConfirmState::Confirmed => page(
            lang,
            &lang.t("confirmed-title"),
            html! {
                h1 { (lang.t("confirmed-heading")) }
                p { (lang.html("confirmed-text", title)) }
                @if let Some(url) = proof_url { (crate::proofs::proof_link_note(lang, url)) }
                (back)
            },
        ),
        ConfirmState::AlreadyConfirmed => page(
            lang,
            &lang.t("already-confirmed-title"),
            html! {
                h1 { (lang.t("already-confirmed-heading")) }
                p { (lang.html("already-confirmed-text", title)) }
                @if let Some(url) = proof_url { (crate::proofs::proof_link_note(lang, url)) }
                (back)
            },
        ),
        ConfirmState::Held => page(
            lang,
            &lang.t("held-title"),
            html! {
                h1 { (lang.t("email-confirmed-heading")) }
                p { (lang.html("held-text", title)) }
                p { (lang.t("nothing-more-for-now")) }
                (back)
            },
        ),
        ConfirmState::UnderReview => page(
            lang,
            &lang.t("under-review-title"),
            html! {
                h1 { (lang.t("email-confirmed-heading")) }
                p { (lang.html("under-review-text", title)) }
                p { (lang.t("under-review-nothing")) }
                (back)
            },
        ),
    }
}

/// A confirmation link that cannot be used, with a form to ask for a new one.
#[derive(Clone, Copy, Debug)]
pub struct LinkInvalidPage<'a> {
    /// The link was real but is too old; otherwise it is unknown.
    pub expired: bool,
    /// Sent back as the hidden `letter` field when known.
    pub letter_slug: Option<&'a str>,
    /// Pre-fills the email field.
    pub email: &'a str,
    /// A problem with the email field from a previous attempt.
    pub error: Option<&'a str>,
}

/// The "This link has expired" / "This link is not valid" page.
pub fn link_invalid(lang: &Lang, p: &LinkInvalidPage<'_>) -> Markup {
    let title = if p.expired {
        lang.t("link-expired-title")
    } else {
        lang.t("link-invalid-title")
    };
    const EMAIL_ID: &str = "resend-email";
    let error_id = format!("{EMAIL_ID}-error");
    let hint_id = format!("{EMAIL_ID}-hint");
    let messages: Vec<&str> = p.error.into_iter().collect();
    let invalid = !messages.is_empty();
    let summary: Vec<SummaryItem<'_>> = messages
        .iter()
        .map(|m| SummaryItem {
            href: Some(format!("#{EMAIL_ID}")),
            message: m,
        })
        .collect();
    let describedby = described_by(&[Some(hint_id.as_str()), invalid.then_some(error_id.as_str())]);
    let body = html! {
        h1 { (title) }
        @if p.expired {
            p { (lang.t("link-expired-text")) }
        } @else {
            p { (lang.t("link-invalid-text")) }
        }
        p { (lang.t("link-new-intro")) }
        @if invalid {
            (error_summary("resend-errors", HeadingLevel::H2, &lang.t("there-is-a-problem"), &summary))
        }
        form.resend-form method="post" action="/confirm/resend" novalidate {
            @if let Some(slug) = p.letter_slug {
                input type="hidden" name="letter" value=(slug);
            }
            div.field."field--invalid"[invalid] {
                label for=(EMAIL_ID) { (lang.t("field-email")) }
                (field_error_in(lang, &error_id, &messages))
                input type="email" id=(EMAIL_ID) name="email" value=(p.email) autocomplete="email" required
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
                p.hint id=(hint_id) { (lang.t("link-new-hint")) }
            }
            button.button type="submit" { (lang.t("link-new-button")) }
        }
    };
    page(lang, &title, body)
}

/// The answer to a request for a new link, identical whether or not the address has signed.
pub fn resend_requested(lang: &Lang) -> Markup {
    let body = html! {
        h1 { (lang.t("check-inbox")) }
        p { (lang.t("resend-sent")) }
        p { (lang.t("nothing-arrived-spam")) }
        p { a href="/" { (lang.t("back-to-letters")) } }
    };
    page(lang, &lang.t("check-inbox"), body)
}
