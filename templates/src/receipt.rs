//! The public receipt of a letter's deliveries: to whom, when, with how many signatures,
//! and the list's root. A short block on the letter page, and a page of its own.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{count_noun, letter_path};

/// One institution a delivery went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptTargetView {
    pub name: String,
    /// When the email was taken by the relay, formatted; `None` while it is being sent.
    pub sent: Option<String>,
}

/// One delivery as the public sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptView {
    /// When it was delivered (sealed), formatted.
    pub delivered: String,
    pub version: u32,
    pub individuals: u64,
    pub organisations: u64,
    pub list_size: Option<u64>,
    /// Hex.
    pub list_root: Option<String>,
    pub targets: Vec<ReceiptTargetView>,
}

/// The receipt page's address.
pub fn receipt_path(slug: &str) -> String {
    format!("{}/receipt", letter_path(slug))
}

fn signatures(r: &ReceiptView) -> String {
    format!(
        "{} ({}, {})",
        count_noun(
            r.individuals.saturating_add(r.organisations),
            "signature",
            "signatures"
        ),
        count_noun(r.organisations, "organisation", "organisations"),
        count_noun(r.individuals, "individual", "individuals"),
    )
}

fn one(r: &ReceiptView) -> Markup {
    html! {
        dl.receipt {
            dt { "Delivered" } dd { (r.delivered) }
            dt { "To" }
            dd {
                ul {
                    @for t in &r.targets {
                        li {
                            (t.name)
                            @match &t.sent {
                                Some(at) => { " (sent " (at) ")" }
                                None => { " (being sent)" }
                            }
                        }
                    }
                }
            }
            dt { "With" } dd { (signatures(r)) ", text version " (r.version) }
            @if let Some(size) = r.list_size {
                dt { "List size" } dd { (size) }
            }
            @if let Some(root) = &r.list_root {
                dt { "List root" } dd { code.list-root { (root) } }
            }
        }
    }
}

/// The block on the letter page: the latest delivery, and a link to the receipt page.
pub fn receipt_block(slug: &str, receipts: &[ReceiptView]) -> Markup {
    html! {
        @if let Some(latest) = receipts.first() {
            section.receipt id="receipt" aria-labelledby="receipt-heading" {
                h2 id="receipt-heading" { "Delivery receipt" }
                (one(latest))
                p { a href=(receipt_path(slug)) { "The full receipt" } }
            }
        }
    }
}

/// What the receipt page shows.
#[derive(Clone, Debug)]
pub struct ReceiptPage<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    /// Newest first.
    pub receipts: &'a [ReceiptView],
}

/// `/letters/{slug}/receipt`.
pub fn receipt(p: &ReceiptPage<'_>) -> Markup {
    let title = format!("Delivery receipt: {}", p.title);
    layout(
        &Page {
            title: &title,
            lang: "en",
            description: None,
        },
        html! {
            h1 { "Delivery receipt" }
            p { "Letter: " a href=(letter_path(p.slug)) { (p.title) } }
            @if p.receipts.is_empty() {
                p { "This letter has not been delivered yet." }
            }
            @for r in p.receipts {
                section {
                    h2 { "Delivered " (r.delivered) }
                    (one(r))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> ReceiptView {
        ReceiptView {
            delivered: "30 November 2026, 12:00 UTC".into(),
            version: 2,
            individuals: 1_200,
            organisations: 1,
            list_size: Some(1_201),
            list_root: Some("ab".repeat(32)),
            targets: vec![
                ReceiptTargetView {
                    name: "Council <script>".into(),
                    sent: Some("30 November 2026, 12:01 UTC".into()),
                },
                ReceiptTargetView {
                    name: "Commission".into(),
                    sent: None,
                },
            ],
        }
    }

    #[test]
    fn the_receipt_says_to_whom_when_how_many_and_the_root() {
        let html = receipt(&ReceiptPage {
            slug: "free",
            title: "Free <them>",
            receipts: &[view()],
        })
        .into_string();
        assert!(html.contains("Council &lt;script&gt; (sent 30 November 2026, 12:01 UTC)"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("Commission (being sent)"));
        assert!(html.contains("1,201 signatures (1 organisation, 1,200 individuals)"));
        assert!(html.contains(&"ab".repeat(32)));
        assert!(html.contains("Free &lt;them&gt;"));
    }

    #[test]
    fn no_block_before_a_delivery() {
        assert_eq!(receipt_block("free", &[]).into_string(), "");
        let block = receipt_block("free", &[view()]).into_string();
        assert!(block.contains("href=\"/letters/free/receipt\""));
    }
}
