//! Confirmation links. A GET only shows a page with a button (mail scanners and link
//! previews open links); the POST confirms. Unknown and expired links lead to a form for
//! a new link that answers the same whether or not the address has signed.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::letters::caps;
use super::{AppState, ClientIp, WebError};
use crate::abuse::Limit;
use crate::db;
use crate::domain::{ConfirmationToken, SignerEmail};
use crate::entities::{LetterStatus, SignatureStatus, letter, signature};
use crate::store::letters;
use crate::store::signatures::{self, ConfirmOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/confirm/resend", post(resend))
        .route("/confirm/{token}", get(show).post(confirm))
}

/// The signature and letter a link confirms, or the page to answer with instead: the
/// link is malformed, unknown, expired, moderated away, or its letter closed.
async fn resolve(
    state: &AppState,
    raw: &str,
) -> Result<Result<(signature::Model, letter::Model, ConfirmationToken), Response>, WebError> {
    let unknown = || invalid(StatusCode::NOT_FOUND, false, None, "", None);
    let Ok(token) = ConfirmationToken::parse(raw) else {
        return Ok(Err(unknown()));
    };
    let Some((row, sig)) = signatures::find_by_token(&state.db, &token.hash()).await? else {
        return Ok(Err(unknown()));
    };
    let Some(letter) = letters::find_by_id(&state.db, sig.letter_id).await? else {
        return Ok(Err(unknown()));
    };
    Ok(match sig.status {
        SignatureStatus::Rejected | SignatureStatus::Invalidated => Err(unknown()),
        SignatureStatus::Pending if row.expires_at <= state.clock.now() => Err(invalid(
            StatusCode::GONE,
            true,
            Some(&letter.slug),
            "",
            None,
        )),
        // Signatures count only while the letter takes them.
        SignatureStatus::Pending if letter.status != LetterStatus::Open => Err(closed(&letter)),
        _ => Ok((sig, letter, token)),
    })
}

async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let (sig, letter, token) = match resolve(&state, &raw).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let view_state = if sig.status == SignatureStatus::Confirmed {
        templates::ConfirmState::AlreadyConfirmed
    } else {
        templates::ConfirmState::Ready
    };
    Ok(confirm_page(&letter, &token, view_state))
}

async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let (sig, letter, token) = match resolve(&state, &raw).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let txn = db::begin_write(&state.db).await?;
    let outcome = signatures::confirm(&txn, &sig, state.clock.now()).await?;
    txn.commit().await?;
    let view_state = match outcome {
        ConfirmOutcome::Confirmed => templates::ConfirmState::Confirmed,
        ConfirmOutcome::AlreadyConfirmed => templates::ConfirmState::AlreadyConfirmed,
        ConfirmOutcome::NotConfirmable => {
            return Ok(invalid(StatusCode::NOT_FOUND, false, None, "", None));
        }
    };
    tracing::info!(letter = %letter.slug, outcome = ?outcome, "confirmation");
    Ok(confirm_page(&letter, &token, view_state))
}

fn confirm_page(
    letter: &letter::Model,
    token: &ConfirmationToken,
    state: templates::ConfirmState,
) -> Response {
    page(
        StatusCode::OK,
        templates::confirm(&templates::ConfirmPage {
            letter_title: &letter.title,
            letter_slug: &letter.slug,
            token: token.as_str(),
            state,
        }),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResendInput {
    email: String,
    letter: String,
}

async fn resend(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    form: Result<Form<ResendInput>, FormRejection>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let Form(input) = form.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let slug = (!input.letter.trim().is_empty()).then(|| input.letter.trim().to_string());
    let email = match SignerEmail::parse(&input.email) {
        Ok(email) => email,
        Err(e) => {
            return Ok(invalid(
                StatusCode::UNPROCESSABLE_ENTITY,
                false,
                slug.as_deref(),
                &input.email,
                Some(&e.to_string()),
            ));
        }
    };
    let letter_id = match &slug {
        Some(slug) => letters::find_by_slug(&state.db, slug).await?.map(|l| l.id),
        None => None,
    };
    // An unknown letter slug is answered like any other request: nothing to learn here.
    if slug.is_none() || letter_id.is_some() {
        let txn = db::begin_write(&state.db).await?;
        let queued = signatures::request_new_link(
            &txn,
            email.normalized(),
            letter_id,
            state.clock.now(),
            caps(&state),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(queued, "new confirmation link requested");
    }
    Ok(page(StatusCode::OK, templates::resend_requested()))
}

fn limit(state: &AppState, ip: std::net::IpAddr) -> Result<(), WebError> {
    state
        .limits
        .check(Limit::Confirm, ip)
        .map_err(|wait| WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
}

/// The letter stopped taking signatures before this one was confirmed.
fn closed(letter: &letter::Model) -> Response {
    let message = format!(
        "\u{201c}{}\u{201d} no longer takes signatures, so this signature cannot be confirmed.",
        letter.title
    );
    page(
        StatusCode::CONFLICT,
        templates::error(&templates::ErrorPage {
            status: 409,
            title: "This letter is closed",
            message: &message,
            request_id: None,
            retry_after_secs: None,
        }),
    )
}

fn invalid(
    status: StatusCode,
    expired: bool,
    letter_slug: Option<&str>,
    email: &str,
    error: Option<&str>,
) -> Response {
    page(
        status,
        templates::link_invalid(&templates::LinkInvalidPage {
            expired,
            letter_slug,
            email,
            error,
        }),
    )
}

/// Pages under a token are private to their reader: never cached anywhere.
fn page(status: StatusCode, markup: maud::Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}
