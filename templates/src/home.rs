//! The home page: the list of open letters.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::{letter_path, non_blank};

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
pub fn home(lang: &Lang, letters: &[LetterSummary]) -> Markup {
    let title = lang.t("home-title");
    let body = html! {
        h1 { (title) }
        p.lead { (lang.t("home-lead")) }
        @if letters.is_empty() {
            div.empty-state {
                p { (lang.t("home-empty")) }
                p { (lang.t("home-come-back")) }
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
                            (lang.counted("signatures", l.total_count))
                            @if let Some(deadline) = l.deadline.as_deref().and_then(non_blank) {
                                " · " (lang.ta("deadline", &[("date", deadline.into())]))
                            }
                        }
                    }
                }
            }
        }
    };
    layout(
        &Page {
            title: &title,
            lang,
            description: Some(&lang.t("home-description")),
        },
        body,
    )
}
