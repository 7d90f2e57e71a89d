//! The web side of the durable limits and the under-attack mode: turning a refused
//! signing into its page (429 with Retry-After, or the proof-of-work / delay step), and
//! serving the script that solves the proof of work.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use super::AppState;
use super::error::{Step, WebError};
use super::sign_form::SignFormInput;
use crate::abuse::attack::AttackSettings;
use crate::abuse::durable::Refusal;
use crate::abuse::pow::{self, Proof, ProofError};
use crate::entities::letter;

pub fn router() -> Router<AppState> {
    Router::new().route("/static/pow.js", get(script))
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        templates::POW_SCRIPT,
    )
}

/// The proof the form carries, if any: a solved challenge wins over a ticket.
pub fn proof_of(input: &SignFormInput) -> Option<Proof> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    if let Some(work) = given(&input.altcha) {
        return Some(Proof::Work(work.to_owned()));
    }
    given(&input.pow_ticket).map(|t| Proof::Ticket(t.to_owned()))
}

/// What the signer is shown for a signing the guard refused.
pub async fn refusal(
    state: &AppState,
    lang: &templates::Lang,
    letter: &letter::Model,
    input: &SignFormInput,
    refused: Refusal,
) -> WebError {
    match refused {
        Refusal::Limited { retry_after_secs } => WebError::SigningLimited { retry_after_secs },
        Refusal::ProofNeeded => match proof_step(state, lang, letter, input, None).await {
            Ok(e) | Err(e) => e,
        },
        Refusal::ProofRefused(problem) => {
            match proof_step(state, lang, letter, input, Some(problem)).await {
                Ok(e) | Err(e) => e,
            }
        }
    }
}

/// The proof-of-work page with a fresh challenge and ticket, the signer's fields kept.
async fn proof_step(
    state: &AppState,
    lang: &templates::Lang,
    letter: &letter::Model,
    input: &SignFormInput,
    problem: Option<ProofError>,
) -> Result<WebError, WebError> {
    let settings = AttackSettings::from_settings(&state.settings);
    let key = pow::key(&state.db).await.step("reading the proof key")?;
    let now = state.clock.now();
    let challenge = pow::new_challenge(
        &key,
        letter.id,
        settings.pow_max_number,
        now,
        settings.pow_ttl,
    );
    let fields = serde_urlencoded::to_string(input)
        .map(|encoded| {
            url::form_urlencoded::parse(encoded.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let problem = problem.map(|p| match p {
        ProofError::Early { wait_secs } => lang.counted("pow-early", wait_secs),
        ProofError::Used | ProofError::Expired => lang.t("pow-used"),
        _ => lang.t("pow-unchecked"),
    });
    let page = templates::proof_page(
        lang,
        &templates::ProofPage {
            letter_title: letter.title.clone(),
            letter_slug: letter.slug.clone(),
            fields,
            challenge_json: serde_json::to_string(&challenge).unwrap_or_default(),
            ticket: pow::new_ticket(&key, letter.id, now),
            delay_secs: u64::try_from(settings.pow_delay.num_seconds()).unwrap_or(0),
            problem,
        },
    );
    Ok(WebError::ProofNeeded(Box::new(page)))
}
