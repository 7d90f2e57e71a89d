//! The public receipt of a letter's deliveries: to whom, when, with how many signatures,
//! and the list's root. A short block on the letter page, and a page of its own.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::letter_path;

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

fn signatures(lang: &Lang, r: &ReceiptView) -> String {
    lang.ta(
        "receipt-with-text",
        &[
            (
                "signatures",
                lang.counted("signatures", r.individuals.saturating_add(r.organisations))
                    .into(),
            ),
            (
                "organisations",
                lang.counted("receipt-organisations", r.organisations)
                    .into(),
            ),
            (
                "individuals",
                lang.counted("receipt-individuals", r.individuals).into(),
            ),
            ("version", r.version.to_string().into()),
        ],
    )
}

fn one(lang: &Lang, r: &ReceiptView) -> Markup {
    html! {
        dl.receipt {
            dt { (lang.t("receipt-delivered")) } dd { (r.delivered) }
            dt { (lang.t("receipt-to")) }
            dd {
                ul {
                    @for t in &r.targets {
                        li {
                            (t.name) " "
                            @match &t.sent {
                                Some(at) => { (lang.ta("receipt-sent", &[("date", at.as_str().into())])) }
                                None => { (lang.t("receipt-being-sent")) }
                            }
                        }
                    }
                }
            }
            dt { (lang.t("receipt-with")) } dd { (signatures(lang, r)) }
            @if let Some(size) = r.list_size {
                dt { (lang.t("receipt-list-size")) } dd { (lang.count(size)) }
            }
            @if let Some(root) = &r.list_root {
                dt { (lang.t("receipt-list-root")) } dd { code.hash { (root) } }
            }
        }
    }
}

/// The block on the letter page: the latest delivery, and a link to the receipt page.
pub fn receipt_block(lang: &Lang, slug: &str, receipts: &[ReceiptView]) -> Markup {
    html! {
        @if let Some(latest) = receipts.first() {
            section.receipt id="receipt" aria-labelledby="receipt-heading" {
                h2 id="receipt-heading" { (lang.t("receipt-heading")) }
                (one(lang, latest))
                p { a href=(receipt_path(slug)) { (lang.t("receipt-full")) } }
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
pub fn receipt(lang: &Lang, p: &ReceiptPage<'_>) -> Markup {
    let title = lang.ta("receipt-title", &[("title", p.title.into())]);
    layout(
        &Page {
            title: &title,
            lang,
            description: None,
        },
        html! {
            h1 { (lang.t("receipt-heading")) }
            p { (lang.html("receipt-letter", &[("link", html! { a href=(letter_path(p.slug)) { (p.title) } })])) }
            @if p.receipts.is_empty() {
                p { (lang.t("receipt-not-yet")) }
            }
            @for r in p.receipts {
                section {
                    h2 { (lang.ta("receipt-delivered-on", &[("date", r.delivered.as_str().into())])) }
                    (one(lang, r))
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
        let html = receipt(
            &Lang::english(),
            &ReceiptPage {
                slug: "free",
                title: "Free <them>",
                receipts: &[view()],
            },
        )
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
        assert_eq!(
            receipt_block(&Lang::english(), "free", &[]).into_string(),
            ""
        );
        let block = receipt_block(&Lang::english(), "free", &[view()]).into_string();
        assert!(block.contains("href=\"/letters/free/receipt\""));
    }
}
