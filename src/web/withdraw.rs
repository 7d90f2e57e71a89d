//! Withdrawal links (`/withdraw/{token}`): a GET shows a page with a button (mail
//! scanners open links by themselves), the POST withdraws (`privacy::withdraw`). Pages
//! under a token are private to their reader and never cached.

use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::error::Step;
use super::{AppState, ClientIp, WebError};
use crate::abuse::Limit;
use crate::db;
use crate::domain::ConfirmationToken;
use crate::entities::{SignatureStatus, letter};
use crate::privacy::withdraw::{self, Withdrawn};
use crate::store::letters;

pub fn router() -> Router<AppState> {
    Router::new().route("/withdraw/{token}", get(show).post(confirm))
}

async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<templates::Lang>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let token = ConfirmationToken::parse(&raw).map_err(|_| WebError::WithdrawLinkInvalid)?;
    let sig = withdraw::find_by_token(&state.db, &token.hash())
        .await
        .step("looking up a withdrawal link")?
        .ok_or(WebError::WithdrawLinkInvalid)?;
    let letter = letters::find_by_id(&state.db, sig.letter_id)
        .await
        .step("reading the letter of a withdrawal link")?
        .ok_or(WebError::WithdrawLinkInvalid)?;
    let view = if sig.status == SignatureStatus::Withdrawn {
        templates::WithdrawState::AlreadyWithdrawn
    } else {
        templates::WithdrawState::Ready
    };
    Ok(page(&state, &lang, &letter, &token, view))
}

async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<templates::Lang>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let token = ConfirmationToken::parse(&raw).map_err(|_| WebError::WithdrawLinkInvalid)?;
    let hash = token.hash();
    let now = state.clock.now();
    // The signature is read in the transaction that withdraws it.
    let done = db::write(&state.db, move |txn| {
        let hash = hash.clone();
        Box::pin(async move {
            let Some(sig) = withdraw::find_by_token(txn, &hash).await? else {
                return Ok(None);
            };
            let Some(letter) = letters::find_by_id(txn, sig.letter_id).await? else {
                return Ok(None);
            };
            let outcome = withdraw::withdraw(txn, &sig, now).await?;
            Ok(Some((letter, outcome)))
        })
    })
    .await
    .step("withdrawing a signature")?;
    let (letter, outcome) = done.ok_or(WebError::WithdrawLinkInvalid)?;
    tracing::info!(letter = %letter.slug, outcome = ?outcome, "withdrawal");
    let view = match outcome {
        Withdrawn::WasCounted | Withdrawn::WasNotCounted => templates::WithdrawState::Withdrawn,
        Withdrawn::Already => templates::WithdrawState::AlreadyWithdrawn,
    };
    Ok(page(&state, &lang, &letter, &token, view))
}

fn page(
    state: &AppState,
    lang: &templates::Lang,
    letter: &letter::Model,
    token: &ConfirmationToken,
    view: templates::WithdrawState,
) -> Response {
    let markup = templates::withdraw(
        lang,
        &templates::WithdrawPage {
            letter_title: &letter.title,
            letter_slug: &letter.slug,
            token: token.as_str(),
            state: view,
            count_lag_secs: state.settings.count_rollup_interval.as_secs(),
        },
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}

/// Withdrawal links share the confirmation links' limit: both are guessing targets.
pub(super) fn limit(state: &AppState, ip: std::net::IpAddr) -> Result<(), WebError> {
    state.limits.check(Limit::Confirm, ip).map_err(|wait| {
        state
            .metrics
            .rejected(crate::metrics::LimitKind::ConfirmAddress);
        WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
}
