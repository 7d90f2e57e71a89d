//! Moderation screens of one letter: the approval queue of organisations, the signature
//! search with invalidate/restore per row or for every match, and the page that asks to
//! confirm a bulk action with the exact number it will change.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::{count_noun, field_error, format_count};

/// One held organisation in the approval queue.
#[derive(Clone, Debug, Default)]
pub struct ApprovalRow {
    pub id: i64,
    pub organisation: String,
    pub country: String,
    pub website: Option<String>,
    pub contact: String,
    pub role: Option<String>,
    /// The contact's full address, for admins only.
    pub email: Option<String>,
    pub domain: String,
    /// Whether the email domain belongs to the website (`None`: no website to compare).
    pub domain_matches: Option<bool>,
    pub confirmed_at: String,
    /// A rejection reason typed before a mistake elsewhere, kept.
    pub reason: String,
    pub reason_error: Option<String>,
}

/// The approval queue of a letter.
#[derive(Clone, Debug)]
pub struct ApprovalsPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    pub rows: &'a [ApprovalRow],
    /// The query string of the next page, when there is one.
    pub next: Option<String>,
    pub notice: Option<&'a str>,
    pub reason_max: usize,
}

fn letter_nav(letter_id: i64) -> Markup {
    html! {
        nav aria-label="This letter" {
            ul.inline-list {
                li { a href=(format!("/staff/letters/{letter_id}")) { "Letter overview" } }
                li { a href=(format!("/staff/letters/{letter_id}/approvals")) { "Approval queue" } }
                li { a href=(format!("/staff/letters/{letter_id}/signatures")) { "Search signatures" } }
                li { a href=(format!("/staff/letters/{letter_id}/quarantine")) { "Under review" } }
            }
        }
    }
}

fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice role="status" { (text) }
        }
    }
}

pub fn approvals(p: &ApprovalsPage<'_>) -> Markup {
    let title = format!("Approval queue: {}", p.letter_title);
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Organisations waiting for approval" }
            p { "Letter: " strong { (p.letter_title) } }
            (letter_nav(p.letter_id))
            (notice(p.notice))
            @if p.rows.is_empty() {
                p { "No organisation is waiting for approval." }
            }
            @for r in p.rows {
                section.review aria-labelledby=(format!("org-{}", r.id)) {
                    h2 id=(format!("org-{}", r.id)) { (r.organisation) }
                    dl {
                        dt { "Country" } dd { (r.country) }
                        dt { "Website" }
                        dd {
                            @if let Some(site) = &r.website { (site) } @else { "none given" }
                        }
                        dt { "Contact" }
                        dd {
                            (r.contact)
                            @if let Some(role) = &r.role { ", " (role) }
                        }
                        @if let Some(email) = &r.email {
                            dt { "Contact's email" } dd { (email) }
                        }
                        dt { "Email domain" }
                        dd {
                            (r.domain) " — "
                            @match r.domain_matches {
                                Some(true) => strong.match-yes { "matches the website" },
                                Some(false) => strong.match-no { "differs from the website" },
                                None => "no website to compare",
                            }
                        }
                        dt { "Confirmed (UTC)" } dd { (r.confirmed_at) }
                    }
                    form method="post" action=(format!("/staff/letters/{}/approvals/approve", p.letter_id)) {
                        (csrf_field(p.bar.csrf))
                        input type="hidden" name="signature" value=(r.id);
                        button.button type="submit" { "Approve " (r.organisation) }
                    }
                    form method="post" action=(format!("/staff/letters/{}/approvals/reject", p.letter_id)) {
                        (csrf_field(p.bar.csrf))
                        input type="hidden" name="signature" value=(r.id);
                        @let id = format!("reason-{}", r.id);
                        @let error_id = format!("{id}-error");
                        @let hint_id = format!("{id}-hint");
                        @let messages: Vec<&str> = r.reason_error.as_deref().into_iter().collect();
                        div.field."field--invalid"[r.reason_error.is_some()] {
                            label for=(id) { "Reason for rejecting (sent to the contact)" }
                            (field_error(&error_id, &messages))
                            textarea id=(id) name="reason" rows="3" maxlength=(p.reason_max)
                                aria-invalid=[r.reason_error.is_some().then_some("true")]
                                aria-describedby=(if r.reason_error.is_some() { format!("{hint_id} {error_id}") } else { hint_id.clone() }) { (r.reason) }
                            p.hint id=(hint_id) { "Required to reject; at most " (p.reason_max) " characters." }
                        }
                        button.button.button--secondary type="submit" { "Reject " (r.organisation) }
                    }
                }
            }
            @if let Some(next) = &p.next {
                p { a href=(format!("/staff/letters/{}/approvals?{next}", p.letter_id)) { "Next organisations" } }
            }
        },
    )
}

/// The search filters as typed (kept on the page, sent again by every form).
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchFilters<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub domain: &'a str,
    pub ip: &'a str,
    pub status: &'a str,
    pub kind: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

impl SearchFilters<'_> {
    fn pairs(&self) -> [(&'static str, &str); 8] {
        [
            ("name", self.name),
            ("email", self.email),
            ("domain", self.domain),
            ("ip", self.ip),
            ("status", self.status),
            ("kind", self.kind),
            ("from", self.from),
            ("to", self.to),
        ]
    }
}

fn hidden_filters(filters: &SearchFilters<'_>) -> Markup {
    html! {
        @for (name, value) in filters.pairs() {
            @if !value.trim().is_empty() {
                input type="hidden" name=(name) value=(value);
            }
        }
    }
}

/// One signature in the search results.
#[derive(Clone, Debug, Default)]
pub struct SignatureRow {
    pub id: i64,
    pub name: String,
    pub organisation: Option<String>,
    /// The full address for admins, the domain for editors.
    pub email: String,
    pub country: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub version: i32,
    pub created_at: String,
    pub confirmed_at: Option<String>,
    /// For admins only.
    pub ip: Option<String>,
    pub can_invalidate: bool,
    pub can_restore: bool,
}

/// The signature search of a letter.
#[derive(Clone, Debug)]
pub struct SignaturesPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    pub filters: SearchFilters<'a>,
    /// Problems with the filters: (field, message). With any, no results are shown.
    pub errors: &'a [(&'static str, String)],
    pub rows: &'a [SignatureRow],
    /// Admins see addresses and IPs; editors see email domains.
    pub show_personal: bool,
    /// The query string of the next (older) page.
    pub next: Option<String>,
    pub notice: Option<&'a str>,
}

pub(super) struct FilterField<'a> {
    pub(super) name: &'static str,
    pub(super) label: &'a str,
    pub(super) kind: &'a str,
    pub(super) value: &'a str,
    pub(super) hint: Option<&'a str>,
}

pub(super) fn filter_input(f: &FilterField<'_>, errors: &[(&'static str, String)]) -> Markup {
    let id = format!("filter-{}", f.name);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let messages: Vec<&str> = errors
        .iter()
        .filter(|(field, _)| *field == f.name)
        .map(|(_, m)| m.as_str())
        .collect();
    let invalid = !messages.is_empty();
    let described: Vec<&str> = [
        f.hint.is_some().then_some(hint_id.as_str()),
        invalid.then_some(error_id.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) { (f.label) }
            (field_error(&error_id, &messages))
            input type=(f.kind) id=(id) name=(f.name) value=(f.value)
                aria-invalid=[invalid.then_some("true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
            @if let Some(hint) = f.hint {
                p.hint id=(hint_id) { (hint) }
            }
        }
    }
}

pub(super) fn filter_select(
    name: &'static str,
    label: &str,
    value: &str,
    options: &[(&str, &str)],
    errors: &[(&'static str, String)],
) -> Markup {
    let id = format!("filter-{name}");
    let error_id = format!("{id}-error");
    let messages: Vec<&str> = errors
        .iter()
        .filter(|(field, _)| *field == name)
        .map(|(_, m)| m.as_str())
        .collect();
    let invalid = !messages.is_empty();
    html! {
        div.field."field--invalid"[invalid] {
            label for=(id) { (label) }
            (field_error(&error_id, &messages))
            select id=(id) name=(name) aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some(error_id.as_str())] {
                @for (v, text) in options {
                    option value=(v) selected[*v == value] { (text) }
                }
            }
        }
    }
}

pub(super) const STATUSES: &[(&str, &str)] = &[
    ("", "any"),
    ("pending", "pending"),
    ("confirmed", "confirmed"),
    ("held", "held"),
    ("rejected", "rejected"),
    ("invalidated", "invalidated"),
    ("withdrawn", "withdrawn"),
];

pub(super) const KINDS: &[(&str, &str)] = &[
    ("", "any"),
    ("individual", "individual"),
    ("organisation", "organisation"),
];

pub fn signatures(p: &SignaturesPage<'_>) -> Markup {
    let title = format!("Signatures: {}", p.letter_title);
    let f = &p.filters;
    let e = p.errors;
    let action = |verb: &str| format!("/staff/letters/{}/signatures/{verb}", p.letter_id);
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Signatures" }
            p { "Letter: " strong { (p.letter_title) } }
            (letter_nav(p.letter_id))
            (notice(p.notice))
            form method="get" action=(format!("/staff/letters/{}/signatures", p.letter_id)) {
                fieldset {
                    legend { "Find signatures" }
                    (filter_input(&FilterField { name: "name", label: "Name or organisation contains", kind: "text", value: f.name, hint: None }, e))
                    (filter_input(&FilterField { name: "email", label: "Email address contains", kind: "text", value: f.email, hint: None }, e))
                    (filter_input(&FilterField { name: "domain", label: "Email domain is", kind: "text", value: f.domain, hint: Some("The whole part after the @, like example.org.") }, e))
                    (filter_input(&FilterField { name: "ip", label: "IP address in", kind: "text", value: f.ip, hint: Some("A network like 203.0.113.0/24 or 2001:db8::/48, one address, or the start of one like 203.0.113.") }, e))
                    (filter_select("status", "Status", f.status, STATUSES, e))
                    (filter_select("kind", "Kind", f.kind, KINDS, e))
                    (filter_input(&FilterField { name: "from", label: "Signed on or after (UTC)", kind: "date", value: f.from, hint: Some("YYYY-MM-DD") }, e))
                    (filter_input(&FilterField { name: "to", label: "Signed on or before (UTC)", kind: "date", value: f.to, hint: Some("YYYY-MM-DD") }, e))
                }
                button.button type="submit" { "Search" }
            }
            @if p.errors.is_empty() {
                h2 { "Results" }
                @if p.rows.is_empty() {
                    p { "No signature matches." }
                } @else {
                    table {
                        thead {
                            tr {
                                th scope="col" { "#" }
                                th scope="col" { "Name" }
                                th scope="col" { "Organisation" }
                                th scope="col" { @if p.show_personal { "Email" } @else { "Email domain" } }
                                th scope="col" { "Country" }
                                th scope="col" { "Kind" }
                                th scope="col" { "Status" }
                                th scope="col" { "Version" }
                                th scope="col" { "Signed (UTC)" }
                                th scope="col" { "Confirmed (UTC)" }
                                @if p.show_personal { th scope="col" { "IP address" } }
                                th scope="col" { "Action" }
                            }
                        }
                        tbody {
                            @for r in p.rows {
                                tr {
                                    td { (r.id) }
                                    td { (r.name) }
                                    td { (r.organisation.as_deref().unwrap_or("")) }
                                    td { (r.email) }
                                    td { (r.country) }
                                    td { (r.kind) }
                                    td { (r.status) }
                                    td { (r.version) }
                                    td { (r.created_at) }
                                    td { (r.confirmed_at.as_deref().unwrap_or("")) }
                                    @if p.show_personal { td { (r.ip.as_deref().unwrap_or("")) } }
                                    td {
                                        @if r.can_invalidate {
                                            form method="post" action=(action("invalidate")) {
                                                (csrf_field(p.bar.csrf))
                                                (hidden_filters(f))
                                                input type="hidden" name="signature" value=(r.id);
                                                button.button.button--secondary type="submit" { "Invalidate #" (r.id) }
                                            }
                                        }
                                        @if r.can_restore {
                                            form method="post" action=(action("restore")) {
                                                (csrf_field(p.bar.csrf))
                                                (hidden_filters(f))
                                                input type="hidden" name="signature" value=(r.id);
                                                button.button.button--secondary type="submit" { "Restore #" (r.id) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(next) = &p.next {
                    p { a href=(format!("/staff/letters/{}/signatures?{next}", p.letter_id)) { "Older signatures" } }
                }
                h2 { "Every match" }
                p { "Act on every signature these filters match, on all pages. You will see how many first and be asked to confirm." }
                form method="post" action=(action("invalidate")) {
                    (csrf_field(p.bar.csrf))
                    (hidden_filters(f))
                    input type="hidden" name="all" value="1";
                    button.button.button--secondary type="submit" { "Invalidate every match…" }
                }
                form method="post" action=(action("restore")) {
                    (csrf_field(p.bar.csrf))
                    (hidden_filters(f))
                    input type="hidden" name="all" value="1";
                    button.button.button--secondary type="submit" { "Restore every match…" }
                }
            }
        },
    )
}

/// The question before a bulk action.
#[derive(Clone, Debug)]
pub struct BulkConfirmPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    /// `invalidate` or `restore`.
    pub action: &'a str,
    pub count: u64,
    /// The newest signature the action may reach.
    pub upto: Option<i64>,
    /// The filters in words ("name contains “x”, IP address in 203.0.113.0/24").
    pub description: &'a str,
    pub filters: SearchFilters<'a>,
    /// The number changed since the person was last asked.
    pub count_changed: bool,
    /// The search page with these filters.
    pub back: &'a str,
}

pub fn bulk_confirm(p: &BulkConfirmPage<'_>) -> Markup {
    let verb = if p.action == "restore" {
        "Restore"
    } else {
        "Invalidate"
    };
    let what = count_noun(p.count, "signature", "signatures");
    let back = p.back;
    let heading = if p.count == 0 {
        format!("No signature to {}", verb.to_lowercase())
    } else {
        format!("{verb} {what} matching {}?", p.description)
    };
    page(
        &heading,
        Some(&p.bar),
        html! {
            h1 { (heading) }
            p { "Letter: " strong { (p.letter_title) } }
            @if p.count_changed {
                p.notice role="status" { "The number of matching signatures changed since you were asked. Please check it again." }
            }
            @if p.count == 0 {
                p { "None of the signatures matching " (p.description) " is in a state this would change." }
            } @else {
                p {
                    @if p.action == "restore" {
                        "Each comes back to where it was: held for approval, confirmed (and counted again), or pending. "
                    } @else {
                        "Invalidated signatures are no longer listed or counted; you can restore them later. "
                    }
                    "Signatures made after this page was shown are left alone."
                }
                form method="post" action=(format!("/staff/letters/{}/signatures/{}", p.letter_id, p.action)) {
                    (csrf_field(p.bar.csrf))
                    (hidden_filters(&p.filters))
                    input type="hidden" name="all" value="1";
                    input type="hidden" name="confirm" value="yes";
                    input type="hidden" name="count" value=(p.count);
                    @if let Some(upto) = p.upto {
                        input type="hidden" name="upto" value=(upto);
                    }
                    button.button type="submit" { "Yes, " (verb.to_lowercase()) " " (format_count(p.count)) " " @if p.count == 1 { "signature" } @else { "signatures" } }
                }
            }
            p { a href=(back) { "Back to the search" } }
        },
    )
}
