//! Views of the verifiable signature list: the root block on the letter page, the public
//! page of a letter's snapshots, a signer's proof page, and the proof link shown after
//! confirming.

use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::{Page, layout};
use crate::util::{letter_path, path_segment};

fn page(lang: &Lang, title: &str, body: Markup) -> Markup {
    layout(
        &Page {
            title,
            lang,
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
pub fn list_root(lang: &Lang, slug: &str, root: Option<&ListRoot>) -> Markup {
    html! {
        @if let Some(r) = root {
            section.list-root aria-labelledby="list-root-heading" {
                h2 id="list-root-heading" { (lang.t("list-root-heading")) }
                p {
                    (lang.html_with(
                        "list-root-text",
                        &[("root", html! { code.hash { (r.root) } })],
                        &[
                            ("date", r.taken_at.as_str().into()),
                            ("count", r.size.into()),
                            ("n", lang.count(r.size).into()),
                        ],
                    ))
                    " "
                    a href=(list_path(slug)) { (lang.t("list-root-link")) }
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

pub fn list_snapshots(lang: &Lang, p: &SnapshotsPage<'_>) -> Markup {
    let newest = p.snapshots.first();
    let title = &[("title", html! { q { (p.letter_title) } })];
    page(
        lang,
        &lang.ta("list-title", &[("title", p.letter_title.into())]),
        html! {
            h1 { (lang.html("list-heading", title)) }
            p { (lang.t("list-intro")) }
            p { (lang.html("list-downloads", &[("command", html! { code { "undersigned verify" } })])) }
            @if p.snapshots.is_empty() {
                p { (lang.t("list-none")) }
            } @else {
                table.snapshots {
                    thead {
                        tr {
                            th scope="col" { (lang.t("list-col-taken")) }
                            th scope="col" { (lang.t("list-col-entries")) }
                            th scope="col" { (lang.t("list-col-root")) }
                            th scope="col" { (lang.t("list-col-downloads")) }
                        }
                    }
                    tbody {
                        @for s in p.snapshots {
                            tr {
                                td { (s.taken_at) }
                                td { (lang.count(s.size)) }
                                td { code.hash { (s.root) } }
                                td {
                                    a href=(list_json_path(p.letter_slug, s.size)) { (lang.t("list-entries-json")) }
                                    @if let Some(n) = newest.filter(|n| n.size > s.size) {
                                        " · "
                                        a href=(consistency_path(p.letter_slug, s.size, n.size)) { (lang.t("list-consistency-newest")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { a href=(letter_path(p.letter_slug)) { (lang.t("back-to-letter")) } }
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

pub fn signer_proof(lang: &Lang, p: &SignerProofPage<'_>) -> Markup {
    let title = html! { q { (p.letter_title) } };
    page(
        lang,
        &lang.t("proof-title"),
        html! {
            h1 { (lang.t("proof-title")) }
            p { (lang.t("proof-private")) }
            @match &p.state {
                SignerProofState::Listed { size, root, leaf_index, taken_at } => {
                    p {
                        (lang.html_with(
                            "proof-listed",
                            &[("title", title.clone()), ("root", html! { code.hash { (root) } })],
                            &[
                                ("index", leaf_index.to_string().into()),
                                ("count", (*size).into()),
                                ("n", lang.count(*size).into()),
                                ("date", taken_at.as_str().into()),
                            ],
                        ))
                    }
                    p { a.button href=(proof_json_path(p.token)) download="proof.json" { (lang.t("proof-download")) } }
                    h2 { (lang.t("proof-check-heading")) }
                    ol {
                        li { (lang.html("proof-step-download", &[("file", html! { code { "proof.json" } })])) }
                        li { (lang.t("proof-step-root")) }
                        li {
                            (lang.html(
                                "proof-step-run",
                                &[
                                    ("command", html! { code { "undersigned verify proof.json --root " (root) } }),
                                    ("word", html! { code { "verified" } }),
                                ],
                            ))
                        }
                    }
                    p { (lang.t("proof-algorithm")) }
                }
                SignerProofState::NotYet => {
                    p { (lang.html("proof-not-yet", &[("title", title.clone())])) }
                }
                SignerProofState::NotListed => {
                    p { (lang.html("proof-not-listed", &[("title", title.clone())])) }
                }
            }
            p { a href=(list_path(p.letter_slug)) { (lang.t("proof-roots-link")) } }
        },
    )
}

/// The note with a signer's proof link, shown after confirming.
pub fn proof_link_note(lang: &Lang, url: &str) -> Markup {
    html! {
        p.proof-link {
            (lang.html("proof-link-note", &[("link", html! { a href=(url) { (lang.t("proof-link-text")) } })]))
        }
    }
}

/// The email with a signer's private proof link added before its signature block, as the
/// withdrawal link is added (for the approval email, and the delivery notice).
pub fn with_proof_link(lang: &Lang, mut email: crate::Email, url: &str) -> crate::Email {
    let url: String = url.split_whitespace().collect();
    let intro = lang.t("proof-email-intro");
    let paragraph = format!("{intro}\n{url}\n\n");
    match email.text.rfind("-- \n") {
        Some(at) => email.text.insert_str(at, &paragraph),
        None => email.text.push_str(&paragraph),
    }
    let html = html! {
        p style="margin:0 0 16px;font-size:15px;color:#4b4b4b;" {
            (intro) " "
            a href=(url) style="color:#1a4f8b;word-break:break-all;" { (url) }
        }
    }
    .into_string();
    match email.html.rfind("</div></body>") {
        Some(at) => email.html.insert_str(at, &html),
        None => email.html.push_str(&html),
    }
    email
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script>\"'&";

    fn escaped(html: &str) {
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn every_view_escapes_what_it_is_given() {
        let root = ListRoot {
            size: 12,
            root: EVIL.into(),
            taken_at: EVIL.into(),
        };
        escaped(&list_root(&Lang::english(), EVIL, Some(&root)).into_string());
        assert!(
            list_root(&Lang::english(), "x", None)
                .into_string()
                .is_empty()
        );
        let rows = [SnapshotRow {
            size: 3,
            root: EVIL.into(),
            taken_at: EVIL.into(),
        }];
        let html = list_snapshots(
            &Lang::english(),
            &SnapshotsPage {
                letter_title: EVIL,
                letter_slug: EVIL,
                snapshots: &rows,
            },
        )
        .into_string();
        escaped(&html);
        assert!(html.contains("/list/3.json"));
        for state in [
            SignerProofState::Listed {
                size: 3,
                root: EVIL.into(),
                leaf_index: 1,
                taken_at: EVIL.into(),
            },
            SignerProofState::NotYet,
            SignerProofState::NotListed,
        ] {
            escaped(
                &signer_proof(
                    &Lang::english(),
                    &SignerProofPage {
                        letter_title: EVIL,
                        letter_slug: EVIL,
                        token: EVIL,
                        state,
                    },
                )
                .into_string(),
            );
        }
        escaped(&proof_link_note(&Lang::english(), EVIL).into_string());
    }

    #[test]
    fn the_proof_link_goes_before_the_email_signature() {
        let email = crate::Email {
            subject: "s".into(),
            text: "Hello\n\n-- \nundersigned\n".into(),
            html: "<div>Hello</div></body>".into(),
        };
        let with = with_proof_link(&Lang::english(), email, "https://x.example/proofs/abc");
        let link_at = with.text.find("https://x.example/proofs/abc").unwrap();
        assert!(link_at < with.text.find("-- \n").unwrap());
        assert!(with.html.contains("href=\"https://x.example/proofs/abc\""));
    }
}
