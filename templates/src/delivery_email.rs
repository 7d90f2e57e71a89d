//! The emails of a delivery: the letter itself to each target (its text in the body, the
//! list of signatories attached), and the notice to signers who asked to hear about it.

use maud::{PreEscaped, html};

use crate::email::{
    Email, LINK_STYLE, P_STYLE, PlainText, SMALL_STYLE, WRAP_WIDTH, greeting, html_document,
    one_line, quoted, wrap,
};
use crate::util::{count_noun, format_count};

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

fn signatures_sentence(individuals: i64, organisations: i64) -> String {
    let orgs = u64::try_from(organisations).unwrap_or(0);
    let people = u64::try_from(individuals).unwrap_or(0);
    format!(
        "It is signed by {} and {}.",
        count_noun(orgs, "organisation", "organisations"),
        count_noun(people, "individual", "individuals")
    )
}

fn root_sentence(root: &str) -> String {
    format!(
        "The list of signatories is fixed by its Merkle root {root}: anyone holding the \
         published list can rebuild it, and every signer can check that they are in it."
    )
}

/// "Open letter: {title}".
pub fn delivery_email(e: &DeliveryEmail<'_>) -> Email {
    let subject = format!("Open letter: {}", one_line(e.letter_title));
    let title = quoted(e.letter_title);
    let to = e
        .targets
        .iter()
        .map(|t| one_line(t))
        .collect::<Vec<_>>()
        .join(", ");
    let intro = format!(
        "We deliver to you the open letter {title}, addressed to {to}, as it stands on {}.",
        e.dated
    );
    let signed = signatures_sentence(e.individuals, e.organisations);
    let files = if e.attachments.is_empty() {
        String::new()
    } else {
        format!(
            "The list of signatories is attached ({}).",
            e.attachments.join(", ")
        )
    };
    let version = format!("Text version {}.", e.version);

    let mut text = PlainText::new();
    text.paragraph(&greeting(e.target_name));
    text.paragraph(&intro);
    text.paragraph(&format!("{signed} {files}"));
    if let Some(root) = e.list_root {
        text.paragraph(&root_sentence(root));
    }
    text.link("The public receipt of this delivery:", e.receipt_url);
    text.0.push_str(&"-".repeat(WRAP_WIDTH));
    text.0.push_str("\n\n");
    text.paragraph(&one_line(e.letter_title));
    if !e.summary.trim().is_empty() {
        text.paragraph(e.summary);
    }
    // The text keeps its own lines (Markdown lists, headings); only overlong lines wrap.
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
    text.link("The letter online:", e.letter_url);

    let html = html_document(
        &subject,
        &one_line(e.letter_title),
        html! {
            p style=(P_STYLE) { (greeting(e.target_name)) }
            p style=(P_STYLE) { (intro) }
            p style=(P_STYLE) { (signed) " " (files) }
            @if let Some(root) = e.list_root {
                p style=(SMALL_STYLE) { (root_sentence(root)) }
            }
            p style=(P_STYLE) { a href=(e.receipt_url) style=(LINK_STYLE) { "The public receipt of this delivery" } }
            hr;
            @if !e.summary.trim().is_empty() {
                p style=(P_STYLE) { em { (e.summary) } }
            }
            // Sanitised by the caller.
            div { (PreEscaped(e.body_html)) }
            p style=(SMALL_STYLE) { (version) " " a href=(e.letter_url) style=(LINK_STYLE) { "The letter online" } }
        },
    );
    Email {
        text: text.finish(),
        subject,
        html,
    }
}

/// What a signer is told when the letter they signed was delivered.
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
pub fn delivered_notice(e: &DeliveredNotice<'_>) -> Email {
    let subject = format!("Delivered: {}", one_line(e.letter_title));
    let title = quoted(e.letter_title);
    let to = e
        .targets
        .iter()
        .map(|t| one_line(t))
        .collect::<Vec<_>>()
        .join(", ");
    let total = u64::try_from(e.individuals.saturating_add(e.organisations)).unwrap_or(0);
    let split = format!(
        "{} organisations, {} individuals",
        format_count(u64::try_from(e.organisations).unwrap_or(0)),
        format_count(u64::try_from(e.individuals).unwrap_or(0))
    );
    let news = format!(
        "The open letter {title}, which you signed, was delivered on {} to {to}, with {} \
         ({split}).",
        e.dated,
        count_noun(total, "signature", "signatures"),
    );
    const THANKS: &str = "Thank you for signing. You asked to hear about this letter; this is \
         the only email we send you about its delivery.";

    let mut text = PlainText::new();
    text.paragraph(&greeting(e.signer_name));
    text.paragraph(&news);
    if let Some(root) = e.list_root {
        text.paragraph(&root_sentence(root));
    }
    if let Some(proof) = e.proof_url {
        text.link("Check that your signature is in the delivered list:", proof);
    }
    text.link("The public receipt of the delivery:", e.receipt_url);
    text.paragraph(THANKS);

    let html = html_document(
        &subject,
        "The letter you signed was delivered",
        html! {
            p style=(P_STYLE) { (greeting(e.signer_name)) }
            p style=(P_STYLE) { (news) }
            @if let Some(root) = e.list_root {
                p style=(SMALL_STYLE) { (root_sentence(root)) }
            }
            @if let Some(proof) = e.proof_url {
                p style=(P_STYLE) { a href=(proof) style=(LINK_STYLE) { "Check that your signature is in the delivered list" } }
            }
            p style=(P_STYLE) { a href=(e.receipt_url) style=(LINK_STYLE) { "The public receipt of the delivery" } }
            p style=(P_STYLE) { (THANKS) }
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
        let e = delivery_email(&DeliveryEmail {
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
        });
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
        let e = delivered_notice(&DeliveredNotice {
            signer_name: "Zəhra",
            letter_title: "Free them",
            targets: &targets,
            dated: "30 November 2026",
            individuals: 1200,
            organisations: 76,
            list_root: None,
            receipt_url: "https://x.org/letters/a/receipt",
            proof_url: Some("https://x.org/proof/abc"),
        });
        assert_eq!(e.subject, "Delivered: Free them");
        assert!(e.text.contains("Hello Zəhra,"));
        assert!(e.text.contains("1,276 signatures"), "{}", e.text);
        assert!(e.text.contains("https://x.org/proof/abc"));
        assert!(e.html.contains("https://x.org/letters/a/receipt"));
    }
}
