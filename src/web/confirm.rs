//! Confirmation links. A GET only shows a page with a button (mail scanners and link
//! previews open links); the POST confirms. Unknown and expired links lead to a form for
//! a new link that answers the same whether or not the address has signed.

use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Deserialize;

use super::error::{LinkProblem, Step};
use super::letters::caps;
use super::{AppState, ClientIp, WebError};
use crate::abuse::Limit;
use crate::db;
use crate::db::batch::{Batch, Work};
use crate::domain::{ConfirmationToken, SignerEmail};
use crate::entities::{SignatureStatus, letter, signature};
use crate::letters::accepts_signatures;
use crate::store::letters;
use crate::store::signatures::{self, ConfirmOutcome};
use std::sync::Arc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/confirm/resend", post(resend))
        .route("/confirm/{token}", get(show).post(confirm))
}

/// What a link leads to, as read in one place (inside the confirming transaction for a
/// POST, so the letter's state is checked where it counts).
enum LinkState {
    /// Malformed, never issued, or its signature moderated away.
    Unknown,
    /// A pending signature whose link ran out.
    Expired { letter_slug: String },
    /// A pending signature on a letter that no longer takes signatures.
    LetterClosed { title: String },
    Usable {
        signature: Box<signature::Model>,
        letter: Box<letter::Model>,
    },
}

/// In a group-commit batch (`batch`), the letter is read once for the batch.
async fn look_up<C: ConnectionTrait>(
    conn: &C,
    batch: Option<&Batch>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<LinkState, DbErr> {
    let Some((row, sig)) = signatures::find_by_token(conn, token_hash).await? else {
        return Ok(LinkState::Unknown);
    };
    let letter = match batch {
        Some(batch) => batch.letter(conn, sig.letter_id).await?,
        None => letters::find_by_id(conn, sig.letter_id).await?,
    };
    let Some(letter) = letter else {
        return Ok(LinkState::Unknown);
    };
    Ok(match sig.status {
        SignatureStatus::Rejected | SignatureStatus::Invalidated | SignatureStatus::Withdrawn => {
            LinkState::Unknown
        }
        SignatureStatus::Pending if row.expires_at <= now => LinkState::Expired {
            letter_slug: letter.slug,
        },
        SignatureStatus::Pending if !accepts_signatures(&letter, now) => LinkState::LetterClosed {
            title: letter.title,
        },
        _ => LinkState::Usable {
            signature: Box::new(sig),
            letter: Box::new(letter),
        },
    })
}

/// The error for every state but a usable link.
fn not_usable(state: LinkState) -> WebError {
    match state {
        LinkState::Expired { letter_slug } => WebError::LinkInvalid(LinkProblem {
            expired: true,
            letter_slug: Some(letter_slug),
            ..LinkProblem::default()
        }),
        LinkState::LetterClosed { title } => WebError::LetterClosed { title },
        LinkState::Unknown | LinkState::Usable { .. } => {
            WebError::LinkInvalid(LinkProblem::default())
        }
    }
}

async fn show(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<templates::Lang>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let token = ConfirmationToken::parse(&raw)
        .map_err(|_| WebError::LinkInvalid(LinkProblem::default()))?;
    let found = look_up(&state.db, None, &token.hash(), state.clock.now())
        .await
        .step("looking up a confirmation link")?;
    let (sig, letter) = match found {
        LinkState::Usable { signature, letter } => (signature, letter),
        other => return Err(not_usable(other)),
    };
    let view_state = match sig.status {
        SignatureStatus::Confirmed => templates::ConfirmState::AlreadyConfirmed,
        SignatureStatus::Held
            if sig.held_for.as_deref() == Some(crate::abuse::quarantine::QUARANTINE) =>
        {
            templates::ConfirmState::UnderReview
        }
        SignatureStatus::Held => templates::ConfirmState::Held,
        _ => templates::ConfirmState::Ready,
    };
    Ok(confirm_page(&lang, &letter, &token, view_state, None))
}

async fn confirm(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<templates::Lang>,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let token = ConfirmationToken::parse(&raw)
        .map_err(|_| WebError::LinkInvalid(LinkProblem::default()))?;
    let hash = token.hash();
    let now = state.clock.now();
    let rules = crate::abuse::quarantine::Rules::from_settings(&state.settings);
    // The link, the signature and the letter's state are read in the transaction that
    // confirms, so a letter closed a moment ago cannot take this confirmation.
    // Group commit (db::batch), in the link's lane: a link followed twice at once is
    // confirmed in one lane, one after the other.
    let lane = hash.clone();
    let work: Work<(LinkState, Option<ConfirmOutcome>, Option<ConfirmationToken>)> =
        Arc::new(move |txn, batch| {
            let hash = hash.clone();
            Box::pin(async move {
                let link = look_up(txn, Some(batch), &hash, now).await?;
                let outcome = match &link {
                    LinkState::Usable { signature, letter } => Some(
                        signatures::confirm_screened(
                            txn,
                            signature,
                            letter,
                            now,
                            Some(&rules),
                            Some(batch),
                        )
                        .await?,
                    ),
                    _ => None,
                };
                // A listed signer gets a private link to the proof of their signature.
                let proof_token = match (&link, outcome) {
                    (
                        LinkState::Usable { signature, .. },
                        Some(ConfirmOutcome::Confirmed | ConfirmOutcome::AlreadyConfirmed),
                    ) => Some(crate::proof::links::mint(txn, signature.id, now).await?),
                    _ => None,
                };
                Ok((link, outcome, proof_token))
            })
        });
    let (link, outcome, proof_token) = state
        .writer
        .write(&lane, work)
        .await
        .step("confirming a signature")?;
    let proof_url = proof_token
        .as_ref()
        .map(|t| crate::proof::links::proof_url(&state.settings.base_url, t));
    let letter = match link {
        LinkState::Usable { letter, signature } => {
            if outcome == Some(ConfirmOutcome::Confirmed) {
                state.metrics.confirmation(signature.kind.as_str());
            }
            letter
        }
        other => return Err(not_usable(other)),
    };
    let view_state = match outcome {
        Some(ConfirmOutcome::Confirmed) => templates::ConfirmState::Confirmed,
        Some(ConfirmOutcome::AlreadyConfirmed) => templates::ConfirmState::AlreadyConfirmed,
        Some(ConfirmOutcome::Held | ConfirmOutcome::AlreadyHeld) => templates::ConfirmState::Held,
        Some(ConfirmOutcome::UnderReview) => templates::ConfirmState::UnderReview,
        Some(ConfirmOutcome::NotConfirmable) | None => {
            return Err(WebError::LinkInvalid(LinkProblem::default()));
        }
    };
    tracing::info!(letter = %letter.slug, outcome = ?outcome, "confirmation");
    Ok(confirm_page(
        &lang,
        &letter,
        &token,
        view_state,
        proof_url.as_deref(),
    ))
}

fn confirm_page(
    lang: &templates::Lang,
    letter: &letter::Model,
    token: &ConfirmationToken,
    state: templates::ConfirmState,
    proof_url: Option<&str>,
) -> Response {
    page(
        StatusCode::OK,
        templates::confirm_with_proof(
            lang,
            &templates::ConfirmPage {
                letter_title: &letter.title,
                letter_slug: &letter.slug,
                token: token.as_str(),
                state,
            },
            proof_url,
        ),
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
    Extension(lang): Extension<templates::Lang>,
    form: Result<Form<ResendInput>, FormRejection>,
) -> Result<Response, WebError> {
    limit(&state, ip)?;
    let Form(input) = form?;
    let slug = (!input.letter.trim().is_empty()).then(|| input.letter.trim().to_string());
    let email = SignerEmail::parse(&input.email).map_err(|e| {
        WebError::LinkInvalid(LinkProblem {
            expired: false,
            letter_slug: slug.clone(),
            email: input.email.clone(),
            error: Some(super::i18n::domain_message(&lang, &e)),
        })
    })?;
    let letter_id = match &slug {
        Some(slug) => letters::find_by_slug(&state.db, slug)
            .await
            .step("reading the letter of a new-link request")?
            .map(|l| l.id),
        None => None,
    };
    // An unknown letter slug is answered like any other request: nothing to learn here.
    if slug.is_none() || letter_id.is_some() {
        let (normalized, now, caps) = (
            email.normalized().to_string(),
            state.clock.now(),
            caps(&state),
        );
        let queued = db::write(&state.db, move |txn| {
            let normalized = normalized.clone();
            Box::pin(async move {
                signatures::request_new_link(txn, &normalized, letter_id, now, caps).await
            })
        })
        .await
        .step("queueing new confirmation links")?;
        tracing::info!(queued, "new confirmation link requested");
    }
    Ok(page(StatusCode::OK, templates::resend_requested(&lang)))
}

fn limit(state: &AppState, ip: std::net::IpAddr) -> Result<(), WebError> {
    state.limits.check(Limit::Confirm, ip).map_err(|wait| {
        state
            .metrics
            .rejected(crate::metrics::LimitKind::ConfirmAddress);
        WebError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        }
    })
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
