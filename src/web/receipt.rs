//! The public receipt of a letter's deliveries (`/letters/{slug}/receipt`), and the views
//! the letter page shows of it: to whom, when, with how many signatures, and the root.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};

use super::error::Step;
use super::page_cache::{etag_of, public_response};
use super::{AppState, WebError};
use crate::entities::{LetterStatus, letter};

pub fn router() -> Router<AppState> {
    Router::new().route("/letters/{slug}/receipt", get(show))
}

/// "30 November 2026, 12:00 UTC", the date in the reader's language.
fn minutes(lang: &templates::Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}, {} UTC",
        crate::delivery::jobs::dated(lang, at),
        at.format("%H:%M")
    )
}

/// The receipts of `letter` as the templates show them; none unless it was delivered
/// (only a started delivery makes a letter `delivered`), which saves open letters a query.
pub(super) async fn views_of(
    state: &AppState,
    lang: &templates::Lang,
    letter: &letter::Model,
) -> Result<Vec<templates::ReceiptView>, WebError> {
    if letter.status != LetterStatus::Delivered {
        return Ok(Vec::new());
    }
    let receipts = crate::delivery::receipts(&state.db, letter.id)
        .await
        .step("reading the deliveries")?;
    Ok(receipts
        .into_iter()
        .map(|r| templates::ReceiptView {
            delivered: minutes(lang, r.started_at),
            version: u32::try_from(r.version).unwrap_or(1),
            individuals: u64::try_from(r.individuals).unwrap_or(0),
            organisations: u64::try_from(r.organisations).unwrap_or(0),
            list_size: r.list_size.and_then(|n| u64::try_from(n).ok()),
            list_root: r.list_root,
            targets: r
                .targets
                .into_iter()
                .map(|t| templates::ReceiptTargetView {
                    name: t.name,
                    sent: t.sent_at.map(|at| minutes(lang, at)),
                })
                .collect(),
        })
        .collect())
}

async fn show(
    State(state): State<AppState>,
    Extension(lang): Extension<templates::Lang>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let letter = super::letters::public_letter(&state, &slug).await?;
    let receipts = views_of(&state, &lang, &letter).await?;
    let body = Bytes::from(
        templates::receipt(
            &lang,
            &templates::ReceiptPage {
                slug: &letter.slug,
                title: &letter.title,
                receipts: &receipts,
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
