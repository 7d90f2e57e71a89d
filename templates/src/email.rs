//! Outgoing emails (confirmation, already signed, an organisation approved or rejected), each as a subject, a plain-text body and a self-contained HTML body.

use maud::{DOCTYPE, Markup, html};

use crate::i18n::Lang;
use crate::layout::SITE_NAME;
use crate::sign_form::SignerKind;

/// A rendered email, ready for the mailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The email that asks a signer to confirm.
///
/// It goes to an address nobody has confirmed yet, so it holds no text the signer typed
/// (no name, no organisation): otherwise anyone could send their own words, phishing
/// included, from the service's domain to any address. Only staff-written text (the
/// letter's title) and our own links appear.
#[derive(Clone, Copy, Debug)]
pub struct ConfirmationEmail<'a> {
    pub letter_title: &'a str,
    /// Leads to the page with the "Confirm my signature" button.
    pub confirm_url: &'a str,
    pub letter_url: &'a str,
    pub expires_in_days: u32,
    pub kind: SignerKind,
}

/// The email sent when an address that has already signed tries again. Whoever typed the
/// address this time may not own it, so like [`ConfirmationEmail`] it holds no signer text.
#[derive(Clone, Copy, Debug)]
pub struct AlreadySignedEmail<'a> {
    pub letter_title: &'a str,
    pub letter_url: &'a str,
}

/// Plain-text lines stay below this many characters (the limit is 78; this leaves room for quoting).
pub(crate) const WRAP_WIDTH: usize = 72;

/// Collapses all whitespace, including line breaks, to single spaces.
///
/// User text ends up in the subject header and in wrapped paragraphs; a stray
/// newline must never start a header or break the layout.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Greedy word wrap; a word longer than the width gets a line of its own.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / width.max(1));
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let word_len = word.chars().count();
        if line_len > 0 && line_len + 1 + word_len > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word_len;
    }
    out
}

/// Builds a plain-text body paragraph by paragraph.
pub(crate) struct PlainText(pub(crate) String);

impl PlainText {
    pub(crate) fn new() -> Self {
        PlainText(String::new())
    }

    pub(crate) fn paragraph(&mut self, text: &str) {
        self.0.push_str(&wrap(text, WRAP_WIDTH));
        self.0.push_str("\n\n");
    }

    /// A short line introducing a URL, then the URL alone on the next line so that
    /// mail programs can recognise it and it never gets wrapped.
    pub(crate) fn link(&mut self, intro: &str, url: &str) {
        self.0.push_str(&wrap(intro, WRAP_WIDTH));
        self.0.push('\n');
        self.0.push_str(&url.split_whitespace().collect::<String>());
        self.0.push_str("\n\n");
    }

    pub(crate) fn finish(mut self) -> String {
        // "-- " followed by a newline is the standard signature separator.
        self.0.push_str("-- \n");
        self.0.push_str(SITE_NAME);
        self.0.push('\n');
        self.0
    }
}

/// "Hello Ana," or, without a name, the plain "Hello," (which emails to addresses nobody
/// has confirmed always use: no signer text in them).
pub(crate) fn greeting(lang: &Lang, name: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        lang.t("email-hello")
    } else {
        lang.ta("email-hello-name", &[("name", name.into())])
    }
}

/// The letter's title in the language's quotation marks, on one line.
pub(crate) fn quoted(lang: &Lang, title: &str) -> String {
    lang.ta("email-quoted", &[("title", one_line(title).into())])
}

/// When the confirmation link stops working.
fn expiry_sentence(lang: &Lang, days: u32) -> String {
    match days {
        0 => lang.t("email-expires-today"),
        n => lang.counted("email-expires-days", u64::from(n)),
    }
}

// Inline styles only: many mail programs drop <style> blocks and never load stylesheets.
const BODY_STYLE: &str = "margin:0;padding:0;background-color:#f4f4f2;";
const CONTAINER_STYLE: &str = "max-width:600px;margin:0 auto;padding:24px;background-color:#ffffff;\
     color:#1b1b1b;font-family:Georgia,'Times New Roman',serif;font-size:17px;line-height:1.5;";
const BRAND_STYLE: &str = "margin:0 0 16px;font-family:Arial,Helvetica,sans-serif;font-size:15px;\
     font-weight:bold;letter-spacing:0.04em;color:#12365e;";
const H1_STYLE: &str = "margin:0 0 16px;font-size:24px;line-height:1.25;color:#1b1b1b;";
pub(crate) const P_STYLE: &str = "margin:0 0 16px;";
pub(crate) const SMALL_STYLE: &str = "margin:0 0 16px;font-size:15px;color:#4b4b4b;";
pub(crate) const LINK_STYLE: &str = "color:#1a4f8b;word-break:break-all;";
const BUTTON_STYLE: &str = "display:inline-block;padding:12px 20px;background-color:#12365e;\
     color:#ffffff;font-family:Arial,Helvetica,sans-serif;font-weight:bold;\
     text-decoration:none;border-radius:4px;";

/// The HTML document shared by all emails.
pub(crate) fn html_document(lang: &Lang, subject: &str, heading: &str, content: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) dir=(lang.dir().as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (subject) }
            }
            body style=(BODY_STYLE) {
                div style=(CONTAINER_STYLE) {
                    p style=(BRAND_STYLE) { (SITE_NAME) }
                    h1 style=(H1_STYLE) { (heading) }
                    (content)
                    p style=(SMALL_STYLE) { "— " (SITE_NAME) }
                }
            }
        }
    }
    .into_string()
}

/// "Confirm your signature: {title}".
pub fn confirmation_email(lang: &Lang, e: &ConfirmationEmail<'_>) -> Email {
    let subject = lang.ta(
        "email-confirm-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let request_key = match e.kind {
        SignerKind::Individual => "email-confirm-request-individual",
        SignerKind::Organisation => "email-confirm-request-organisation",
    };
    let request = lang.ta(request_key, &[("title", title.as_str().into())]);
    let expiry = expiry_sentence(lang, e.expires_in_days);
    let counts = lang.t("email-confirm-counts");
    let greeting = lang.t("email-hello");
    let ignore = lang.t("email-ignore");

    let mut text = PlainText::new();
    text.paragraph(&greeting);
    text.paragraph(&request);
    text.link(&lang.t("email-confirm-open-link"), e.confirm_url);
    text.paragraph(&format!("{expiry} {counts}"));
    text.paragraph(&ignore);
    text.link(&lang.t("email-read-here"), e.letter_url);

    let html = html_document(
        lang,
        &subject,
        &lang.t("confirm-title"),
        html! {
            p style=(P_STYLE) { (greeting) }
            p style=(P_STYLE) {
                (lang.html(request_key, &[("title", html! { strong { (title) } })]))
            }
            p style=(P_STYLE) {
                a href=(e.confirm_url) style=(BUTTON_STYLE) { (lang.t("confirm-button")) }
            }
            p style=(SMALL_STYLE) {
                (lang.t("email-button-fallback")) br;
                a href=(e.confirm_url) style=(LINK_STYLE) { (e.confirm_url) }
            }
            p style=(P_STYLE) { (expiry) " " (counts) }
            p style=(P_STYLE) { (ignore) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { (lang.t("email-read-letter")) } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// "You have already signed: {title}".
pub fn already_signed_email(lang: &Lang, e: &AlreadySignedEmail<'_>) -> Email {
    let subject = lang.ta(
        "email-already-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let attempt = lang.ta("email-already-attempt", &[("title", title.as_str().into())]);
    let not_you = lang.t("email-already-not-you");
    let greeting = lang.t("email-hello");

    let mut text = PlainText::new();
    text.paragraph(&greeting);
    text.paragraph(&attempt);
    text.paragraph(&not_you);
    text.link(&lang.t("email-read-here"), e.letter_url);

    let html = html_document(
        lang,
        &subject,
        &lang.t("email-already-heading"),
        html! {
            p style=(P_STYLE) { (greeting) }
            p style=(P_STYLE) {
                (lang.html("email-already-attempt", &[("title", html! { strong { (title) } })]))
            }
            p style=(P_STYLE) { (not_you) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { (lang.t("email-read-letter")) } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// What the emails about staff's review of an organisation say.
#[derive(Clone, Copy, Debug)]
pub struct ReviewEmail<'a> {
    /// The contact person.
    pub signer_name: &'a str,
    pub organisation_name: &'a str,
    pub letter_title: &'a str,
    pub letter_url: &'a str,
}

fn organisation_words(lang: &Lang, name: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        lang.t("email-your-organisation")
    } else {
        name
    }
}

/// "Your organisation's signature is listed: {title}".
pub fn approval_email(lang: &Lang, e: &ReviewEmail<'_>) -> Email {
    let subject = lang.ta(
        "email-approved-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let org = organisation_words(lang, e.organisation_name);
    let news = lang.ta(
        "email-approved-news",
        &[
            ("organisation", org.as_str().into()),
            ("title", title.as_str().into()),
        ],
    );
    let thanks = lang.t("email-approved-thanks");

    let mut text = PlainText::new();
    text.paragraph(&greeting(lang, e.signer_name));
    text.paragraph(&news);
    text.paragraph(&thanks);
    text.link(&lang.t("email-read-signatories-here"), e.letter_url);

    let html = html_document(
        lang,
        &subject,
        &lang.t("email-approved-heading"),
        html! {
            p style=(P_STYLE) { (greeting(lang, e.signer_name)) }
            p style=(P_STYLE) {
                (lang.html("email-approved-news", &[
                    ("organisation", html! { strong { (org) } }),
                    ("title", html! { strong { (title) } }),
                ]))
            }
            p style=(P_STYLE) { (thanks) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { (lang.t("email-read-letter")) } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// "Your organisation's signature was not accepted: {title}", with staff's reason.
pub fn rejection_email(lang: &Lang, e: &ReviewEmail<'_>, reason: &str) -> Email {
    let subject = lang.ta(
        "email-rejected-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let org = organisation_words(lang, e.organisation_name);
    let news = lang.ta(
        "email-rejected-news",
        &[
            ("organisation", org.as_str().into()),
            ("title", title.as_str().into()),
        ],
    );
    let reply = lang.t("email-rejected-reply");
    let reason_intro = lang.t("email-rejected-reason");

    let mut text = PlainText::new();
    text.paragraph(&greeting(lang, e.signer_name));
    text.paragraph(&news);
    text.paragraph(&reason_intro);
    for paragraph in reason
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let quoted: Vec<String> = wrap(paragraph, WRAP_WIDTH - 2)
            .lines()
            .map(|l| format!("> {l}"))
            .collect();
        text.0.push_str(&quoted.join("\n"));
        text.0.push_str("\n\n");
    }
    text.paragraph(&reply);
    text.link(&lang.t("email-read-here"), e.letter_url);

    let html = html_document(
        lang,
        &subject,
        &lang.t("email-rejected-heading"),
        html! {
            p style=(P_STYLE) { (greeting(lang, e.signer_name)) }
            p style=(P_STYLE) {
                (lang.html("email-rejected-news", &[
                    ("organisation", html! { strong { (org) } }),
                    ("title", html! { strong { (title) } }),
                ]))
            }
            p style=(P_STYLE) { (reason_intro) }
            blockquote style="margin:0 0 16px;padding:0;padding-inline-start:12px;border-inline-start:4px solid #c9c9c4;" {
                @for paragraph in reason.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    p style=(P_STYLE) { (paragraph) }
                }
            }
            p style=(P_STYLE) { (reply) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { (lang.t("email-read-letter")) } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_carries_its_reason_escaped() {
        let e = rejection_email(
            &Lang::english(),
            &ReviewEmail {
                signer_name: "Ana",
                organisation_name: "Rights <b>Watch</b>",
                letter_title: "Free them",
                letter_url: "https://x.org/letters/a",
            },
            "Not an organisation <script>x</script>.\n\nSecond paragraph.",
        );
        assert!(e.text.contains("> Not an organisation <script>x</script>."));
        assert!(e.text.contains("> Second paragraph."));
        assert!(
            e.html
                .contains("Not an organisation &lt;script&gt;x&lt;/script&gt;.")
        );
        assert!(!e.html.contains("<script"));
        assert!(e.html.contains("Rights &lt;b&gt;Watch&lt;/b&gt;"));
        assert!(e.text.contains("https://x.org/letters/a"));
    }

    #[test]
    fn an_approval_names_the_organisation_and_the_letter() {
        let e = approval_email(
            &Lang::english(),
            &ReviewEmail {
                signer_name: "Ana",
                organisation_name: "Rights Watch",
                letter_title: "Free them",
                letter_url: "https://x.org/letters/a",
            },
        );
        assert_eq!(
            e.subject,
            "Your organisation's signature is listed: Free them"
        );
        assert!(e.text.contains("Rights Watch is now listed"));
        assert!(e.html.contains("https://x.org/letters/a"));
    }

    #[test]
    fn wrap_respects_width_and_long_words() {
        let long = "x".repeat(90);
        let wrapped = wrap(&format!("a b {long} c d"), 10);
        assert_eq!(wrapped, format!("a b\n{long}\nc d"));
        assert_eq!(wrap("  several\n spaces  here ", 72), "several spaces here");
        assert!(
            wrap(&"word ".repeat(100), 72)
                .lines()
                .all(|l| l.len() <= 72)
        );
    }

    #[test]
    fn subject_is_one_line() {
        let e = already_signed_email(
            &Lang::english(),
            &AlreadySignedEmail {
                letter_title: "Line one\r\nBcc: victim@example.org",
                letter_url: "https://x.org/letters/a",
            },
        );
        assert_eq!(
            e.subject,
            "You have already signed: Line one Bcc: victim@example.org"
        );
    }
}
