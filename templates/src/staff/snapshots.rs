//! The staff screen of a letter's verifiable list: its snapshots and the button that
//! takes a new one.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::proofs::{SnapshotRow, list_json_path, list_path};
use crate::util::format_count;

#[derive(Clone, Copy, Debug)]
pub struct StaffSnapshotsPage<'a> {
    pub bar: StaffBar<'a>,
    pub id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    /// Whether the letter is public (its list page exists).
    pub public: bool,
    /// Newest first.
    pub snapshots: &'a [SnapshotRow],
    /// What the last action did.
    pub notice: Option<&'a str>,
}

pub fn staff_snapshots(p: &StaffSnapshotsPage<'_>) -> Markup {
    page(
        &format!("Verifiable list of {}", p.title),
        Some(&p.bar),
        html! {
            h1 { "Verifiable list of " q { (p.title) } }
            @if let Some(notice) = p.notice {
                p.notice role="status" { (notice) }
            }
            p {
                "A snapshot appends to the list's log what changed since the last one (new "
                "confirmed signatures, and the removal of withdrawn or invalidated ones) and "
                "publishes the log's size and Merkle root. Signers' proofs are given against the "
                "latest snapshot; delivery takes one too."
            }
            form method="post" action=(format!("/staff/letters/{}/snapshots", p.id)) {
                (csrf_field(p.bar.csrf))
                button.button type="submit" { "Take a snapshot now" }
            }
            @if p.public {
                p { a href=(list_path(p.slug)) { "The public page of the roots" } }
            }
            @if p.snapshots.is_empty() {
                p { "No snapshot yet." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Taken (UTC)" } th scope="col" { "Entries" } th scope="col" { "Root" } } }
                    tbody {
                        @for s in p.snapshots {
                            tr {
                                td { (s.taken_at) }
                                td { (format_count(s.size)) }
                                td {
                                    @if p.public { a href=(list_json_path(p.slug, s.size)) { code { (s.root) } } }
                                    @else { code { (s.root) } }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(format!("/staff/letters/{}", p.id)) { "Back to the letter" } }
        },
    )
}
