//! The quarantine of one letter: signatures confirmed by email but held by a rule (burst
//! from one network, new domain with many signers, look-alike name) until staff release
//! or invalidate them.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};

/// One quarantined signature.
#[derive(Clone, Debug, Default)]
pub struct QuarantineRow {
    pub id: i64,
    pub name: String,
    /// The organisation, for an organisation's signature.
    pub organisation: Option<String>,
    pub country: String,
    /// The full address, for admins only.
    pub email: Option<String>,
    pub domain: String,
    /// The /24 or /48 it came from, for admins only.
    pub network: Option<String>,
    /// Which rule held it, in words.
    pub rule: String,
    pub confirmed_at: String,
}

/// The quarantine page of a letter.
#[derive(Clone, Debug)]
pub struct QuarantinePage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    pub rows: &'a [QuarantineRow],
    /// The query string of the next page, when there is one.
    pub next: Option<String>,
    pub notice: Option<&'a str>,
}

pub fn quarantine(p: &QuarantinePage<'_>) -> Markup {
    let title = format!("Quarantine: {}", p.letter_title);
    let base = format!("/staff/letters/{}", p.letter_id);
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Signatures under review" }
            p { "Letter: " strong { (p.letter_title) } }
            nav aria-label="This letter" {
                ul.inline-list {
                    li { a href=(base) { "Letter overview" } }
                    li { a href=(format!("{base}/approvals")) { "Approval queue" } }
                    li { a href=(format!("{base}/signatures")) { "Search signatures" } }
                }
            }
            p {
                "These signers confirmed their address, but a quarantine rule held their "
                "signature out of the list and the count. Release a signature to count it, or "
                "invalidate it to keep it out."
            }
            @if let Some(text) = p.notice {
                p.notice role="status" { (text) }
            }
            @if p.rows.is_empty() {
                p { "No signature is under review." }
            } @else {
                table {
                    caption { "Held by a quarantine rule, oldest first" }
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Country" }
                            th scope="col" { "Address" }
                            th scope="col" { "Rule" }
                            th scope="col" { "Confirmed (UTC)" }
                            th scope="col" { "Decide" }
                        }
                    }
                    tbody {
                        @for r in p.rows {
                            tr {
                                td {
                                    (r.name)
                                    @if let Some(org) = &r.organisation { " (" (org) ")" }
                                }
                                td { (r.country) }
                                td {
                                    @if let Some(email) = &r.email { (email) } @else { "…@" (r.domain) }
                                    @if let Some(net) = &r.network { br; "from " (net) }
                                }
                                td { (r.rule) }
                                td { (r.confirmed_at) }
                                td {
                                    form method="post" action=(format!("{base}/quarantine/release")) {
                                        (csrf_field(p.bar.csrf))
                                        input type="hidden" name="signature" value=(r.id);
                                        button.button type="submit" { "Release " (r.name) }
                                    }
                                    form method="post" action=(format!("{base}/quarantine/invalidate")) {
                                        (csrf_field(p.bar.csrf))
                                        input type="hidden" name="signature" value=(r.id);
                                        button.button.button--secondary type="submit" { "Invalidate " (r.name) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &p.next {
                p { a href=(format!("{base}/quarantine?{next}")) { "Next signatures" } }
            }
        },
    )
}
