//! The public versions of a letter's text: `/letters/{slug}/versions` lists them with the
//! confirmed signatures each holds, and `/letters/{slug}/versions/{n}` shows one in full
//! with its differences from the version before. Each version stays readable at its own
//! address for good, so anyone can see exactly what a signature was given to.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use similar::{ChangeTag, TextDiff};
use templates::{DiffPiece, DiffTag};

use super::error::Step;
use super::letters::public_letter;
use super::page_cache::{etag_of, public_response};
use super::{AppState, WebError};
use crate::store::{letters, signatures};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/letters/{slug}/versions", get(list))
        .route("/letters/{slug}/versions/{number}", get(show))
}

const HTML: &str = "text/html; charset=utf-8";

/// Longest a diff may search for the smallest difference; past it `similar` settles for a
/// larger (still correct) one, so a long body rewritten from top to bottom cannot hold a
/// request.
const DIFF_TIMEOUT: Duration = Duration::from_millis(200);

/// Confirmed signatures per version number (one grouped count).
async fn confirmed(state: &AppState, letter_id: i64) -> Result<HashMap<i32, u64>, WebError> {
    Ok(signatures::confirmed_by_version(&state.db, letter_id)
        .await
        .step("counting signatures by version")?
        .into_iter()
        .map(|(version, n)| (version, u64::try_from(n).unwrap_or(0)))
        .collect())
}

async fn list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Extension(lang): Extension<templates::Lang>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    // One row per edit made after a signature: few, and read without their texts.
    let versions = letters::version_dates(&state.db, letter.id)
        .await
        .step("reading the versions")?;
    let counts = confirmed(&state, letter.id).await?;
    let page = templates::VersionsPage {
        slug: letter.slug,
        title: letter.title,
        language: letter.language,
        versions: versions
            .into_iter()
            .map(|(number, created_at)| templates::VersionRow {
                number: u32::try_from(number).unwrap_or(0),
                created_on: super::i18n::date(&lang, created_at),
                signatures: counts.get(&number).copied().unwrap_or(0),
            })
            .collect(),
    };
    let body = Bytes::from(templates::versions(&lang, &page).into_string());
    Ok(public_response(&headers, HTML, &etag_of(&body), body))
}

async fn show(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    Extension(lang): Extension<templates::Lang>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // Anything but a version number (bytes that are not even text included) names no
    // version: 404, never a 500.
    let Ok(Path((slug, number))) = path else {
        return Err(WebError::NotFound);
    };
    let Some(number) = number.parse::<i32>().ok().filter(|n| *n > 0) else {
        return Err(WebError::NotFound);
    };
    let letter = public_letter(&state, &slug).await?;
    let Some(version) = letters::version(&state.db, letter.id, number)
        .await
        .step("reading a version")?
    else {
        return Err(WebError::NotFound);
    };
    let previous = if number > 1 {
        letters::version(&state.db, letter.id, number - 1)
            .await
            .step("reading the version before")?
    } else {
        None
    };
    let counts = confirmed(&state, letter.id).await?;
    let page = templates::VersionPage {
        slug: letter.slug,
        number: u32::try_from(number).unwrap_or(0),
        latest: u32::try_from(letter.version).unwrap_or(0),
        created_on: super::i18n::date(&lang, version.created_at),
        diff: previous.map(|p| templates::VersionDiff {
            title: diff(&p.title, &version.title),
            summary: diff(&p.summary, &version.summary),
            body: diff(&p.body, &version.body),
        }),
        body_html: crate::markdown::render(&version.body),
        title: version.title,
        summary: version.summary,
        language: letter.language,
        signatures: counts.get(&number).copied().unwrap_or(0),
    };
    let body = Bytes::from(templates::version(&lang, &page).into_string());
    Ok(public_response(&headers, HTML, &etag_of(&body), body))
}

/// The word-level difference between two texts, as runs of unchanged, added and removed
/// text (whitespace, line breaks included, is kept as it was written). Words changed one
/// after another on a line read as one removed phrase and one added phrase, not as
/// alternating single words.
pub fn diff(old: &str, new: &str) -> Vec<DiffPiece> {
    join_phrases(word_diff(old, new))
}

/// The raw word diff, with neighbouring pieces of one tag joined.
fn word_diff(old: &str, new: &str) -> Vec<DiffPiece> {
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_words(old, new);
    let mut pieces: Vec<DiffPiece> = Vec::new();
    for change in diff.iter_all_changes() {
        let tag = match change.tag() {
            ChangeTag::Equal => DiffTag::Same,
            ChangeTag::Insert => DiffTag::Added,
            ChangeTag::Delete => DiffTag::Removed,
        };
        match pieces.last_mut() {
            Some(last) if last.tag == tag => last.text.push_str(change.value()),
            _ => pieces.push(DiffPiece {
                tag,
                text: change.value().to_owned(),
            }),
        }
    }
    pieces
}

/// Folds the spaces between two changes into both sides, so "red car" replaced by "blue
/// bus" shows as removed "red car", added "blue bus". Only spaces and tabs are folded: a
/// line break still separates changes, so a change never spills over its paragraph.
/// Both texts are still rebuilt exactly from the pieces.
fn join_phrases(pieces: Vec<DiffPiece>) -> Vec<DiffPiece> {
    let joins = |p: &DiffPiece| {
        p.tag == DiffTag::Same
            && !p.text.is_empty()
            && p.text.chars().all(|c| c == ' ' || c == '\t')
    };
    let mut out = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        if pieces[i].tag == DiffTag::Same {
            out.push(pieces[i].clone());
            i += 1;
            continue;
        }
        let (mut removed, mut added) = (String::new(), String::new());
        while i < pieces.len() {
            let p = &pieces[i];
            match p.tag {
                DiffTag::Removed => removed.push_str(&p.text),
                DiffTag::Added => added.push_str(&p.text),
                DiffTag::Same => {
                    let between_changes = joins(p)
                        && pieces
                            .get(i + 1)
                            .is_some_and(|next| next.tag != DiffTag::Same);
                    if !between_changes {
                        break;
                    }
                    removed.push_str(&p.text);
                    added.push_str(&p.text);
                }
            }
            i += 1;
        }
        for (tag, text) in [(DiffTag::Removed, removed), (DiffTag::Added, added)] {
            if !text.is_empty() {
                out.push(DiffPiece { tag, text });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pieces: &[DiffPiece], keep: DiffTag) -> String {
        pieces
            .iter()
            .filter(|p| p.tag == DiffTag::Same || p.tag == keep)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn a_diff_rebuilds_both_texts() {
        let old = "We ask the Council to act.\n\nSigned, the undersigned.";
        let new = "We ask the European Council to act now.\n\nSigned, the undersigned.";
        let pieces = diff(old, new);
        assert_eq!(text(&pieces, DiffTag::Removed), old);
        assert_eq!(text(&pieces, DiffTag::Added), new);
        let added: Vec<&str> = pieces
            .iter()
            .filter(|p| p.tag == DiffTag::Added)
            .map(|p| p.text.trim())
            .collect();
        // Words are split at whitespace: punctuation stays with its word.
        assert_eq!(added, ["European", "act now."], "{pieces:?}");
        let removed: Vec<&str> = pieces
            .iter()
            .filter(|p| p.tag == DiffTag::Removed)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(removed, ["act."]);
    }

    #[test]
    fn a_changed_word_is_removed_then_added_and_runs_are_joined() {
        let pieces = diff("the red car", "the blue car");
        assert_eq!(
            pieces,
            vec![
                DiffPiece {
                    tag: DiffTag::Same,
                    text: "the ".into()
                },
                DiffPiece {
                    tag: DiffTag::Removed,
                    text: "red".into()
                },
                DiffPiece {
                    tag: DiffTag::Added,
                    text: "blue".into()
                },
                DiffPiece {
                    tag: DiffTag::Same,
                    text: " car".into()
                },
            ]
        );
    }

    #[test]
    fn words_changed_in_a_row_read_as_phrases_within_a_line() {
        let old = "We ask the red car to stop.\n\nThe end came.";
        let new = "We ask the blue bus to stop.\n\nA start came.";
        let pieces = diff(old, new);
        assert_eq!(text(&pieces, DiffTag::Removed), old);
        assert_eq!(text(&pieces, DiffTag::Added), new);
        let changed: Vec<(DiffTag, &str)> = pieces
            .iter()
            .filter(|p| p.tag != DiffTag::Same)
            .map(|p| (p.tag, p.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            [
                (DiffTag::Removed, "red car"),
                (DiffTag::Added, "blue bus"),
                (DiffTag::Removed, "The end"),
                (DiffTag::Added, "A start"),
            ]
        );
        // Only an addition: nothing removed is made up.
        let only_added = diff("a b", "a new b");
        assert!(
            only_added.iter().all(|p| p.tag != DiffTag::Removed),
            "{only_added:?}"
        );
    }

    proptest::proptest! {
        #[test]
        fn both_texts_are_rebuilt_from_any_diff(
            old in "[ab \t\n<&é]{0,40}",
            new in "[ab \t\n<&é]{0,40}",
        ) {
            let pieces = diff(&old, &new);
            proptest::prop_assert_eq!(text(&pieces, DiffTag::Removed), old);
            proptest::prop_assert_eq!(text(&pieces, DiffTag::Added), new);
            proptest::prop_assert!(pieces.iter().all(|p| !p.text.is_empty()));
        }
    }

    #[test]
    fn equal_texts_have_no_changes() {
        assert!(diff("same", "same").iter().all(|p| p.tag == DiffTag::Same));
        assert!(diff("", "").is_empty());
    }
}
