//! The versions of a letter's text: the list of them, and one version with its differences
//! from the one before.

use maud::{Markup, PreEscaped, html};

use crate::layout::{Page, layout};
use crate::util::{count_noun, letter_path, non_blank, version_path, versions_path};

/// One version in the list.
#[derive(Clone, Debug)]
pub struct VersionRow {
    pub number: u32,
    /// Already formatted for display.
    pub created_on: String,
    /// Confirmed signatures given to this version.
    pub signatures: u64,
}

/// Every version of a letter's text, oldest first.
#[derive(Clone, Debug)]
pub struct VersionsPage {
    pub slug: String,
    /// The letter's current title.
    pub title: String,
    /// BCP 47 language of the letter text.
    pub language: String,
    pub versions: Vec<VersionRow>,
}

/// Whether a piece of a difference is in both texts, only the new one, or only the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffTag {
    Same,
    Added,
    Removed,
}

/// A run of text with one tag. The text is plain (Markdown source for the body) and is
/// escaped like any other text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffPiece {
    pub tag: DiffTag,
    pub text: String,
}

/// The differences of a version from the one before, field by field.
#[derive(Clone, Debug, Default)]
pub struct VersionDiff {
    pub title: Vec<DiffPiece>,
    pub summary: Vec<DiffPiece>,
    pub body: Vec<DiffPiece>,
}

/// One version of a letter's text.
#[derive(Clone, Debug)]
pub struct VersionPage {
    pub slug: String,
    pub number: u32,
    /// The number of the current version.
    pub latest: u32,
    /// Already formatted for display.
    pub created_on: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    /// Sanitised HTML of this version's body; the only HTML this page does not escape.
    pub body_html: String,
    /// Confirmed signatures given to this version.
    pub signatures: u64,
    /// From version `number - 1`; `None` for the first version.
    pub diff: Option<VersionDiff>,
}

/// The list of versions of a letter.
pub fn versions(page: &VersionsPage) -> Markup {
    let lang = non_blank(&page.language);
    let title = format!("Versions of \u{201c}{}\u{201d}", page.title);
    let body = html! {
        p { a href=(letter_path(&page.slug)) { "« Back to the letter" } }
        h1 { "Versions of " span lang=[lang] { "\u{201c}" (page.title) "\u{201d}" } }
        p {
            "The text people sign never changes silently: when it is edited after someone \
             has signed, the new text becomes a new version, and every signature keeps the \
             version it was given to sign."
        }
        table.versions {
            caption.visually-hidden { "Every version of the letter's text, oldest first" }
            thead {
                tr {
                    th scope="col" { "Version" }
                    th scope="col" { "Date" }
                    th scope="col" { "Confirmed signatures" }
                }
            }
            tbody {
                @for v in &page.versions {
                    tr {
                        th scope="row" {
                            a href=(version_path(&page.slug, v.number)) { "Version " (v.number) }
                            @if page.versions.last().is_some_and(|l| l.number == v.number) {
                                " (current)"
                            }
                        }
                        td { (v.created_on) }
                        td { (crate::util::format_count(v.signatures)) }
                    }
                }
            }
        }
    };
    layout(
        &Page {
            title: &title,
            lang: "en",
            description: None,
        },
        body,
    )
}

/// The visible and spoken form of one piece. `<ins>` and `<del>` are underlined and struck
/// through (not only coloured), and each carries hidden words for screen readers, which
/// mostly do not announce the elements themselves.
fn piece(p: &DiffPiece) -> Markup {
    html! {
        @match p.tag {
            DiffTag::Same => (p.text),
            DiffTag::Added => ins {
                span.visually-hidden { "[added: " } (p.text) span.visually-hidden { "]" }
            },
            DiffTag::Removed => del {
                span.visually-hidden { "[removed: " } (p.text) span.visually-hidden { "]" }
            },
        }
    }
}

/// The differences in one field, or a plain word that there are none.
fn diff_field(label: &str, pieces: &[DiffPiece], lang: Option<&str>) -> Markup {
    let changed = pieces.iter().any(|p| p.tag != DiffTag::Same);
    html! {
        h3 { (label) }
        @if changed {
            div.diff lang=[lang] {
                @for p in pieces { (piece(p)) }
            }
        } @else {
            p.hint { "Unchanged." }
        }
    }
}

fn diff_section(page: &VersionPage, diff: &VersionDiff, lang: Option<&str>) -> Markup {
    let previous = page.number.saturating_sub(1);
    html! {
        section.changes aria-labelledby="changes-heading" {
            h2 id="changes-heading" { "What changed from version " (previous) }
            p.hint {
                "Added text is underlined and marked \u{201c}added\u{201d}; removed text is \
                 struck through and marked \u{201c}removed\u{201d}. The body is compared as \
                 its Markdown source. "
                a href=(version_path(&page.slug, previous)) { "Read version " (previous) }
            }
            (diff_field("Title", &diff.title, lang))
            (diff_field("Summary", &diff.summary, lang))
            (diff_field("Text", &diff.body, lang))
        }
    }
}

/// One version of a letter's text, with its differences from the version before.
pub fn version(page: &VersionPage) -> Markup {
    let lang = non_blank(&page.language);
    let title = format!("{} (version {})", page.title, page.number);
    let body = html! {
        p {
            a href=(letter_path(&page.slug)) { "« Back to the letter" }
            " · "
            a href=(versions_path(&page.slug)) { "All versions" }
        }
        article.letter {
            header.letter-header {
                p.letter-status {
                    "Version " (page.number) " of " (page.latest)
                }
                h1 lang=[lang] { (page.title) }
                @if let Some(summary) = non_blank(&page.summary) {
                    p.summary lang=[lang] { (summary) }
                }
                p.meta {
                    "Written on " (page.created_on) ". "
                    (count_noun(page.signatures, "confirmed signature was", "confirmed signatures were"))
                    " given to this version."
                }
                @if page.number < page.latest {
                    p.notice {
                        "This is an earlier text of the letter. "
                        a href=(version_path(&page.slug, page.latest)) { "Read the current text (version " (page.latest) ")" }
                    }
                }
            }
            // Sanitised by the caller: the only HTML on the page that maud does not escape.
            div.letter-body lang=[lang] { (PreEscaped(&page.body_html)) }
        }
        @if let Some(diff) = &page.diff {
            (diff_section(page, diff, lang))
        }
    };
    layout(
        &Page {
            title: &title,
            lang: "en",
            description: non_blank(&page.summary),
        },
        body,
    )
}
