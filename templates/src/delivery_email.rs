//! The emails of a delivery: the letter itself to each target (its text in the body, the
//! list of signatories attached), and the notice to signers who asked to hear about it.

use maud::{PreEscaped, html};

use crate::email::{
    Email, LINK_STYLE, P_STYLE, PlainText, SMALL_STYLE, WRAP_WIDTH, greeting, html_document,
    one_line, quoted, wrap,
};
use crate::i18n::Lang;

/// The letter as it goes to one target.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryEmail<'a> {
    /// The institution this copy goes to.
    pub target_name: &'a str,
    pub letter_title: &'a str,
    pub summary: &'a str,
    /// The delivered version's text as written (Markdown reads well as plain text).
    pub body_markdown: &'a str,
    /// The same text rendered and sanitised by the caller; the one HTML not escaped here.
    pub body_html: &'a str,
    /// Every institution the delivery goes to, in order.
    pub targets: &'a [String],
    /// The day it was delivered, formatted.
    pub dated: &'a str,
    pub version: i32,
    pub individuals: i64,
    pub organisations: i64,
    pub list_root: Option<&'a str>,
    pub letter_url: &'a str,
    pub receipt_url: &'a str,
    /// The names of the attached files.
    pub attachments: &'a [String],
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn signatures_sentence(lang: &Lang, individuals: i64, organisations: i64) -> String {
    lang.ta(
        "delivery-signed-by",
        &[
            (
                "organisations",
                lang.counted("receipt-organisations", count(organisations))
                    .into(),
            ),
            (
                "individuals",
                lang.counted("receipt-individuals", count(individuals))
                    .into(),
            ),
        ],
    )
}

fn root_sentence(lang: &Lang, root: &str) -> String {
    lang.ta("delivery-root", &[("root", root.into())])
}

/// The email that carries the letter to one target, written in `lang` (the letter's own
/// language).
pub fn delivery_email(lang: &Lang, e: &DeliveryEmail<'_>) -> Email {
    let subject = lang.ta(
        "delivery-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let to = e
        .targets
        .iter()
        .map(|t| one_line(t))
        .collect::<Vec<_>>()
        .join(", ");
    let intro = lang.ta(
        "delivery-intro",
        &[
            ("title", title.into()),
            ("targets", to.into()),
            ("date", e.dated.into()),
        ],
    );
    let signed = signatures_sentence(lang, e.individuals, e.organisations);
    let files = if e.attachments.is_empty() {
        String::new()
    } else {
        lang.ta(
            "delivery-attached",
            &[("files", e.attachments.join(", ").into())],
        )
    };
    let version = lang.ta(
        "delivery-version",
        &[("version", e.version.to_string().into())],
    );
    let receipt_link = lang.t("delivery-receipt-link");
    let letter_link = lang.t("delivery-letter-link");

    let mut text = PlainText::new();
    text.paragraph(&greeting(lang, e.target_name));
    text.paragraph(&intro);
    text.paragraph(format!("{signed} {files}").trim_end());
    if let Some(root) = e.list_root {
        text.paragraph(&root_sentence(lang, root));
    }
    text.link(&format!("{receipt_link}:"), e.receipt_url);
    text.0.push_str(&"-".repeat(WRAP_WIDTH));
    text.0.push_str("\n\n");
    text.paragraph(&one_line(e.letter_title));
    if !e.summary.trim().is_empty() {
        text.paragraph(e.summary);
    }
    for line in e.body_markdown.lines() {
        if line.chars().count() > WRAP_WIDTH {
            text.0.push_str(&wrap(line, WRAP_WIDTH));
        } else {
            text.0.push_str(line);
        }
        text.0.push('\n');
    }
    text.0.push('\n');
    text.paragraph(&version);
    text.link(&format!("{letter_link}:"), e.letter_url);

    let html = html_document(
        lang,
        &subject,
        &one_line(e.letter_title),
        html! {
            p style=(P_STYLE) { (greeting(lang, e.target_name)) }
            p style=(P_STYLE) { (intro) }
            p style=(P_STYLE) { (signed) " " (files) }
            @if let Some(root) = e.list_root {
                p style=(SMALL_STYLE) { (root_sentence(lang, root)) }
            }
            p style=(P_STYLE) { a href=(e.receipt_url) style=(LINK_STYLE) { (receipt_link) } }
            hr;
            @if !e.summary.trim().is_empty() {
                p style=(P_STYLE) { em { (e.summary) } }
            }
            div { (PreEscaped(e.body_html)) }
            p style=(SMALL_STYLE) { (version) " " a href=(e.letter_url) style=(LINK_STYLE) { (letter_link) } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

#[derive(Clone, Copy, Debug)]
pub struct DeliveredNotice<'a> {
    pub signer_name: &'a str,
    pub letter_title: &'a str,
    pub targets: &'a [String],
    pub dated: &'a str,
    pub individuals: i64,
    pub organisations: i64,
    pub list_root: Option<&'a str>,
    pub receipt_url: &'a str,
    /// The signer's own inclusion proof, when the list has one for them.
    pub proof_url: Option<&'a str>,
}

/// "Delivered: {title}".
pub fn delivered_notice(lang: &Lang, e: &DeliveredNotice<'_>) -> Email {
    let subject = lang.ta(
        "notice-subject",
        &[("title", one_line(e.letter_title).into())],
    );
    let title = quoted(lang, e.letter_title);
    let to = e
        .targets
        .iter()
        .map(|t| one_line(t))
        .collect::<Vec<_>>()
        .join(", ");
    let total = count(e.individuals.saturating_add(e.organisations));
    let news = lang.ta(
        "notice-news",
        &[
            ("title", title.into()),
            ("date", e.dated.into()),
            ("targets", to.into()),
            ("signatures", lang.counted("signatures", total).into()),
            (
                "organisations",
                lang.counted("receipt-organisations", count(e.organisations))
                    .into(),
            ),
            (
                "individuals",
                lang.counted("receipt-individuals", count(e.individuals))
                    .into(),
            ),
        ],
    );
    let thanks = lang.t("notice-thanks");
    let proof_link = lang.t("notice-proof-link");
    let receipt_link = lang.t("notice-receipt-link");

    let mut text = PlainText::new();
    text.paragraph(&greeting(lang, e.signer_name));
    text.paragraph(&news);
    if let Some(root) = e.list_root {
        text.paragraph(&root_sentence(lang, root));
    }
    if let Some(proof) = e.proof_url {
        text.link(&format!("{proof_link}:"), proof);
    }
    text.link(&format!("{receipt_link}:"), e.receipt_url);
    text.paragraph(&thanks);

    let html = html_document(
        lang,
        &subject,
        &lang.t("notice-heading"),
        html! {
            p style=(P_STYLE) { (greeting(lang, e.signer_name)) }
            p style=(P_STYLE) { (news) }
            @if let Some(root) = e.list_root {
                p style=(SMALL_STYLE) { (root_sentence(lang, root)) }
            }
            @if let Some(proof) = e.proof_url {
                p style=(P_STYLE) { a href=(proof) style=(LINK_STYLE) { (proof_link) } }
            }
            p style=(P_STYLE) { a href=(e.receipt_url) style=(LINK_STYLE) { (receipt_link) } }
            p style=(P_STYLE) { (thanks) }
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
    fn the_delivered_letter_carries_its_text_and_escapes_names() {
        let targets = vec!["Council <b>".to_owned(), "Commission".to_owned()];
        let files = vec!["a.pdf".to_owned(), "a.csv".to_owned()];
        let e = delivery_email(
            &Lang::english(),
            &DeliveryEmail {
                target_name: "Council <b>",
                letter_title: "Free them\r\nBcc: x@example.org",
                summary: "Short.",
                body_markdown: "We ask you to **act**.\n\n- one\n- two",
                body_html: "<p>We ask you to <strong>act</strong>.</p>",
                targets: &targets,
                dated: "30 November 2026",
                version: 2,
                individuals: 3,
                organisations: 1,
                list_root: Some("ab12"),
                letter_url: "https://x.org/letters/a",
                receipt_url: "https://x.org/letters/a/receipt",
                attachments: &files,
            },
        );
        assert_eq!(e.subject, "Open letter: Free them Bcc: x@example.org");
        assert!(e.text.contains("We ask you to **act**."));
        assert!(e.text.contains("- one\n- two"));
        assert!(e.text.contains("1 organisation and 3 individuals"));
        assert!(e.text.contains("ab12"));
        assert!(e.text.contains("Text version 2."));
        assert!(e.html.contains("<strong>act</strong>"));
        assert!(e.html.contains("Council &lt;b&gt;"));
        assert!(!e.html.contains("Council <b>"));
    }

    #[test]
    fn the_notice_names_the_targets_and_links_the_proof() {
        let targets = vec!["Council".to_owned()];
        let e = delivered_notice(
            &Lang::english(),
            &DeliveredNotice {
                signer_name: "Zəhra",
                letter_title: "Free them",
                targets: &targets,
                dated: "30 November 2026",
                individuals: 1200,
                organisations: 76,
                list_root: None,
                receipt_url: "https://x.org/letters/a/receipt",
                proof_url: Some("https://x.org/proof/abc"),
            },
        );
        assert_eq!(e.subject, "Delivered: Free them");
        assert!(e.text.contains("Hello Zəhra,"));
        assert!(e.text.contains("1,276 signatures"), "{}", e.text);
        assert!(e.text.contains("https://x.org/proof/abc"));
        assert!(e.html.contains("https://x.org/letters/a/receipt"));
    }
}
