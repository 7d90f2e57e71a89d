//! The JSON API.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{AppState, PUBLIC_CACHE, WebError};
use crate::entities::LetterStatus;
use crate::store::letters;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/letters/{slug}", get(letter))
}

/// A letter's state and counts, as `GET /api/letters/{slug}` returns it.
#[derive(Debug, Serialize)]
pub struct LetterJson {
    pub slug: String,
    pub title: String,
    pub status: &'static str,
    pub language: String,
    pub individual_count: i64,
    pub organisation_count: i64,
    pub total_count: i64,
    pub goal: Option<i64>,
    pub deadline: Option<String>,
    pub url: String,
}

async fn letter(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let letter = match letters::find_by_slug(&state.db, &slug).await? {
        Some(l) if l.status != LetterStatus::Draft => l,
        _ => return Err(WebError::NotFound),
    };
    let counts = letters::counts(&state.db, letter.id).await?;
    let body = LetterJson {
        url: crate::outbox::link(&state.settings, &format!("letters/{}", letter.slug)),
        slug: letter.slug,
        title: letter.title,
        status: match letter.status {
            LetterStatus::Draft => "draft",
            LetterStatus::Open => "open",
            LetterStatus::Closed => "closed",
            LetterStatus::Delivered => "delivered",
        },
        language: letter.language,
        individual_count: counts.individuals,
        organisation_count: counts.organisations,
        total_count: counts.total(),
        goal: letter.goal,
        deadline: letter.deadline.map(|d| d.to_rfc3339()),
    };
    Ok(([(header::CACHE_CONTROL, PUBLIC_CACHE)], Json(body)).into_response())
}
