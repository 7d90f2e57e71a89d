//! The letter page: the letter itself, its signature counts, the signing forms and the signatories.

use maud::{Markup, PreEscaped, html};

use crate::layout::{Page, layout_with_head};
use crate::share_meta::{ShareMeta, share_meta};
use crate::sign_form::{FormText, SignForm, error_summary_id, sign_section};
use crate::util::{count_noun, format_count, letter_path, non_blank, version_path, versions_path};

/// Where a letter is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterStatus {
    Draft,
    Open,
    Closed,
    Delivered,
}

impl LetterStatus {
    fn label(self) -> &'static str {
        match self {
            LetterStatus::Draft => "Draft",
            LetterStatus::Open => "Open for signatures",
            LetterStatus::Closed => "Closed",
            LetterStatus::Delivered => "Delivered",
        }
    }

    /// Why there is no form, for every status but `Open`.
    fn notice(self) -> Option<&'static str> {
        match self {
            LetterStatus::Open => None,
            LetterStatus::Draft => Some("This letter is a draft and does not take signatures yet."),
            LetterStatus::Closed => Some("This letter is closed and takes no new signatures."),
            LetterStatus::Delivered => {
                Some("This letter has been delivered and takes no new signatures.")
            }
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

fn tally(page: &LetterPage<'_>) -> Markup {
    let total = page
        .individual_count
        .saturating_add(page.organisation_count);
    // A zero goal would make an empty, meaningless bar.
    let goal = page.goal.filter(|g| *g > 0);
    html! {
        div.tally {
            ul.counts {
                li {
                    span.count { (format_count(page.organisation_count)) }
                    " " (if page.organisation_count == 1 { "organisation" } else { "organisations" })
                }
                li {
                    span.count { (format_count(page.individual_count)) }
                    " " (if page.individual_count == 1 { "individual" } else { "individuals" })
                }
                li.total {
                    span.count { (format_count(total)) }
                    " " (if total == 1 { "signature" } else { "signatures" }) " in total"
                }
            }
            @if let Some(goal) = goal {
                @let percent = (u128::from(total) * 100 / u128::from(goal)).min(100);
                div.progress {
                    label for="goal-progress" {
                        (format_count(total)) " of " (count_noun(goal, "signature", "signatures"))
                        " towards the goal"
                    }
                    progress id="goal-progress" max=(goal) value=(total.min(goal)) {
                        (percent) "%"
                    }
                }
            }
        }
    }
}

fn organisations_section(page: &LetterPage<'_>) -> Markup {
    html! {
        section.signatories id="organisations" aria-labelledby="organisations-heading" {
            h2 id="organisations-heading" { "Signatory organisations" }
            @if page.organisations.is_empty() {
                p.empty {
                    @if page.organisations_paging.is_first { "No organisation has signed yet." }
                    @else { "There are no more organisations to show." }
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
                                        (signed_version(&page.slug, version))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pagination(
                &page.slug,
                &page.organisations_paging,
                &Links {
                    label: "Pages of signatory organisations",
                    anchor: "organisations",
                    param: "orgs_after",
                    first: "First organisations",
                    next: "More organisations",
                },
            ))
        }
    }
}

/// The words and addresses of one list's paging links.
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
fn pagination(slug: &str, paging: &Paging, links: &Links) -> Markup {
    let path = letter_path(slug);
    html! {
        @if !paging.is_first || paging.next.is_some() {
            nav.pagination aria-label=(links.label) {
                @if !paging.is_first {
                    a rel="first" href=(format!("{path}#{}", links.anchor)) {
                        span aria-hidden="true" { "« " } (links.first)
                    }
                }
                @if let Some(next) = &paging.next {
                    a rel="next" href=(format!("{path}?{}={next}#{}", links.param, links.anchor)) {
                        (links.next) span aria-hidden="true" { " →" }
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
fn signed_version(slug: &str, version: u32) -> Markup {
    html! {
        a.signed-version href=(version_path(slug, version)) { "signed version " (version) }
    }
}

/// The note beside a text that has changed since the letter opened.
fn version_note(page: &LetterPage<'_>) -> Markup {
    html! {
        @if let Some(on) = page.version_changed_on.as_deref().and_then(non_blank) {
            p.version-note {
                "The text was changed on " (on) " (version " (page.version) " of " (page.version) "). "
                "Signatures given to earlier versions are marked by version. "
                a href=(versions_path(&page.slug)) { "See every version and what changed" }
            }
        }
    }
}

/// Why the form came back instead of being recorded: the text changed since it was opened.
fn text_changed_notice(page: &LetterPage<'_>) -> Markup {
    html! {
        div.notice."notice--changed" role="alert" {
            p {
                "The text of this letter changed since you opened it (version " (page.version) "). "
                "Please read it again; your details are kept."
            }
            p {
                @if page.version > 1 {
                    a href=(version_path(&page.slug, page.version)) { "See what changed" }
                    " · "
                }
                @if let Some(kind) = page.form.submitted.filter(|_| page.form.has_errors()) {
                    a href=(format!("#{}", error_summary_id(kind))) { "Correct the problems in the form" }
                } @else {
                    a href="#sign" { "Go to the form" }
                }
            }
        }
    }
}

fn individuals_section(page: &LetterPage<'_>) -> Markup {
    html! {
        section.signatories id="individuals" aria-labelledby="individuals-heading" {
            h2 id="individuals-heading" { "Individual signatories" }
            @if page.individual_count > 0 {
                p.hint { "People who chose not to show their name are counted but not listed." }
            }
            @if page.individuals.is_empty() {
                p.empty {
                    @if page.individuals_paging.is_first { "No one is listed publicly yet." }
                    @else { "There are no more names to show." }
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
                                        (signed_version(&page.slug, version))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (pagination(
                &page.slug,
                &page.individuals_paging,
                &Links {
                    label: "Pages of individual signatories",
                    anchor: "individuals",
                    param: "before",
                    first: "Newest signatures",
                    next: "Older signatures",
                },
            ))
        }
    }
}

/// The page of one letter.
pub fn letter(page: &LetterPage<'_>) -> Markup {
    letter_with_share(page, None)
}

/// The letter page with its link-preview tags (Open Graph, Twitter card) in the head.
pub fn letter_with_share(page: &LetterPage<'_>, share: Option<&ShareMeta>) -> Markup {
    let open = page.status == LetterStatus::Open;
    let lang = non_blank(&page.language);
    let targets: Vec<&str> = page.targets.iter().filter_map(|t| non_blank(t)).collect();
    let deadline = page.deadline.as_deref().and_then(non_blank);
    let body = html! {
        @if page.preview {
            div.notice.preview-banner role="note" {
                strong { "Draft preview. " }
                "This is how the letter will look to the public. It is private: please do not share this link. Signing does not work here."
            }
        }
        article.letter {
            header.letter-header {
                p.letter-status { (page.status.label()) }
                h1 lang=[lang] { (page.title) }
                @if let Some(summary) = non_blank(&page.summary) {
                    p.summary lang=[lang] { (summary) }
                }
                @if !targets.is_empty() {
                    p.targets { "To: " (targets.join(", ")) }
                }
                @if let Some(deadline) = deadline {
                    p.deadline {
                        @if open { "Open for signatures until " (deadline) "." }
                        @else { "Deadline: " (deadline) }
                    }
                }
                (tally(page))
                (version_note(page))
                @if let Some(notice) = page.status.notice() {
                    p.notice { (notice) }
                } @else if page.text_changed {
                    (text_changed_notice(page))
                } @else if let Some(kind) = page.form.submitted.filter(|k| page.form.has_errors() && !page.form.kinds.offers(*k)) {
                    // A form of a kind this letter does not take: there is no such form on
                    // the page to show the problem beside, so it is said here.
                    div.notice."notice--error" role="alert" id=(error_summary_id(kind)) {
                        p { "Your signature has not been sent." }
                        @for e in &page.form.errors { p { (e.message) } }
                    }
                } @else if let Some(kind) = page.form.submitted.filter(|_| page.form.has_errors()) {
                    // After a failed submission the page reloads at the top, far from the form
                    // on a phone; this says what happened and leads back to the problems.
                    p.notice."notice--error" {
                        "Your signature has not been sent yet. "
                        a href=(format!("#{}", error_summary_id(kind))) { "Correct the problems in the form" }
                    }
                } @else {
                    p { a.button.button--secondary href="#sign" { "Sign this letter" } }
                }
            }
            // Sanitised by the caller: the only HTML on any page that maud does not escape.
            div.letter-body lang=[lang] { (PreEscaped(&page.body_html)) }
        }
        @if page.preview {
            fieldset.preview-forms disabled {
                legend { "Sign forms (they do not work in a preview)" }
                (sign_section(&page.slug, &FormText { version: page.version, text_id: &page.text_id, form_stamp: &page.form_stamp }, &page.form))
            }
        } @else if open {
            (sign_section(&page.slug, &FormText { version: page.version, text_id: &page.text_id, form_stamp: &page.form_stamp }, &page.form))
        }
        (organisations_section(page))
        (individuals_section(page))
    };
    layout_with_head(
        &Page {
            title: &page.title,
            lang: "en",
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
