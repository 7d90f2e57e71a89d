//! The staff screen of a letter's translations: one form per offered language, to write,
//! replace or remove the translation of the title, summary and body. The workspace is in
//! English; the translations are what readers of the other languages see.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::field_error;

/// One language's translation as the form shows it.
#[derive(Clone, Debug, Default)]
pub struct TranslationForm {
    /// An interface language tag (`LANGUAGES`).
    pub language: String,
    /// The language's name, in itself.
    pub language_name: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    /// When the saved translation was last written (UTC); `None`: there is none yet.
    pub updated: Option<String>,
    /// What is wrong with what was sent, when this form comes back.
    pub error: Option<String>,
}

/// Everything the translations screen shows.
#[derive(Clone, Debug)]
pub struct TranslationsPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    /// BCP 47 language of the letter's own (authoritative) text.
    pub letter_language: &'a str,
    pub forms: Vec<TranslationForm>,
    pub notice: Option<&'a str>,
}

pub fn translations(p: &TranslationsPage<'_>) -> Markup {
    let base = format!("/staff/letters/{}/translations", p.letter_id);
    page(
        &format!("Translations of {}", p.letter_title),
        Some(&p.bar),
        html! {
            p { a href=(format!("/staff/letters/{}", p.letter_id)) { "« Back to the letter" } }
            h1 { "Translations of " q { (p.letter_title) } }
            @if let Some(notice) = p.notice {
                p.notice role="status" { (notice) }
            }
            p {
                "The letter is written in " code { (p.letter_language) } ", and that text stays "
                "the authoritative one: a reader shown a translation is told so, with a link to "
                "the original. Readers whose page language has a translation see it; each "
                "signature records the text's language it was given."
            }
            @for f in &p.forms {
                @let id = format!("tr-{}", f.language);
                section aria-labelledby=(format!("{id}-heading")) {
                    h2 id=(format!("{id}-heading")) lang=(f.language) { (f.language_name) }
                    p.hint {
                        @if let Some(updated) = &f.updated { "Saved " (updated) " UTC." }
                        @else { "No translation yet." }
                    }
                    form method="post" action=(base) {
                        (csrf_field(p.bar.csrf))
                        input type="hidden" name="language" value=(f.language);
                        @let messages: Vec<&str> = f.error.as_deref().into_iter().collect();
                        (field_error(&format!("{id}-error"), &messages))
                        div.field {
                            label for=(format!("{id}-title")) { "Title" }
                            input type="text" id=(format!("{id}-title")) name="title" value=(f.title)
                                lang=(f.language) required;
                        }
                        div.field {
                            label for=(format!("{id}-summary")) { "Summary" }
                            textarea id=(format!("{id}-summary")) name="summary" rows="3"
                                lang=(f.language) { (f.summary) }
                        }
                        div.field {
                            label for=(format!("{id}-body")) { "Text (Markdown)" }
                            textarea id=(format!("{id}-body")) name="body" rows="16"
                                lang=(f.language) required { (f.body) }
                        }
                        button.button type="submit" { "Save the translation" }
                    }
                    @if f.updated.is_some() {
                        form method="post" action=(format!("{base}/delete")) {
                            (csrf_field(p.bar.csrf))
                            input type="hidden" name="language" value=(f.language);
                            button.button.button--secondary type="submit" { "Remove this translation" }
                        }
                    }
                }
            }
        },
    )
}
