//! The verifiable list over HTTP (`crate::proof`): the public page of a letter's
//! snapshots, the entries of a snapshot as JSON (streamed in pages), consistency proofs
//! between snapshots, signers' private proof links, and the staff screen that takes a
//! snapshot.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::Step;
use super::letters::public_letter;
use super::page_cache::{etag_of, public_response};
use super::staff::Staff;
use super::{AppState, ClientIp, WebError};
use crate::domain::ConfirmationToken;
use crate::entities::{LetterStatus, letter};
use crate::proof::{self, ListSnapshot, SignerProof, links};
use crate::store::letters;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/letters/{slug}/list", get(list_page))
        .route("/letters/{slug}/list/{file}", get(list_json))
        .route("/letters/{slug}/consistency", get(consistency))
        .route("/proofs/{token}", get(proof_page))
        .route("/proofs/{token}/proof.json", get(proof_json))
        .route(
            "/staff/letters/{id}/snapshots",
            get(staff_page).post(staff_take),
        )
}

/// Snapshots shown on a page (a letter gets a few: by staff and at delivery).
const SNAPSHOTS_SHOWN: u64 = 200;
/// Entries read per page of a streamed download.
const ENTRIES_PER_READ: u64 = 1000;
/// The entries of a snapshot change only when a later removal hides a listing's fields.
const LIST_CACHE: &str = "public, max-age=60";

/// How a time is shown beside a root.
pub fn utc(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y %H:%M UTC").to_string()
}

fn rows(snapshots: &[ListSnapshot]) -> Vec<templates::SnapshotRow> {
    snapshots
        .iter()
        .map(|s| templates::SnapshotRow {
            size: s.size,
            root: s.root.clone(),
            taken_at: utc(s.taken_at),
        })
        .collect()
}

/// The latest root of a letter as the letter page shows it.
pub async fn list_root(
    state: &AppState,
    letter_id: i64,
) -> Result<Option<templates::ListRoot>, WebError> {
    Ok(proof::latest_snapshot(&state.db, letter_id)
        .await
        .step("reading the latest list snapshot")?
        .map(|s| templates::ListRoot {
            size: s.size,
            root: s.root,
            taken_at: utc(s.taken_at),
        }))
}

async fn list_page(
    State(state): State<AppState>,
    Extension(lang): Extension<templates::Lang>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = public_letter(&state, &slug).await?;
    let snapshots = proof::snapshots(&state.db, letter.id, SNAPSHOTS_SHOWN)
        .await
        .step("reading the list snapshots")?;
    let rows = rows(&snapshots);
    let body = Bytes::from(
        templates::list_snapshots(
            &lang,
            &templates::SnapshotsPage {
                letter_title: &letter.title,
                letter_slug: &letter.slug,
                snapshots: &rows,
            },
        )
        .into_string(),
    );
    Ok(public_response(
        &headers,
        "text/html; charset=utf-8",
        &etag_of(&body),
        body,
    ))
}

/// The entries of one snapshot, so anyone can rebuild its root:
/// `{"format": "undersigned-list-v1", "letter", "tree_size", "root", "taken_at",
/// "entries": [...]}`, each entry as `proof::PublishedEntry`. Streamed a page of entries
/// at a time: memory stays flat however long the list.
async fn list_json(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let size: u64 = file
        .strip_suffix(".json")
        .and_then(|n| n.parse().ok())
        .ok_or(WebError::NotFound)?;
    let letter = public_letter(&state, &slug).await?;
    let snapshot = proof::snapshot_of_size(&state.db, letter.id, size)
        .await
        .step("reading a list snapshot")?
        .ok_or(WebError::NotFound)?;
    let head = serde_json::json!({
        "format": "undersigned-list-v1",
        "letter": letter.slug,
        "tree_size": snapshot.size,
        "root": snapshot.root,
        "taken_at": crate::merkle::canonical::timestamp(snapshot.taken_at),
    })
    .to_string();
    // The head without its closing brace, then the entries array.
    let opening = format!("{},\"entries\":[", head.trim_end_matches('}'));
    let db = state.db.clone();
    let letter_id = letter.id;
    let stream = futures_util::stream::unfold(Some((0u64, true)), move |at| {
        let db = db.clone();
        let opening = opening.clone();
        async move {
            let (start, first) = at?;
            if start >= size {
                let end = if first {
                    format!("{opening}]}}")
                } else {
                    "]}".into()
                };
                return Some((Ok::<_, std::io::Error>(Bytes::from(end)), None));
            }
            match proof::published_entries(&db, letter_id, start, size, ENTRIES_PER_READ).await {
                Ok(entries) if !entries.is_empty() => {
                    let next = entries.last().map_or(size, |e| e.index + 1);
                    let mut chunk = if first { opening } else { String::new() };
                    for (i, e) in entries.iter().enumerate() {
                        if i > 0 || !first {
                            chunk.push(',');
                        }
                        chunk.push_str(&serde_json::to_string(e).unwrap_or_default());
                    }
                    Some((Ok(Bytes::from(chunk)), Some((next, false))))
                }
                Ok(_) => {
                    tracing::error!(
                        letter_id,
                        start,
                        size,
                        "list entries missing below a snapshot's size"
                    );
                    Some((Err(std::io::Error::other("list entries missing")), None))
                }
                Err(e) => {
                    // The status line has gone: cutting the body is all that is left.
                    tracing::error!(error = %e, letter_id, "reading list entries");
                    Some((Err(std::io::Error::other("reading list entries")), None))
                }
            }
        }
    });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(LIST_CACHE));
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

/// `?from=N&to=M`: the consistency proof between the snapshots of `N` and `M` entries
/// (`to` defaults to the latest).
async fn consistency(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Query(q) = query.map_err(|e| {
        WebError::BadRequest(format!(
            "give the sizes of two snapshots as ?from=N&to=M ({})",
            e.body_text()
        ))
    })?;
    let letter = public_letter(&state, &slug).await?;
    let to = match q.to {
        Some(to) => to,
        None => proof::latest_snapshot(&state.db, letter.id)
            .await
            .step("reading the latest list snapshot")?
            .map(|s| s.size)
            .ok_or(WebError::NotFound)?,
    };
    if q.from > to {
        return Err(WebError::BadRequest(
            "a consistency proof goes from an earlier (smaller) snapshot to a later one".into(),
        ));
    }
    let doc = proof::consistency(&state.db, letter.id, q.from, to)
        .await
        .step("making a consistency proof")?
        .ok_or(WebError::NotFound)?;
    let body = Bytes::from(
        serde_json::to_string_pretty(&doc)
            .map_err(|e| WebError::Unexpected(anyhow::anyhow!("a consistency proof: {e}")))?,
    );
    Ok(public_response(
        &headers,
        "application/json",
        &etag_of(&body),
        body,
    ))
}

/// The signature and letter behind a proof link.
async fn behind_link(
    state: &AppState,
    ip: std::net::IpAddr,
    raw: &str,
) -> Result<(ConfirmationToken, SignerProof, letter::Model), WebError> {
    super::withdraw::limit(state, ip)?;
    let token = ConfirmationToken::parse(raw).map_err(|_| WebError::ProofLinkInvalid)?;
    let sig = links::find_by_token(&state.db, &token.hash())
        .await
        .step("looking up a proof link")?
        .ok_or(WebError::ProofLinkInvalid)?;
    let letter = letters::find_by_id(&state.db, sig.letter_id)
        .await
        .step("reading the letter of a proof link")?
        .ok_or(WebError::NotFound)?;
    let proof = proof::signer_proof(&state.db, &sig)
        .await
        .step("making an inclusion proof")?;
    Ok((token, proof, letter))
}

fn private(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn proof_page(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<templates::Lang>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let (token, found, letter) = behind_link(&state, ip, &raw).await?;
    let view = match found {
        SignerProof::Listed { proof, snapshot } => templates::SignerProofState::Listed {
            size: snapshot.size,
            root: snapshot.root,
            leaf_index: proof.leaf_index,
            taken_at: utc(snapshot.taken_at),
        },
        SignerProof::NotYet => templates::SignerProofState::NotYet,
        SignerProof::NotListed => templates::SignerProofState::NotListed,
    };
    let markup = templates::signer_proof(
        &lang,
        &templates::SignerProofPage {
            letter_title: &letter.title,
            letter_slug: &letter.slug,
            token: token.as_str(),
            state: view,
        },
    );
    Ok(private(
        StatusCode::OK,
        "text/html; charset=utf-8",
        markup.into_string(),
    ))
}

/// The inclusion proof document (a 404 says why when there is none).
async fn proof_json(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let (_, found, _) = behind_link(&state, ip, &raw).await?;
    let body = match found {
        SignerProof::Listed { proof, .. } => serde_json::to_string_pretty(&*proof)
            .map_err(|e| WebError::Unexpected(anyhow::anyhow!("an inclusion proof: {e}")))?,
        SignerProof::NotYet => return Err(WebError::NoProofYet),
        SignerProof::NotListed => return Err(WebError::NotOnList),
    };
    Ok(private(StatusCode::OK, "application/json", body))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TakenQuery {
    taken: Option<u64>,
}

async fn staff_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    query: Result<Query<TakenQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let letter = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)?;
    let taken = query.map(|Query(q)| q.taken).unwrap_or_default();
    let snapshots = proof::snapshots(&state.db, id, SNAPSHOTS_SHOWN)
        .await
        .step("reading the list snapshots")?;
    let notice = taken.map(|size| format!("The list's latest snapshot has {size} entries."));
    let rows = rows(&snapshots);
    let markup = templates::staff_snapshots(&templates::StaffSnapshotsPage {
        bar: templates::StaffBar {
            email: &staff.email,
            is_admin: staff.is_admin(),
            csrf: &staff.csrf_token,
        },
        id,
        title: &letter.title,
        slug: &letter.slug,
        public: letter.status != LetterStatus::Draft,
        snapshots: &rows,
        notice: notice.as_deref(),
    });
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfInput {
    csrf: String,
}

async fn staff_take(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let snapshot = proof::take_snapshot(&state.db, id, &staff.actor(), state.clock.now())
        .await
        .map_err(|e| match e {
            proof::SnapshotError::NoLetter(_) => WebError::NotFound,
            proof::SnapshotError::Busy => WebError::Conflict(e.to_string()),
            other => {
                WebError::Unexpected(anyhow::Error::new(other).context("taking a list snapshot"))
            }
        })?;
    if let Some(letter) = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
    {
        // The letter page shows the new root at once.
        state.pages.forget(&letter.slug);
    }
    Ok(Redirect::to(&format!(
        "/staff/letters/{id}/snapshots?taken={}",
        snapshot.size
    ))
    .into_response())
}
