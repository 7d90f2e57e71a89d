//! The private preview of a letter: `/letters/{slug}/preview/{key}` shows the letter as
//! the public will see it (drafts included) to whoever holds the key staff made, with a
//! "Draft preview" banner and the sign forms disabled. Never cached, never indexed, and
//! a wrong key is the same 404 as no letter at all.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::error::Step;
use super::letters::{Position, letter_view};
use super::{AppState, WebError};
use crate::letters::preview_key_matches;
use crate::store::letters;

pub fn router() -> Router<AppState> {
    Router::new().route("/letters/{slug}/preview/{key}", get(show))
}

async fn show(
    State(state): State<AppState>,
    Path((slug, key)): Path<(String, String)>,
    Extension(lang): Extension<templates::Lang>,
) -> Result<Response, WebError> {
    let letter = match letters::find_by_slug(&state.db, &slug)
        .await
        .step("reading the letter")?
    {
        Some(l) if preview_key_matches(&l, &key) => l,
        _ => return Err(WebError::NotFound),
    };
    let (mut view, _) = letter_view(
        &state,
        &lang,
        &letter,
        &Position::default(),
        None,
        Vec::new(),
        Default::default(),
        false,
    )
    .await?;
    view.preview = true;
    Ok((
        StatusCode::OK,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("x-robots-tag"),
                HeaderValue::from_static("noindex, nofollow"),
            ),
        ],
        Html(templates::letter(&lang, &view).into_string()),
    )
        .into_response())
}
