//! The development mailbox, which shows outgoing emails when no SMTP server is configured, and its linkifier.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::path_segment;

/// One stored outgoing email.
#[derive(Clone, Debug)]
pub struct MailboxMessage {
    pub id: String,
    pub subject: String,
    pub to: String,
    /// Already formatted for display.
    pub date: String,
    pub text_body: String,
}

/// A run of plain text, or a URL to turn into a link.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// Length of the `http://` or `https://` prefix at the start of `b`, in any letter case.
fn scheme_len(b: &[u8]) -> Option<usize> {
    if b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://") {
        Some(8)
    } else if b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://") {
        Some(7)
    } else {
        None
    }
}

/// Bytes that end a URL in running text. Non-ASCII bytes end it too, which also keeps
/// every slice on a character boundary.
fn ends_url(b: u8) -> bool {
    !b.is_ascii_graphic() || matches!(b, b'<' | b'>' | b'"' | b'`')
}

/// Drops punctuation that ends a sentence rather than the URL, such as the full stop in
/// "see https://example.org." or the bracket in "(https://example.org)".
fn trim_trailing(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(&last) = url.as_bytes().last() else {
            return url;
        };
        let unbalanced =
            |open: char, close: char| url.matches(close).count() > url.matches(open).count();
        let drop = match last {
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'\'' | b'*' => true,
            b')' => unbalanced('(', ')'),
            b']' => unbalanced('[', ']'),
            b'}' => unbalanced('{', '}'),
            _ => false,
        };
        if !drop {
            return url;
        }
        url = &url[..url.len() - 1];
    }
}

/// Splits text into plain runs and http(s) URLs.
pub(crate) fn split_links(text: &str) -> Vec<Segment<'_>> {
    let bytes = text.as_bytes();
    let mut segments = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Only at a word start, so "xhttp://" stays text; `i` is then on an ASCII byte,
        // hence a character boundary.
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word_start && let Some(scheme) = scheme_len(&bytes[i..]) {
            let end = bytes[i + scheme..]
                .iter()
                .position(|&b| ends_url(b))
                .map_or(bytes.len(), |p| i + scheme + p);
            let url = trim_trailing(&text[i..end]);
            if url.len() > scheme {
                if text_start < i {
                    segments.push(Segment::Text(&text[text_start..i]));
                }
                segments.push(Segment::Link(url));
                i += url.len();
                text_start = i;
                continue;
            }
        }
        i += 1;
    }
    if text_start < bytes.len() {
        segments.push(Segment::Text(&text[text_start..]));
    }
    segments
}

/// Escapes `text` and turns its http(s) URLs into links.
pub(crate) fn linkify(text: &str) -> Markup {
    html! {
        @for segment in split_links(text) {
            @match segment {
                Segment::Text(t) => (t),
                Segment::Link(url) => a href=(url) { (url) },
            }
        }
    }
}

/// The development mailbox page; messages are shown in the order given, which should be newest first.
pub fn dev_mailbox(messages: &[MailboxMessage]) -> Markup {
    let body = html! {
        h1 { "Development mailbox" }
        p.notice {
            "This mailbox exists only because no SMTP server is configured. "
            "Emails are kept here instead of being sent; it is never available once SMTP is set up."
        }
        @if messages.is_empty() {
            p.empty { "No emails yet." }
        } @else {
            p { (messages.len()) @if messages.len() == 1 { " email" } @else { " emails" } ", newest first." }
            @for m in messages {
                @let anchor = format!("message-{}", path_segment(&m.id));
                article.mail-message id=(anchor) aria-labelledby=(format!("{anchor}-subject")) {
                    h2 id=(format!("{anchor}-subject")) { (m.subject) }
                    dl.mail-headers {
                        dt { "To" } dd { (m.to) }
                        dt { "Date" } dd { (m.date) }
                    }
                    pre.mail-body { (linkify(&m.text_body)) }
                }
            }
        }
    };
    layout(
        &Page {
            title: "Development mailbox",
            lang: &crate::i18n::Lang::english(),
            description: None,
        },
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls_from_text() {
        assert_eq!(
            split_links("Open https://x.org/confirm/abc. Thanks"),
            vec![
                Segment::Text("Open "),
                Segment::Link("https://x.org/confirm/abc"),
                Segment::Text(". Thanks"),
            ]
        );
        assert_eq!(
            split_links("(see http://a.b/c_(d)) é"),
            vec![
                Segment::Text("(see "),
                Segment::Link("http://a.b/c_(d)"),
                Segment::Text(") é"),
            ]
        );
        assert_eq!(
            split_links("é https://ü.example"),
            vec![Segment::Text("é https://ü.example")]
        );
        assert_eq!(
            split_links("xhttp://a.b"),
            vec![Segment::Text("xhttp://a.b")]
        );
        assert_eq!(
            split_links("https:// alone"),
            vec![Segment::Text("https:// alone")]
        );
        assert_eq!(split_links(""), vec![]);
        assert_eq!(
            split_links("line\nHTTPS://A.B/x\n"),
            vec![
                Segment::Text("line\n"),
                Segment::Link("HTTPS://A.B/x"),
                Segment::Text("\n"),
            ]
        );
    }

    #[test]
    fn linkify_escapes_and_links() {
        let out = linkify(
            "<b>hi</b> & https://example.org/a?b=1&c=2\"><script>x</script> javascript:alert(1)",
        )
        .into_string();
        assert_eq!(
            out,
            "&lt;b&gt;hi&lt;/b&gt; &amp; \
             <a href=\"https://example.org/a?b=1&amp;c=2\">https://example.org/a?b=1&amp;c=2</a>\
             &quot;&gt;&lt;script&gt;x&lt;/script&gt; javascript:alert(1)"
        );
    }
}
