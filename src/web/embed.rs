//! The embeddable widget of a letter: `GET /letters/{slug}/embed`, a tiny page with the
//! title, the live count and a button to the letter, made to sit in an iframe on other
//! sites. It is the one page whose Content-Security-Policy allows framing (see
//! [`EMBED_CSP`]); every other response keeps `frame-ancestors 'none'`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::page_cache::{etag_of, public_response};
use super::{AppState, WebError};
use crate::entities::{LetterStatus, letter};
use crate::letters::accepts_signatures;
use crate::store::letters::{self, Counts};

pub fn router() -> Router<AppState> {
    Router::new().route("/letters/{slug}/embed", get(embed))
}

/// The widget's policy: the site's own (nothing from elsewhere, no scripts at all, no
/// forms) except that any site may frame it. The router adds its policy only where a
/// handler set none, so this is the one place framing is allowed.
pub(super) const EMBED_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors *; base-uri 'none'";

/// A public letter and its counts: from the page cache when the letter's page is warm (no
/// query at all), else from two small queries. Drafts are not found.
pub(super) async fn public_letter_with_counts(
    state: &AppState,
    slug: &str,
) -> Result<(letter::Model, Counts), WebError> {
    if let Some(page) = state.pages.peek(slug, state.clock.now()) {
        return Ok((page.letter.clone(), page.counts));
    }
    let letter = match letters::find_by_slug(&state.db, slug).await? {
        Some(l) if l.status != LetterStatus::Draft => l,
        _ => return Err(WebError::NotFound),
    };
    let counts = letters::counts(&state.db, letter.id).await?;
    Ok((letter, counts))
}

async fn embed(
    State(state): State<AppState>,
    Extension(lang): Extension<templates::Lang>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (letter, counts) = public_letter_with_counts(&state, &slug).await?;
    let letter_url = crate::outbox::link(&state.settings, &format!("letters/{}", letter.slug));
    let html = templates::embed(
        &lang,
        &templates::EmbedPage {
            title: &letter.title,
            language: &letter.language,
            total_count: u64::try_from(counts.total()).unwrap_or(0),
            goal: letter.goal.and_then(|g| u64::try_from(g).ok()),
            letter_url: &letter_url,
            open: accepts_signatures(&letter, state.clock.now()),
        },
    );
    let body = Bytes::from(html.into_string());
    let mut response = public_response(&headers, "text/html; charset=utf-8", &etag_of(&body), body);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EMBED_CSP),
    );
    Ok(response.into_response())
}
