//! Views of the verifiable signature list: the root block on the letter page, the public
//! page of a letter's snapshots, a signer's proof page, and the proof link shown after
//! confirming.

use maud::{Markup, html};

use crate::layout::{Page, layout};
use crate::util::{format_count, letter_path, path_segment};

fn page(title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang: "en",
            description: None,
        },
        body,
    )
}

/// Path of the page of a letter's list snapshots.
pub fn list_path(slug: &str) -> String {
    format!("/letters/{}/list", path_segment(slug))
}

/// Path of the leaves of a letter's snapshot of `size` entries, as JSON.
pub fn list_json_path(slug: &str, size: u64) -> String {
    format!("/letters/{}/list/{size}.json", path_segment(slug))
}

/// Path of the consistency proof between two snapshots of a letter.
pub fn consistency_path(slug: &str, from: u64, to: u64) -> String {
    format!(
        "/letters/{}/consistency?from={from}&to={to}",
        path_segment(slug)
    )
}

/// The latest snapshot of a letter's list, as the letter page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRoot {
    /// Entries of the list log the root covers.
    pub size: u64,
    /// Lowercase hex.
    pub root: String,
    /// Already formatted (UTC).
    pub taken_at: String,
}

/// The small block on the letter page: the latest root, where to check it. Nothing
/// before the first snapshot.
pub fn list_root(slug: &str, root: Option<&ListRoot>) -> Markup {
    html! {
        @if let Some(r) = root {
            section.list-root aria-labelledby="list-root-heading" {
                h2 id="list-root-heading" { "A list anyone can verify" }
                p {
                    "The list of signatures as of " (r.taken_at) " has the Merkle root "
                    code.hash { (r.root) } " (" (format_count(r.size)) " entries). "
                    a href=(list_path(slug)) { "Every published root, the lists and how to check them" }
                }
            }
        }
    }
}

/// One published snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRow {
    pub size: u64,
    pub root: String,
    /// Already formatted (UTC).
    pub taken_at: String,
}

/// The public page of a letter's snapshots.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotsPage<'a> {
    pub letter_title: &'a str,
    pub letter_slug: &'a str,
    /// Newest first.
    pub snapshots: &'a [SnapshotRow],
}

pub fn list_snapshots(p: &SnapshotsPage<'_>) -> Markup {
    let newest = p.snapshots.first();
    page(
        &format!("Verifiable list of {}", p.letter_title),
        html! {
            h1 { "The verifiable list of " q { (p.letter_title) } }
            p {
                "Each signature on the list is a leaf of a Merkle tree (RFC 6962). The tree is over "
                "a log that only grows: a signature being listed is one entry, and a listing that "
                "ends (the signer withdrew, or staff invalidated it) is another. Each snapshot below "
                "publishes the log's size and root; every later one extends every earlier one."
            }
            p {
                "Download the entries of a snapshot to rebuild its root yourself, and a consistency "
                "proof to check that a later list extends an earlier one. The README of undersigned "
                "(\u{201c}Verifying a signature list\u{201d}) describes the algorithm; "
                code { "undersigned verify" } " checks a proof offline."
            }
            @if p.snapshots.is_empty() {
                p { "No snapshot of this list has been taken yet." }
            } @else {
                table.snapshots {
                    thead { tr { th scope="col" { "Taken (UTC)" } th scope="col" { "Entries" } th scope="col" { "Root" } th scope="col" { "Downloads" } } }
                    tbody {
                        @for s in p.snapshots {
                            tr {
                                td { (s.taken_at) }
                                td { (format_count(s.size)) }
                                td { code.hash { (s.root) } }
                                td {
                                    a href=(list_json_path(p.letter_slug, s.size)) { "entries (JSON)" }
                                    @if let Some(n) = newest.filter(|n| n.size > s.size) {
                                        " · "
                                        a href=(consistency_path(p.letter_slug, s.size, n.size)) { "consistency with the newest" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(letter_path(p.letter_slug)) { "Back to the letter" } }
        },
    )
}

/// Where a signer's signature stands, for their proof page.
#[derive(Clone, Debug)]
pub enum SignerProofState {
    /// In the latest snapshot: its size, root and the signature's leaf index.
    Listed {
        size: u64,
        root: String,
        leaf_index: u64,
        taken_at: String,
    },
    /// Confirmed, but no snapshot holds it yet.
    NotYet,
    /// Not on the list (withdrawn, invalidated, held for review, or not confirmed).
    NotListed,
}

/// A signer's private proof page.
#[derive(Clone, Debug)]
pub struct SignerProofPage<'a> {
    pub letter_title: &'a str,
    pub letter_slug: &'a str,
    pub token: &'a str,
    pub state: SignerProofState,
}

/// Path of the proof JSON behind a proof link.
pub fn proof_json_path(token: &str) -> String {
    format!("/proofs/{}/proof.json", path_segment(token))
}

pub fn signer_proof(p: &SignerProofPage<'_>) -> Markup {
    page(
        "Your signature in the verifiable list",
        html! {
            h1 { "Your signature in the verifiable list" }
            p { "This page is private to you: it is reached only through the link you were given." }
            @match &p.state {
                SignerProofState::Listed { size, root, leaf_index, taken_at } => {
                    p {
                        "Your signature on " q { (p.letter_title) } " is entry " (leaf_index)
                        " of the list of " (format_count(*size)) " entries published on " (taken_at)
                        ", whose root is " code.hash { (root) } "."
                    }
                    p { a.button href=(proof_json_path(p.token)) download="proof.json" { "Download the proof (JSON)" } }
                    h2 { "Check it yourself" }
                    ol {
                        li { "Download the proof above as " code { "proof.json" } "." }
                        li {
                            "Get the root from somewhere other than this page: the printed letter, the "
                            "delivery receipt, or the letter's public page."
                        }
                        li {
                            "Run " code { "undersigned verify proof.json --root " (root) }
                            ". It needs no account, no settings and no network, and prints "
                            code { "verified" } " when your signature, exactly as shown in the proof, is in "
                            "the list with that root."
                        }
                    }
                    p {
                        "The algorithm is short and public (README, \u{201c}Verifying a signature list\u{201d}), "
                        "so you can also check the proof with code of your own."
                    }
                }
                SignerProofState::NotYet => {
                    p {
                        "Your signature on " q { (p.letter_title) } " is confirmed, but no published "
                        "snapshot of the list holds it yet. Snapshots are taken from time to time and "
                        "when the letter is delivered; come back to this link later."
                    }
                }
                SignerProofState::NotListed => {
                    p {
                        "Your signature on " q { (p.letter_title) } " is not on the list now (it may "
                        "have been withdrawn, or be waiting for a review), so there is no proof to give."
                    }
                }
            }
            p { a href=(list_path(p.letter_slug)) { "The letter's published roots" } }
        },
    )
}

/// The note with a signer's proof link, shown after confirming.
pub fn proof_link_note(url: &str) -> Markup {
    html! {
        p.proof-link {
            "Keep this private link to check, now or later, that your signature is in the published list: "
            a href=(url) { "your proof of signature" } "."
        }
    }
}
