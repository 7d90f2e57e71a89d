//! Pages of the email confirmation flow: check your inbox, confirm, invalid or expired link, new link requested.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{
    HeadingLevel, SummaryItem, described_by, error_summary, field_error, letter_path, path_segment,
};

fn page(title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang: "en",
            description: None,
        },
        body,
    )
}

/// Shown after a signing form was accepted.
///
/// The wording fits both a new signature and an address that had already
/// signed, so the page does not reveal who has signed.
pub fn check_inbox(letter_title: &str, letter_slug: &str) -> Markup {
    let body = html! {
        h1 { "Check your inbox" }
        p {
            "We have sent an email to the address you gave. Open the link in it to confirm "
            "your signature on " q { (letter_title) } "."
        }
        p { "Your signature counts, and your name can appear, only once you have confirmed it." }
        p { "The link expires after a while, so please use it soon." }
        h2 { "Nothing arrived?" }
        ul {
            li { "Emails can take a few minutes to arrive." }
            li { "Check your spam or junk folder." }
            li { "If you mistyped your address, simply sign again with the right one." }
        }
        p { a href=(letter_path(letter_slug)) { "Back to the letter" } }
    };
    page("Check your inbox", body)
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
pub fn confirm(p: &ConfirmPage<'_>) -> Markup {
    confirm_with_proof(p, None)
}

/// The confirmation page, with the signer's proof link once the signature is listed.
pub fn confirm_with_proof(p: &ConfirmPage<'_>, proof_url: Option<&str>) -> Markup {
    let back = letter_path(p.letter_slug);
    match p.state {
        ConfirmState::Ready => page(
            "Confirm your signature",
            html! {
                h1 { "Confirm your signature" }
                p { "You are about to confirm your signature on the open letter " q { (p.letter_title) } "." }
                p {
                    "Once confirmed, your signature is counted and, if you chose so, your name is "
                    "listed with the letter."
                }
                form.confirm-form method="post" action=(format!("/confirm/{}", path_segment(p.token))) {
                    button.button type="submit" { "Confirm my signature" }
                }
                p.hint {
                    "We ask you to press the button because some email programs open links by "
                    "themselves to check them, and that must not sign anything."
                }
            },
        ),
        ConfirmState::Confirmed => page(
            "Signature confirmed",
            html! {
                h1 { "Thank you, your signature is confirmed" }
                p { "Your signature on " q { (p.letter_title) } " now counts." }
                @if let Some(url) = proof_url { (crate::proofs::proof_link_note(url)) }
                p { a href=(back) { "Back to the letter" } }
            },
        ),
        ConfirmState::AlreadyConfirmed => page(
            "Already confirmed",
            html! {
                h1 { "This signature is already confirmed" }
                p { "Your signature on " q { (p.letter_title) } " was confirmed earlier. There is nothing more to do." }
                @if let Some(url) = proof_url { (crate::proofs::proof_link_note(url)) }
                p { a href=(back) { "Back to the letter" } }
            },
        ),
        ConfirmState::Held => page(
            "Confirmed, waiting for review",
            html! {
                h1 { "Thank you, your email address is confirmed" }
                p {
                    "Your organisation's signature on " q { (p.letter_title) } " will be listed "
                    "and counted once our staff have reviewed it. We will email you when they have."
                }
                p { "There is nothing more to do for now." }
                p { a href=(back) { "Back to the letter" } }
            },
        ),
        ConfirmState::UnderReview => page(
            "Confirmed, under review",
            html! {
                h1 { "Thank you, your email address is confirmed" }
                p {
                    "Your signature on " q { (p.letter_title) } " is under review: it looks like "
                    "others made at the same time, so our staff check it before it is listed and "
                    "counted. This happens when many people sign from one network or one email "
                    "domain, or with very similar names."
                }
                p { "There is nothing more to do; if it is yours, it will be counted." }
                p { a href=(back) { "Back to the letter" } }
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
pub fn link_invalid(p: &LinkInvalidPage<'_>) -> Markup {
    let title = if p.expired {
        "This link has expired"
    } else {
        "This link is not valid"
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
            p { "Confirmation links work only for a limited time, and this one has run out. Your signature has not been confirmed." }
        } @else {
            p { "The link may have been copied incompletely, or a newer link has replaced it." }
        }
        p { "Enter the email address you signed with and we will send you a new link." }
        @if invalid {
            (error_summary("resend-errors", HeadingLevel::H2, "There is a problem", &summary))
        }
        form.resend-form method="post" action="/confirm/resend" novalidate {
            @if let Some(slug) = p.letter_slug {
                input type="hidden" name="letter" value=(slug);
            }
            div.field."field--invalid"[invalid] {
                label for=(EMAIL_ID) { "Email address" }
                (field_error(&error_id, &messages))
                input type="email" id=(EMAIL_ID) name="email" value=(p.email) autocomplete="email" required
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[describedby];
                p.hint id=(hint_id) { "We use it only to send the new link." }
            }
            button.button type="submit" { "Send me a new link" }
        }
    };
    page(title, body)
}

/// The answer to a request for a new link, identical whether or not the address has signed.
pub fn resend_requested() -> Markup {
    let body = html! {
        h1 { "Check your inbox" }
        p { "If that address has a signature waiting for confirmation, we have sent a new link to it." }
        p { "If nothing arrives within a few minutes, check your spam or junk folder." }
        p { a href="/" { "Back to the open letters" } }
    };
    page("Check your inbox", body)
}
