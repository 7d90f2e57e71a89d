//! The home page: the list of open letters.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{count_noun, letter_path, non_blank};

/// One letter in the home page list.
#[derive(Clone, Debug)]
pub struct LetterSummary {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Confirmed signatures, individuals and organisations together.
    pub total_count: u64,
    /// Already formatted for display, e.g. "31 March 2026".
    pub deadline: Option<String>,
}

/// The "Open letters" page.
pub fn home(letters: &[LetterSummary]) -> Markup {
    let body = html! {
        h1 { "Open letters" }
        p.lead {
            "Read an open letter and add your name, or your organisation’s. "
            "Every signature is confirmed by email before it counts."
        }
        @if letters.is_empty() {
            div.empty-state {
                p { "There are no open letters here at the moment." }
                p { "Please come back later." }
            }
        } @else {
            ul.letter-list {
                @for l in letters {
                    li.letter-card {
                        h2 { a href=(letter_path(&l.slug)) { (l.title) } }
                        @if let Some(summary) = non_blank(&l.summary) {
                            p { (summary) }
                        }
                        p.meta {
                            (count_noun(l.total_count, "signature", "signatures"))
                            @if let Some(deadline) = l.deadline.as_deref().and_then(non_blank) {
                                " · Deadline: " (deadline)
                            }
                        }
                    }
                }
            }
        }
    };
    layout(
        &Page {
            title: "Open letters",
            lang: "en",
            description: Some(
                "Open letters you can sign as an individual or on behalf of an organisation.",
            ),
        },
        body,
    )
}
