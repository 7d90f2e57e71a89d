//! Outgoing emails (confirmation, already signed, an organisation approved or rejected), each as a subject, a plain-text body and a self-contained HTML body.

use maud::{DOCTYPE, Markup, html};

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

/// The greeting of emails to addresses nobody has confirmed: no name in it.
const GENERIC_GREETING: &str = "Hello,";

pub(crate) fn greeting(name: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {name},")
    }
}

pub(crate) fn quoted(title: &str) -> String {
    format!("“{}”", one_line(title))
}

fn expiry_sentence(days: u32) -> String {
    match days {
        0 => "The link expires within a day.".to_owned(),
        1 => "The link expires in 1 day.".to_owned(),
        n => format!("The link expires in {n} days."),
    }
}

const IGNORE_SENTENCE: &str =
    "If you did not sign, ignore this email; nothing is published without confirmation.";

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
pub(crate) fn html_document(subject: &str, heading: &str, content: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
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
pub fn confirmation_email(e: &ConfirmationEmail<'_>) -> Email {
    let subject = format!("Confirm your signature: {}", one_line(e.letter_title));
    let title = quoted(e.letter_title);
    let capacity = match e.kind {
        SignerKind::Individual => "as an individual",
        SignerKind::Organisation => "on behalf of an organisation",
    };
    let request = format!(
        "We received a request to sign the open letter {title} {capacity}, \
         using this email address."
    );
    let expiry = expiry_sentence(e.expires_in_days);

    let mut text = PlainText::new();
    text.paragraph(GENERIC_GREETING);
    text.paragraph(&request);
    text.link("To confirm your signature, open this link:", e.confirm_url);
    text.paragraph(&format!(
        "{expiry} Your signature counts only once you have confirmed it."
    ));
    text.paragraph(IGNORE_SENTENCE);
    text.link("You can read the letter here:", e.letter_url);

    let html = html_document(
        &subject,
        "Confirm your signature",
        html! {
            p style=(P_STYLE) { (GENERIC_GREETING) }
            p style=(P_STYLE) {
                "We received a request to sign the open letter "
                strong { (title) } " " (capacity) ", using this email address."
            }
            p style=(P_STYLE) {
                a href=(e.confirm_url) style=(BUTTON_STYLE) { "Confirm my signature" }
            }
            p style=(SMALL_STYLE) {
                "If the button does not work, copy this link into your browser:" br;
                a href=(e.confirm_url) style=(LINK_STYLE) { (e.confirm_url) }
            }
            p style=(P_STYLE) { (expiry) " Your signature counts only once you have confirmed it." }
            p style=(P_STYLE) { (IGNORE_SENTENCE) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { "Read the letter" } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// "You have already signed: {title}".
pub fn already_signed_email(e: &AlreadySignedEmail<'_>) -> Email {
    let subject = format!("You have already signed: {}", one_line(e.letter_title));
    let title = quoted(e.letter_title);
    let attempt = format!(
        "Someone, probably you, just tried to sign the open letter {title} again \
         with this email address. You have already signed it, so there is nothing to do."
    );
    const NOT_YOU: &str = "If it was not you, you can ignore this email: no new signature \
         was added and nothing has changed.";

    let mut text = PlainText::new();
    text.paragraph(GENERIC_GREETING);
    text.paragraph(&attempt);
    text.paragraph(NOT_YOU);
    text.link("You can read the letter here:", e.letter_url);

    let html = html_document(
        &subject,
        "You have already signed",
        html! {
            p style=(P_STYLE) { (GENERIC_GREETING) }
            p style=(P_STYLE) {
                "Someone, probably you, just tried to sign the open letter "
                strong { (title) }
                " again with this email address. You have already signed it, so there is nothing to do."
            }
            p style=(P_STYLE) { (NOT_YOU) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { "Read the letter" } }
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

fn organisation_words(name: &str) -> String {
    let name = one_line(name);
    if name.is_empty() {
        "your organisation".to_owned()
    } else {
        name
    }
}

/// "Your organisation's signature is listed: {title}".
pub fn approval_email(e: &ReviewEmail<'_>) -> Email {
    let subject = format!(
        "Your organisation's signature is listed: {}",
        one_line(e.letter_title)
    );
    let title = quoted(e.letter_title);
    let org = organisation_words(e.organisation_name);
    let news = format!(
        "Our staff have reviewed the signature of {org} on the open letter {title}. \
         It is approved: {org} is now listed among the signatories and counted."
    );
    const THANKS: &str = "Thank you for signing.";

    let mut text = PlainText::new();
    text.paragraph(&greeting(e.signer_name));
    text.paragraph(&news);
    text.paragraph(THANKS);
    text.link(
        "You can read the letter and its signatories here:",
        e.letter_url,
    );

    let html = html_document(
        &subject,
        "Your organisation's signature is listed",
        html! {
            p style=(P_STYLE) { (greeting(e.signer_name)) }
            p style=(P_STYLE) {
                "Our staff have reviewed the signature of " strong { (org) }
                " on the open letter " strong { (title) } ". It is approved: "
                (org) " is now listed among the signatories and counted."
            }
            p style=(P_STYLE) { (THANKS) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { "Read the letter" } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// "Your organisation's signature was not accepted: {title}", with staff's reason.
pub fn rejection_email(e: &ReviewEmail<'_>, reason: &str) -> Email {
    let subject = format!(
        "Your organisation's signature was not accepted: {}",
        one_line(e.letter_title)
    );
    let title = quoted(e.letter_title);
    let org = organisation_words(e.organisation_name);
    let news = format!(
        "Our staff have reviewed the signature of {org} on the open letter {title} \
         and could not accept it, so it will not be listed or counted."
    );
    const REPLY: &str = "If you think this is a mistake, please reply to this email.";

    let mut text = PlainText::new();
    text.paragraph(&greeting(e.signer_name));
    text.paragraph(&news);
    text.paragraph("The reason they gave:");
    // The reason keeps its own paragraphs, each wrapped and indented as a quotation.
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
    text.paragraph(REPLY);
    text.link("You can read the letter here:", e.letter_url);

    let html = html_document(
        &subject,
        "Your organisation's signature was not accepted",
        html! {
            p style=(P_STYLE) { (greeting(e.signer_name)) }
            p style=(P_STYLE) {
                "Our staff have reviewed the signature of " strong { (org) }
                " on the open letter " strong { (title) }
                " and could not accept it, so it will not be listed or counted."
            }
            p style=(P_STYLE) { "The reason they gave:" }
            blockquote style="margin:0 0 16px;padding:0 0 0 12px;border-left:4px solid #c9c9c4;" {
                @for paragraph in reason.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    p style=(P_STYLE) { (paragraph) }
                }
            }
            p style=(P_STYLE) { (REPLY) }
            p style=(P_STYLE) { a href=(e.letter_url) style=(LINK_STYLE) { "Read the letter" } }
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
        let e = approval_email(&ReviewEmail {
            signer_name: "Ana",
            organisation_name: "Rights Watch",
            letter_title: "Free them",
            letter_url: "https://x.org/letters/a",
        });
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
        let e = already_signed_email(&AlreadySignedEmail {
            letter_title: "Line one\r\nBcc: victim@example.org",
            letter_url: "https://x.org/letters/a",
        });
        assert_eq!(
            e.subject,
            "You have already signed: Line one Bcc: victim@example.org"
        );
    }
}
