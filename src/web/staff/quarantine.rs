//! The quarantine page of a letter (`/staff/letters/{id}/quarantine`, editors and
//! admins): signatures held by a quarantine rule (`abuse::quarantine`), each with the
//! rule that held it and buttons to release (counted) or invalidate (kept out). Admins
//! see addresses and networks; editors see email domains. Both actions are audited.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Staff, page};
use crate::abuse::quarantine::{self, Rule};
use crate::db;
use crate::store::letters;
use crate::store::moderation::{self, Action, Reviewer, email_domain};
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

/// Signatures per page.
const PAGE: u64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/quarantine", get(show))
        .route("/staff/letters/{id}/quarantine/release", post(release))
        .route(
            "/staff/letters/{id}/quarantine/invalidate",
            post(invalidate),
        )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    after: String,
    done: String,
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let letter = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter of the quarantine")?
        .ok_or(WebError::NotFound)?;
    let after = match q.after.trim() {
        "" => None,
        t => Some(
            t.parse::<i64>()
                .map_err(|_| WebError::BadRequest("`after` must be a number".into()))?,
        ),
    };
    let queue = quarantine::queue(&state.db, letter.id, after, PAGE)
        .await
        .step("reading the quarantine")?;
    let admin = staff.is_admin();
    let rows: Vec<templates::QuarantineRow> = queue
        .rows
        .iter()
        .map(|s| templates::QuarantineRow {
            id: s.id,
            name: s.name.clone(),
            organisation: s.organisation_name.clone(),
            country: s.country.clone(),
            email: admin.then(|| s.email.clone()),
            domain: email_domain(&s.email_normalized).to_owned(),
            network: if admin {
                s.network_prefix.clone()
            } else {
                None
            },
            rule: Rule::describe(s.review_note.as_deref()).to_owned(),
            confirmed_at: s
                .confirmed_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default(),
        })
        .collect();
    let notice = match q.done.as_str() {
        "released" => {
            Some("Released: the signature is confirmed and will be counted within a minute.")
        }
        "invalidated" => Some("Invalidated: the signature stays out of the list and the count."),
        "stale" => Some(
            "Nothing changed: this signature had already been decided on, perhaps by someone else.",
        ),
        _ => None,
    };
    Ok(page(templates::quarantine(&templates::QuarantinePage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        rows: &rows,
        next: queue.next_after.map(|id| format!("after={id}")),
        notice,
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DecisionInput {
    csrf: String,
    signature: String,
}

async fn release(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
) -> Result<Response, WebError> {
    decide(state, ip, staff, path, form, true).await
}

async fn invalidate(
    state: State<AppState>,
    ip: ClientIp,
    staff: Staff,
    path: Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
) -> Result<Response, WebError> {
    decide(state, ip, staff, path, form, false).await
}

async fn decide(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<DecisionInput>, FormRejection>,
    releasing: bool,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let letter = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter of the quarantine")?
        .ok_or(WebError::NotFound)?;
    let signature_id = input
        .signature
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::BadRequest("`signature` must be a number".into()))?;
    let by = Reviewer {
        account_id: staff.account_id,
        email: staff.email.clone(),
        client_ip: Some(ip),
    };
    let (letter_id, now) = (letter.id, state.clock.now());
    let acted = db::write(&state.db, move |txn| {
        let by = by.clone();
        Box::pin(async move {
            if releasing {
                return quarantine::release(txn, letter_id, signature_id, &by, now).await;
            }
            // Only a signature still in quarantine: the search page invalidates others.
            let held = crate::store::signatures::find(txn, signature_id)
                .await?
                .is_some_and(|s| {
                    s.letter_id == letter_id
                        && s.status == crate::entities::SignatureStatus::Held
                        && s.held_for.as_deref() == Some(quarantine::QUARANTINE)
                });
            if !held {
                return Ok(false);
            }
            moderation::apply_one(txn, letter_id, signature_id, Action::Invalidate, &by, now).await
        })
    })
    .await
    .step("deciding on a quarantined signature")?;
    let done = match (acted, releasing) {
        (false, _) => "stale",
        (true, true) => "released",
        (true, false) => "invalidated",
    };
    tracing::info!(
        letter_id,
        signature_id,
        done,
        "quarantined signature reviewed"
    );
    Ok(Redirect::to(&format!(
        "/staff/letters/{letter_id}/quarantine?done={done}"
    ))
    .into_response())
}
