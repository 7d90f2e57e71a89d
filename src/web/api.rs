//! The JSON API.

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;

use super::page_cache::{etag_of, public_response};
use super::{AppState, WebError};
use crate::entities::{LetterStatus, letter};
use crate::store::letters::{self, Counts};

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
    /// The version of the letter's text (1, 2, ...); every edit after a signature adds one.
    pub version: i32,
    /// Where every version of the text can be read.
    pub versions_url: String,
}

/// Answered from the page cache when the letter's page is warm (no query at all);
/// otherwise from two small queries of its own, so the JSON neither pays for rendering the
/// page nor fails with it.
async fn letter(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let body = match state.pages.peek(&slug, state.clock.now()) {
        Some(page) => letter_json(&state, &page.letter, page.counts),
        None => {
            let letter = match letters::find_by_slug(&state.db, &slug).await? {
                Some(l) if l.status != LetterStatus::Draft => l,
                _ => return Err(WebError::NotFound),
            };
            let counts = letters::counts(&state.db, letter.id).await?;
            letter_json(&state, &letter, counts)
        }
    };
    let json = Bytes::from(serde_json::to_vec(&body).context("writing the letter JSON")?);
    Ok(public_response(
        &headers,
        "application/json",
        &etag_of(&json),
        json,
    ))
}

fn letter_json(state: &AppState, letter: &letter::Model, counts: Counts) -> LetterJson {
    LetterJson {
        url: crate::outbox::link(&state.settings, &format!("letters/{}", letter.slug)),
        slug: letter.slug.clone(),
        title: letter.title.clone(),
        status: crate::letters::status_name(letter.status),
        language: letter.language.clone(),
        individual_count: counts.individuals,
        organisation_count: counts.organisations,
        total_count: counts.total(),
        goal: letter.goal,
        deadline: letter.deadline.map(|d| d.to_rfc3339()),
        version: letter.version,
        versions_url: crate::outbox::link(
            &state.settings,
            &format!("letters/{}/versions", letter.slug),
        ),
    }
}
