//! The letter page: the letter itself, its signature counts, the signing forms and the signatories.

use maud::{Markup, PreEscaped, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout_with_head};
use crate::share_meta::{ShareMeta, share_meta};
use crate::sign_form::{FormText, SignForm, error_summary_id, sign_section};
use crate::util::{letter_path, non_blank, version_path, versions_path};

/// A translation shown in place of the letter's original text.
#[derive(Clone, Debug)]
pub struct TranslationNote {
    /// Interface language of the translation (a `LANGUAGES` tag).
    pub language: String,
    /// BCP 47 language of the original text.
    pub original_language: String,
    /// Where the original text is shown.
    pub original_href: String,
}

/// Where a letter is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterStatus {
    Draft,
    Open,
    Closed,
    Delivered,
}

impl LetterStatus {
    /// Message key of the status label.
    fn label(self) -> &'static str {
        match self {
            LetterStatus::Draft => "status-draft",
            LetterStatus::Open => "status-open",
            LetterStatus::Closed => "status-closed",
            LetterStatus::Delivered => "status-delivered",
        }
    }

    /// Message key of why there is no form, for every status but `Open`.
    fn notice(self) -> Option<&'static str> {
        match self {
            LetterStatus::Open => None,
            LetterStatus::Draft => Some("notice-draft"),
            LetterStatus::Closed => Some("notice-closed"),
            LetterStatus::Delivered => Some("notice-delivered"),
        }
    }
}

/// An organisation listed under the letter.
#[derive(Clone, Debug)]
pub struct OrganisationSignatory {
    pub name: String,
    /// Country name as shown to readers.
    pub country: String,
    /// Linked only when it is an http(s) URL.
    pub website: Option<String>,
    /// The version of the text it signed, when that is not the current one.
    pub earlier_version: Option<u32>,
}

/// A person who chose to be listed under the letter.
#[derive(Clone, Debug)]
pub struct IndividualSignatory {
    pub name: String,
    /// Country name as shown to readers.
    pub country: String,
    pub city: Option<String>,
    pub occupation: Option<String>,
    /// The version of the text they signed, when that is not the current one.
    pub earlier_version: Option<u32>,
}

/// Where one page of a list of signatories sits among the others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paging {
    /// The opaque cursor that leads to the next page; `None` on the last page.
    pub next: Option<String>,
    /// Whether this is the list's first page (otherwise a link leads back to it).
    pub is_first: bool,
}

/// Everything the letter page shows.
#[derive(Clone, Debug)]
pub struct LetterPage<'a> {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// BCP 47 language of the letter text; set as `lang` on the title, summary and body.
    pub language: String,
    /// Sanitised HTML of the letter text; the only HTML this crate does not escape.
    pub body_html: String,
    pub status: LetterStatus,
    /// Institution names, shown as "To: A, B".
    pub targets: Vec<String>,
    pub individual_count: u64,
    pub organisation_count: u64,
    pub goal: Option<u64>,
    /// Already formatted for display.
    pub deadline: Option<String>,
    /// By name, one page of them.
    pub organisations: Vec<OrganisationSignatory>,
    pub organisations_paging: Paging,
    /// Newest first, one page of them.
    pub individuals: Vec<IndividualSignatory>,
    pub individuals_paging: Paging,
    pub form: SignForm<'a>,
    /// A private preview for staff and reviewers: a "Draft preview" banner on top, and
    /// the sign forms shown disabled.
    pub preview: bool,
    /// The version of the text shown (1, 2, ...); the sign forms carry it back, so a
    /// signing given to a text that changed meanwhile is caught before it is recorded.
    pub version: u32,
    /// A fingerprint of the text shown, carried by the sign forms beside `version`: a
    /// version corrected in place (before anyone signed it) keeps its number.
    pub text_id: String,
    /// When the text has more than one version: the date the current one was made.
    pub version_changed_on: Option<String>,
    /// The signed render time the sign forms carry back (see `undersigned::abuse::screen`):
    /// a form sent too soon after it was rendered, or days later, is refused.
    pub form_stamp: String,
    /// The page answers a sign form sent from an older text: the signer is asked to read
    /// the new one (their details are kept in the form).
    pub text_changed: bool,
    /// The latest snapshot of the verifiable list, once one was taken.
    pub list_root: Option<crate::proofs::ListRoot>,
    /// The letter's deliveries, newest first (`receipt`); empty until it is delivered.
    pub receipts: Vec<crate::receipt::ReceiptView>,
    /// Set when `title`, `summary` and `body_html` are a translation (then `language` is
    /// the translation's): the page says the original is authoritative and links to it.
    pub translation: Option<TranslationNote>,
}

fn form_text<'a>(page: &'a LetterPage<'_>) -> FormText<'a> {
    FormText {
        version: page.version,
        text_id: &page.text_id,
        form_stamp: &page.form_stamp,
        text_language: page.translation.as_ref().map(|t| t.language.as_str()),
    }
}

/// "This is a translation; the original (in English) is authoritative: read it".
fn translation_note(ui: &Lang, note: &TranslationNote) -> Markup {
    let original = &note.original_language;
    // The original's language named in the reader's (the tag itself for a rare one).
    let name = ui.ta(
        "language-name",
        &[("tag", original.to_ascii_lowercase().into())],
    );
    html! {
        p.notice.translation-note role="note" {
            (ui.ta("translation-note", &[("language", name.into())]))
            " "
            a href=(note.original_href) hreflang=(original) { (ui.t("translation-read-original")) }
        }
    }
}

/// The website of an organisation, if it is safe to link to.
///
/// Anything but http(s) is refused so that a `javascript:` or `data:` URL
/// typed into the form can never become a clickable link.
fn safe_website(website: Option<&str>) -> Option<&str> {
    let url = non_blank(website?)?;
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let ok = (lower.starts_with("https://") && url.len() > 8)
        || (lower.starts_with("http://") && url.len() > 7);
    ok.then_some(url)
}

/// Shortens a URL for display: no scheme, no "www.", no trailing slash.
fn display_website(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.strip_suffix('/').unwrap_or(rest)
}

fn tally(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    let total = page
        .individual_count
        .saturating_add(page.organisation_count);
    // A zero goal would make an empty, meaningless bar.
    let goal = page.goal.filter(|g| *g > 0);
    html! {
        div.tally {
            ul.counts {
                li { (tally_line(lang, "tally-organisations", page.organisation_count)) }
                li { (tally_line(lang, "tally-individuals", page.individual_count)) }
                li.total { (tally_line(lang, "tally-total", total)) }
            }
            @if let Some(goal) = goal {
                @let percent = (u128::from(total) * 100 / u128::from(goal)).min(100);
                div.progress {
                    label for="goal-progress" {
                        (lang.ta("goal-progress", &[
                            ("total", lang.count(total).into()),
                            ("count", goal.into()),
                            ("goal", lang.count(goal).into()),
                        ]))
                    }
                    progress id="goal-progress" max=(goal) value=(total.min(goal)) {
                        (percent) "%"
                    }
                }
            }
        }
    }
}

/// "12 organisations": the count in its own span, styled apart, within the translated words.
fn tally_line(lang: &Lang, key: &str, n: u64) -> Markup {
    lang.html_with(
        key,
        &[("n", html! { span.count { (lang.count(n)) } })],
        &[("count", n.into())],
    )
}

fn organisations_section(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    html! {
        section.signatories id="organisations" aria-labelledby="organisations-heading" {
            h2 id="organisations-heading" { (lang.t("organisations-heading")) }
            @if page.organisations.is_empty() {
                p.empty {
                    @if page.organisations_paging.is_first { (lang.t("organisations-none")) }
                    @else { (lang.t("organisations-no-more")) }
                }
            } @else {
                ul.signatory-list {
                    @for o in &page.organisations {
                        li {
                            span.signatory-name { (o.name) }
                            @let country = non_blank(&o.country);
                            @let website = o.website.as_deref().and_then(non_blank);
                            @if country.is_some() || website.is_some() || o.earlier_version.is_some() {
                                span.signatory-details {
                                    @if let Some(country) = country { (country) }
                                    @if let Some(website) = website {
                                        @if country.is_some() { " · " }
                                        @if let Some(url) = safe_website(Some(website)) {
                                            a href=(url) rel="nofollow ugc noopener" { (display_website(url)) }
                                        } @else {
                                            // Not an http(s) URL: readable, but never a link.
                                            (website)
                                        }
                                    }
                                    @if let Some(version) = o.earlier_version {
                                        @if country.is_some() || website.is_some() { " · " }
                                        (signed_version(lang, &page.slug, version))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pagination(
                lang,
                &page.slug,
                &page.organisations_paging,
                &Links {
                    label: "organisations-pages",
                    anchor: "organisations",
                    param: "orgs_after",
                    first: "organisations-first",
                    next: "organisations-more",
                },
            ))
        }
    }
}

/// The words (message keys) and addresses of one list's paging links.
struct Links {
    label: &'static str,
    /// The id of the list's section, so a link lands on the list and not the page top.
    anchor: &'static str,
    /// The query parameter that carries the cursor.
    param: &'static str,
    first: &'static str,
    next: &'static str,
}

/// "First" and "next" links under a list. The first page is the letter's plain address,
/// so every link back to it shares one cached copy; there is no "previous" link, since a
/// keyset only runs one way.
fn pagination(lang: &Lang, slug: &str, paging: &Paging, links: &Links) -> Markup {
    let path = letter_path(slug);
    html! {
        @if !paging.is_first || paging.next.is_some() {
            nav.pagination aria-label=(lang.t(links.label)) {
                @if !paging.is_first {
                    a rel="first" href=(format!("{path}#{}", links.anchor)) {
                        span.arrow-back aria-hidden="true" { "« " } (lang.t(links.first))
                    }
                }
                @if let Some(next) = &paging.next {
                    a rel="next" href=(format!("{path}?{}={next}#{}", links.param, links.anchor)) {
                        (lang.t(links.next)) span.arrow-forward aria-hidden="true" { " →" }
                    }
                }
            }
        }
    }
}

fn individual_details(i: &IndividualSignatory) -> String {
    let place = [i.city.as_deref().and_then(non_blank), non_blank(&i.country)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    [
        i.occupation.as_deref().and_then(non_blank),
        non_blank(&place),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// "signed version 1", linked to that text: beside a signatory who signed an earlier text.
fn signed_version(lang: &Lang, slug: &str, version: u32) -> Markup {
    html! {
        a.signed-version href=(version_path(slug, version)) {
            (lang.ta("signed-version", &[("version", version.into())]))
        }
    }
}

/// The note beside a text that has changed since the letter opened.
fn version_note(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    html! {
        @if let Some(on) = page.version_changed_on.as_deref().and_then(non_blank) {
            p.version-note {
                (lang.ta("version-note", &[("date", on.into()), ("version", page.version.into())]))
                " "
                a href=(versions_path(&page.slug)) { (lang.t("version-note-link")) }
            }
        }
    }
}

/// Why the form came back instead of being recorded: the text changed since it was opened.
fn text_changed_notice(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    html! {
        div.notice."notice--changed" role="alert" {
            p { (lang.ta("text-changed", &[("version", page.version.into())])) }
            p {
                @if page.version > 1 {
                    a href=(version_path(&page.slug, page.version)) { (lang.t("see-what-changed")) }
                    " · "
                }
                @if let Some(kind) = page.form.submitted.filter(|_| page.form.has_errors()) {
                    a href=(format!("#{}", error_summary_id(kind))) { (lang.t("correct-problems")) }
                } @else {
                    a href="#sign" { (lang.t("go-to-form")) }
                }
            }
        }
    }
}

fn individuals_section(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    html! {
        section.signatories id="individuals" aria-labelledby="individuals-heading" {
            h2 id="individuals-heading" { (lang.t("individuals-heading")) }
            @if page.individual_count > 0 {
                p.hint { (lang.t("individuals-hidden-hint")) }
            }
            @if page.individuals.is_empty() {
                p.empty {
                    @if page.individuals_paging.is_first { (lang.t("individuals-none")) }
                    @else { (lang.t("individuals-no-more")) }
                }
            } @else {
                ul.signatory-list {
                    @for i in &page.individuals {
                        li {
                            span.signatory-name { (i.name) }
                            @let details = individual_details(i);
                            @if !details.is_empty() || i.earlier_version.is_some() {
                                span.signatory-details {
                                    (details)
                                    @if let Some(version) = i.earlier_version {
                                        @if !details.is_empty() { " · " }
                                        (signed_version(lang, &page.slug, version))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pagination(
                lang,
                &page.slug,
                &page.individuals_paging,
                &Links {
                    label: "individuals-pages",
                    anchor: "individuals",
                    param: "before",
                    first: "individuals-first",
                    next: "individuals-more",
                },
            ))
        }
    }
}

/// The page of one letter.
pub fn letter(lang: &Lang, page: &LetterPage<'_>) -> Markup {
    letter_with_share(lang, page, None)
}

/// The letter page with its link-preview tags (Open Graph, Twitter card) in the head.
pub fn letter_with_share(lang: &Lang, page: &LetterPage<'_>, share: Option<&ShareMeta>) -> Markup {
    let open = page.status == LetterStatus::Open;
    let text_lang = non_blank(&page.language);
    let targets: Vec<&str> = page.targets.iter().filter_map(|t| non_blank(t)).collect();
    let deadline = page.deadline.as_deref().and_then(non_blank);
    let body = html! {
        @if page.preview {
            div.notice.preview-banner role="note" {
                strong { (lang.t("preview-banner-title")) }
                " "
                (lang.t("preview-banner"))
            }
        }
        article.letter {
            header.letter-header {
                p.letter-status { (lang.t(page.status.label())) }
                h1 lang=[text_lang] { (page.title) }
                @if let Some(summary) = non_blank(&page.summary) {
                    p.summary lang=[text_lang] { (summary) }
                }
                @if !targets.is_empty() {
                    p.targets { (lang.ta("letter-targets", &[("targets", targets.join(", ").into())])) }
                }
                @if let Some(deadline) = deadline {
                    p.deadline {
                        @if open { (lang.ta("open-until", &[("date", deadline.into())])) }
                        @else { (lang.ta("deadline", &[("date", deadline.into())])) }
                    }
                }
                @if let Some(note) = &page.translation {
                    (translation_note(lang, note))
                }
                (tally(lang, page))
                (version_note(lang, page))
                @if let Some(notice) = page.status.notice() {
                    p.notice { (lang.t(notice)) }
                } @else if page.text_changed {
                    (text_changed_notice(lang, page))
                } @else if let Some(kind) = page.form.submitted.filter(|k| page.form.has_errors() && !page.form.kinds.offers(*k)) {
                    // A form of a kind this letter does not take: there is no such form on
                    // the page to show the problem beside, so it is said here.
                    div.notice."notice--error" role="alert" id=(error_summary_id(kind)) {
                        p { (lang.t("signature-not-sent")) }
                        @for e in &page.form.errors { p { (e.message) } }
                    }
                } @else if let Some(kind) = page.form.submitted.filter(|_| page.form.has_errors()) {
                    // After a failed submission the page reloads at the top, far from the form
                    // on a phone; this says what happened and leads back to the problems.
                    p.notice."notice--error" {
                        (lang.t("signature-not-sent-yet")) " "
                        a href=(format!("#{}", error_summary_id(kind))) { (lang.t("correct-problems")) }
                    }
                } @else {
                    p { a.button.button--secondary href="#sign" { (lang.t("sign-this-letter")) } }
                }
            }
            (crate::receipt::receipt_block(lang, &page.slug, &page.receipts))
            // Sanitised by the caller: the only HTML on any page that maud does not escape.
            div.letter-body lang=[text_lang] { (PreEscaped(&page.body_html)) }
        }
        @if page.preview {
            fieldset.preview-forms disabled {
                legend { (lang.t("preview-forms")) }
                (sign_section(lang, &page.slug, &form_text(page), &page.form))
            }
        } @else if open {
            (sign_section(lang, &page.slug, &form_text(page), &page.form))
        }
        (organisations_section(lang, page))
        (individuals_section(lang, page))
        (crate::proofs::list_root(lang, &page.slug, page.list_root.as_ref()))
    };
    layout_with_head(
        &Page {
            title: &page.title,
            lang,
            description: non_blank(&page.summary),
        },
        html! { @if let Some(share) = share { (share_meta(share)) } },
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_websites_are_linked() {
        assert_eq!(
            safe_website(Some("https://example.org")),
            Some("https://example.org")
        );
        assert_eq!(
            safe_website(Some(" HTTP://example.org ")),
            Some("HTTP://example.org")
        );
        assert_eq!(safe_website(Some("javascript:alert(1)")), None);
        assert_eq!(safe_website(Some("data:text/html,hi")), None);
        assert_eq!(safe_website(Some("https://")), None);
        assert_eq!(safe_website(Some("example.org")), None);
        assert_eq!(safe_website(None), None);
    }

    #[test]
    fn websites_display_short() {
        assert_eq!(display_website("https://www.example.org/"), "example.org");
        assert_eq!(
            display_website("http://example.org/about"),
            "example.org/about"
        );
    }
}
