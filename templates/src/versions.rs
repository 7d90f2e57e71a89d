//! The versions of a letter's text: the list of them, and one version with its differences
//! from the one before.

use maud::{Markup, PreEscaped, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::{letter_path, non_blank, version_path, versions_path};

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
pub fn versions(ui: &Lang, page: &VersionsPage) -> Markup {
    let lang = non_blank(&page.language);
    let title = ui.ta(
        "versions-title",
        &[("title", format!("\u{201c}{}\u{201d}", page.title).into())],
    );
    let body = html! {
        p { a href=(letter_path(&page.slug)) { span.arrow-back aria-hidden="true" { "« " } (ui.t("back-to-letter")) } }
        h1 { (ui.html("versions-title", &[("title", html! { span lang=[lang] { "\u{201c}" (page.title) "\u{201d}" } })])) }
        p { (ui.t("versions-intro")) }
        table.versions {
            caption.visually-hidden { (ui.t("versions-caption")) }
            thead {
                tr {
                    th scope="col" { (ui.t("versions-col-version")) }
                    th scope="col" { (ui.t("versions-col-date")) }
                    th scope="col" { (ui.t("versions-col-signatures")) }
                }
            }
            tbody {
                @for v in &page.versions {
                    tr {
                        th scope="row" {
                            a href=(version_path(&page.slug, v.number)) { (ui.ta("version-n", &[("version", v.number.into())])) }
                            @if page.versions.last().is_some_and(|l| l.number == v.number) {
                                " " (ui.t("version-current"))
                            }
                        }
                        td { (v.created_on) }
                        td { (ui.count(v.signatures)) }
                    }
                }
            }
        }
    };
    layout(
        &Page {
            title: &title,
            lang: ui,
            description: None,
        },
        body,
    )
}

/// The visible and spoken form of one piece. `<ins>` and `<del>` are underlined and struck
/// through (not only coloured), and each carries hidden words for screen readers, which
/// mostly do not announce the elements themselves.
fn piece(ui: &Lang, p: &DiffPiece) -> Markup {
    html! {
        @match p.tag {
            DiffTag::Same => (p.text),
            DiffTag::Added => ins {
                span.visually-hidden { "[" (ui.t("diff-added")) ": " } (p.text) span.visually-hidden { "]" }
            },
            DiffTag::Removed => del {
                span.visually-hidden { "[" (ui.t("diff-removed")) ": " } (p.text) span.visually-hidden { "]" }
            },
        }
    }
}

/// The differences in one field, or a plain word that there are none.
fn diff_field(ui: &Lang, label: &str, pieces: &[DiffPiece], lang: Option<&str>) -> Markup {
    let changed = pieces.iter().any(|p| p.tag != DiffTag::Same);
    html! {
        h3 { (ui.t(label)) }
        @if changed {
            div.diff lang=[lang] {
                @for p in pieces { (piece(ui, p)) }
            }
        } @else {
            p.hint { (ui.t("diff-unchanged")) }
        }
    }
}

fn diff_section(ui: &Lang, page: &VersionPage, diff: &VersionDiff, lang: Option<&str>) -> Markup {
    let previous = page.number.saturating_sub(1);
    html! {
        section.changes aria-labelledby="changes-heading" {
            h2 id="changes-heading" { (ui.ta("diff-heading", &[("version", previous.into())])) }
            p.hint {
                (ui.t("diff-hint")) " "
                a href=(version_path(&page.slug, previous)) { (ui.ta("diff-read-version", &[("version", previous.into())])) }
            }
            (diff_field(ui, "diff-title", &diff.title, lang))
            (diff_field(ui, "diff-summary", &diff.summary, lang))
            (diff_field(ui, "diff-text", &diff.body, lang))
        }
    }
}

/// One version of a letter's text, with its differences from the version before.
pub fn version(ui: &Lang, page: &VersionPage) -> Markup {
    let lang = non_blank(&page.language);
    let title = ui.ta(
        "version-title",
        &[
            ("title", page.title.as_str().into()),
            ("version", page.number.into()),
        ],
    );
    let body = html! {
        p {
            a href=(letter_path(&page.slug)) { span.arrow-back aria-hidden="true" { "« " } (ui.t("back-to-letter")) }
            " · "
            a href=(versions_path(&page.slug)) { (ui.t("all-versions")) }
        }
        article.letter {
            header.letter-header {
                p.letter-status {
                    (ui.ta("version-of", &[("version", page.number.into()), ("latest", page.latest.into())]))
                }
                h1 lang=[lang] { (page.title) }
                @if let Some(summary) = non_blank(&page.summary) {
                    p.summary lang=[lang] { (summary) }
                }
                p.meta {
                    (ui.ta("version-written", &[("date", page.created_on.as_str().into())]))
                    " "
                    (ui.counted("version-signatures", page.signatures))
                }
                @if page.number < page.latest {
                    p.notice {
                        (ui.t("version-earlier")) " "
                        a href=(version_path(&page.slug, page.latest)) { (ui.ta("version-read-current", &[("version", page.latest.into())])) }
                    }
                }
            }
            div.letter-body lang=[lang] { (PreEscaped(&page.body_html)) }
        }
        @if let Some(diff) = &page.diff {
            (diff_section(ui, page, diff, lang))
        }
    };
    layout(
        &Page {
            title: &title,
            lang: ui,
            description: non_blank(&page.summary),
        },
        body,
    )
}
