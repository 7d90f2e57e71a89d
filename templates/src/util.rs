//! Small helpers shared by the views: URL building, number formatting and the error summary box.

use maud::{Markup, html};

use crate::i18n::Lang;

/// Percent-encodes one URL path segment.
///
/// Slugs and tokens come from the app and should already be URL-safe, but
/// encoding here means a surprising value can never escape its segment
/// (for example a `/` or `?` turning a token into another route).
pub(crate) fn path_segment(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Percent-encodes a value for a URL query (everything but unreserved characters).
pub(crate) fn query_value(s: &str) -> String {
    path_segment(s)
}

/// Path of a letter page.
pub(crate) fn letter_path(slug: &str) -> String {
    format!("/letters/{}", path_segment(slug))
}

/// Path of the list of a letter's versions.
pub(crate) fn versions_path(slug: &str) -> String {
    format!("/letters/{}/versions", path_segment(slug))
}

/// Path of one version of a letter's text.
pub(crate) fn version_path(slug: &str, number: u32) -> String {
    format!("/letters/{}/versions/{number}", path_segment(slug))
}

/// Path every signing form posts to.
pub(crate) fn sign_path(slug: &str) -> String {
    format!("/letters/{}/sign", path_segment(slug))
}

/// Formats a count with thousands separators ("12,345"), matching the English interface.
pub(crate) fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 signature", "2,000 signatures".
pub(crate) fn count_noun(n: u64, singular: &str, plural: &str) -> String {
    let noun = if n == 1 { singular } else { plural };
    format!("{} {noun}", format_count(n))
}

/// `Some(s)` unless `s` is empty or only whitespace, so optional details never render as blanks.
pub(crate) fn non_blank(s: &str) -> Option<&str> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(t) }
}

/// One line of an error summary: the message, and the `#id` of the field it is about when known.
pub(crate) struct SummaryItem<'a> {
    pub(crate) href: Option<String>,
    pub(crate) message: &'a str,
}

/// Heading level of an error summary, so it fits the outline of the page it sits in.
#[derive(Clone, Copy)]
pub(crate) enum HeadingLevel {
    H2,
    H4,
}

/// The box at the top of a form that lists every problem and links to each field.
///
/// `role="alert"` makes screen readers announce it when the page with errors
/// loads; the links move focus straight to the field to fix.
pub(crate) fn error_summary(
    id: &str,
    level: HeadingLevel,
    title: &str,
    items: &[SummaryItem<'_>],
) -> Markup {
    let heading_id = format!("{id}-title");
    html! {
        div.error-summary id=(id) role="alert" aria-labelledby=(heading_id) tabindex="-1" {
            @match level {
                HeadingLevel::H2 => h2.error-summary-title id=(heading_id) { (title) },
                HeadingLevel::H4 => h4.error-summary-title id=(heading_id) { (title) },
            }
            ul {
                @for item in items {
                    li {
                        @if let Some(href) = &item.href {
                            a href=(href) { (item.message) }
                        } @else {
                            (item.message)
                        }
                    }
                }
            }
        }
    }
}

/// The inline message shown next to a field; the "Error:" prefix is for screen readers,
/// since colour alone does not say that something is wrong.
pub(crate) fn field_error(id: &str, messages: &[&str]) -> Markup {
    field_error_in(&Lang::english(), id, messages)
}

/// [`field_error`] with its prefix in the page's language.
pub(crate) fn field_error_in(lang: &Lang, id: &str, messages: &[&str]) -> Markup {
    html! {
        @if !messages.is_empty() {
            p.field-error id=(id) {
                span.visually-hidden { (lang.t("error-prefix")) }
                @for (i, message) in messages.iter().enumerate() {
                    @if i > 0 { " " }
                    (message)
                }
            }
        }
    }
}

/// Joins the ids an input should be described by, or `None` when there are none.
pub(crate) fn described_by(ids: &[Option<&str>]) -> Option<String> {
    let ids: Vec<&str> = ids.iter().flatten().copied().collect();
    if ids.is_empty() {
        None
    } else {
        Some(ids.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("eu-appeal_2025"), "eu-appeal_2025");
        assert_eq!(path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(letter_path("x\"y"), "/letters/x%22y");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1234567), "1,234,567");
        assert_eq!(count_noun(1, "signature", "signatures"), "1 signature");
        assert_eq!(
            count_noun(2000, "signature", "signatures"),
            "2,000 signatures"
        );
    }
}
