//! The signed letter: its data, and its PDF.

use serde::{Deserialize, Serialize};

use crate::markdown::{self, Block};
use crate::{DocumentError, fonts, render};

const TEMPLATE: &str = include_str!("letter.typ");

/// Everything printed in the signed letter. Plain data: the caller fills it from the
/// database; every string is shown verbatim (the body is Markdown).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LetterDocument {
    pub title: String,
    /// A short summary printed under the title; empty for none.
    pub summary: String,
    /// The letter text as signed, in Markdown (headings, paragraphs, lists, emphasis,
    /// links; raw HTML is dropped).
    pub body_markdown: String,
    /// The letter's language as a BCP 47 tag (`en`, `fr`, `ar`, `zh-Hant`, ...): sets the
    /// direction of the text (right to left for Arabic and Hebrew), hyphenation and the
    /// CJK glyph forms. Anything unusable falls back to English.
    pub language: String,
    /// The version of the text the signatures were given to.
    pub version: u32,
    /// The date printed on the letter, already written out (e.g. `30 November 2026`).
    pub dated: String,
    pub targets: Vec<DocTarget>,
    pub organisations: Vec<DocSigner>,
    /// The individuals who chose to be listed, in the order they are to be printed.
    pub individuals: Vec<DocSigner>,
    /// How many individuals signed without being listed.
    pub unlisted_individuals: u64,
    /// The Merkle root of the public signature list, as hex, when there is one.
    pub list_root: Option<String>,
    /// The site or campaign the letter comes from, printed above the title; empty for none.
    pub site_name: String,
    /// The address of the letter's public page, printed in the footer; empty for none.
    pub letter_url: String,
    /// The fixed words of the document; English unless the caller translates them.
    #[serde(default)]
    pub labels: DocLabels,
}

/// An institution the letter is addressed to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocTarget {
    pub name: String,
}

/// A signatory: an organisation (name, country) or a listed individual (name, country,
/// city). Empty strings are left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocSigner {
    pub name: String,
    pub country: String,
    pub city: String,
}

/// The document's own words. `{count}` in `others` and `others_only` is replaced by the
/// number of unlisted individuals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocLabels {
    pub to: String,
    pub dated: String,
    pub version: String,
    pub signatories: String,
    pub organisations: String,
    pub individuals: String,
    /// After the listed names.
    pub others: String,
    /// When nobody is listed by name.
    pub others_only: String,
    pub root: String,
    /// Between groups of three digits in counts.
    pub thousands_separator: String,
}

impl Default for DocLabels {
    fn default() -> Self {
        Self {
            to: "To".to_owned(),
            dated: "Date".to_owned(),
            version: "Text version".to_owned(),
            signatories: "Signatories".to_owned(),
            organisations: "Organisations".to_owned(),
            individuals: "Individuals".to_owned(),
            others: "and {count} more individuals who signed without being listed by name."
                .to_owned(),
            others_only: "{count} individuals signed without being listed by name.".to_owned(),
            root: "Merkle root (RFC 6962, SHA-256) of the public list of signatures:".to_owned(),
            thousands_separator: ",".to_owned(),
        }
    }
}

/// The data the template reads: everything already worded, so the template only lays out.
#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    summary: &'a str,
    language: String,
    fonts: Vec<&'static str>,
    site: &'a str,
    url: &'a str,
    footer: String,
    meta: Vec<(String, String)>,
    targets_label: &'a str,
    targets: Vec<&'a str>,
    body: Vec<Block>,
    signatories: String,
    organisations_heading: String,
    organisations: Vec<Line<'a>>,
    individuals_heading: String,
    individuals: Vec<Line<'a>>,
    others: String,
    root_label: &'a str,
    root: Option<&'a str>,
}

/// One signatory as printed: the name, then where they are.
#[derive(Serialize)]
struct Line<'a> {
    name: &'a str,
    place: String,
}

impl<'a> Line<'a> {
    fn of(signer: &'a DocSigner) -> Self {
        let place = [signer.city.trim(), signer.country.trim()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            name: signer.name.trim(),
            place,
        }
    }
}

/// Renders the signed letter as a PDF (A4, page numbers as "n / total").
///
/// CPU-bound (about a second per 20,000 names in a release build): run it on a blocking
/// thread.
pub fn render_pdf(letter: &LetterDocument) -> Result<Vec<u8>, DocumentError> {
    let data = Data::of(letter);
    let result = render::compile(TEMPLATE, &data).and_then(|document| {
        let options = typst_pdf::PdfOptions::default();
        typst_pdf::pdf(&document, &options).map_err(|diags| {
            DocumentError::Export(
                diags
                    .iter()
                    .map(|d| d.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    });
    render::release_caches();
    result
}

impl<'a> Data<'a> {
    fn of(letter: &'a LetterDocument) -> Self {
        let labels = &letter.labels;
        let language = typst_language(&letter.language);
        let count = |n: usize| group_digits(n as u64, &labels.thousands_separator);
        let mut meta = Vec::new();
        if !letter.dated.trim().is_empty() {
            meta.push((labels.dated.clone(), letter.dated.trim().to_owned()));
        }
        meta.push((labels.version.clone(), letter.version.to_string()));
        let total = letter.organisations.len() as u64
            + letter.individuals.len() as u64
            + letter.unlisted_individuals;
        let others = if letter.unlisted_individuals == 0 {
            String::new()
        } else {
            let template = if letter.individuals.is_empty() {
                &labels.others_only
            } else {
                &labels.others
            };
            template.replace(
                "{count}",
                &group_digits(letter.unlisted_individuals, &labels.thousands_separator),
            )
        };
        let heading = |label: &str, n: usize| {
            if n == 0 {
                String::new()
            } else {
                format!("{label} ({})", count(n))
            }
        };
        let individuals_total = letter.individuals.len() as u64 + letter.unlisted_individuals;
        let individuals_heading = if individuals_total == 0 {
            String::new()
        } else {
            format!(
                "{} ({})",
                labels.individuals,
                group_digits(individuals_total, &labels.thousands_separator)
            )
        };
        let footer = short(&letter.title, 90);
        Self {
            title: letter.title.trim(),
            summary: letter.summary.trim(),
            fonts: fonts::families(&language, "serif"),
            language: language.split('-').next().unwrap_or("en").to_owned(),
            site: letter.site_name.trim(),
            url: letter.letter_url.trim(),
            footer,
            meta,
            targets_label: &labels.to,
            targets: letter.targets.iter().map(|t| t.name.trim()).collect(),
            body: markdown::blocks(&letter.body_markdown),
            signatories: format!(
                "{} ({})",
                labels.signatories,
                group_digits(total, &labels.thousands_separator)
            ),
            organisations_heading: heading(&labels.organisations, letter.organisations.len()),
            organisations: letter.organisations.iter().map(Line::of).collect(),
            individuals_heading,
            individuals: letter.individuals.iter().map(Line::of).collect(),
            others,
            root_label: &labels.root,
            root: letter
                .list_root
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty()),
        }
    }
}

/// The language tag in the lower-case form typst accepts (`en`, `zh-hant`), or `en` when
/// the primary subtag is not two or three ASCII letters.
pub(crate) fn typst_language(tag: &str) -> String {
    let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
    let primary = lower.split('-').next().unwrap_or("");
    let valid = (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase());
    if valid { lower } else { "en".to_owned() }
}

/// `1234567` as `1,234,567` (with the given separator).
pub(crate) fn group_digits(n: u64, separator: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    out
}

/// The first `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn short(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_by_three() {
        assert_eq!(group_digits(0, ","), "0");
        assert_eq!(group_digits(999, ","), "999");
        assert_eq!(group_digits(1000, ","), "1,000");
        assert_eq!(group_digits(1234567, "\u{202f}"), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn language_tags_fall_back_to_english() {
        assert_eq!(typst_language("fr"), "fr");
        assert_eq!(typst_language("zh_Hant"), "zh-hant");
        assert_eq!(typst_language(""), "en");
        assert_eq!(typst_language("x"), "en");
        assert_eq!(typst_language("#set"), "en");
    }

    #[test]
    fn long_titles_are_shortened_with_an_ellipsis() {
        assert_eq!(short("abc", 5), "abc");
        assert_eq!(short("abcdefgh", 5), "abcd…");
    }
}
