//! The error page used for 404, 422, 429, 500 and 503 responses.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::non_blank;

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
pub fn error(lang: &Lang, p: &ErrorPage<'_>) -> Markup {
    let body = html! {
        p.error-code { (lang.ta("error-code", &[("status", p.status.to_string().into())])) }
        h1 { (p.title) }
        @if let Some(message) = non_blank(p.message) {
            p { (message) }
        }
        @if let Some(secs) = p.retry_after_secs {
            p { (lang.counted("error-wait-seconds", secs)) }
        } @else if p.status == 429 {
            p { (lang.t("error-wait-moment")) }
        }
        @if let Some(id) = p.request_id.and_then(non_blank) {
            p.reference {
                (lang.html("error-reference", &[("reference", html! { code { (id) } })]))
            }
        }
        p { a href="/" { (lang.t("error-home-link")) } }
    };
    layout(
        &Page {
            title: p.title,
            lang,
            description: None,
        },
        body,
    )
}
