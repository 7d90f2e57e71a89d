//! The error page used for 404, 422, 429, 500 and 503 responses.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{count_noun, non_blank};

/// What went wrong, in words for the visitor.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage<'a> {
    /// HTTP status code, shown as a small label.
    pub status: u16,
    pub title: &'a str,
    pub message: &'a str,
    /// Shown so that a visitor can quote it and the logs can be searched for it.
    pub request_id: Option<&'a str>,
    /// From the Retry-After header, for 429 and 503.
    pub retry_after_secs: Option<u64>,
}

/// The error page.
pub fn error(p: &ErrorPage<'_>) -> Markup {
    let body = html! {
        p.error-code { "Error " (p.status) }
        h1 { (p.title) }
        @if let Some(message) = non_blank(p.message) {
            p { (message) }
        }
        @if let Some(secs) = p.retry_after_secs {
            p { "Please wait " (count_noun(secs, "second", "seconds")) " and try again." }
        } @else if p.status == 429 {
            p { "Please wait a moment and try again." }
        }
        @if let Some(id) = p.request_id.and_then(non_blank) {
            p.reference {
                "If you contact us about this, please quote this reference: "
                code { (id) }
            }
        }
        p { a href="/" { "Go to the list of open letters" } }
    };
    layout(
        &Page {
            title: p.title,
            lang: "en",
            description: None,
        },
        body,
    )
}
