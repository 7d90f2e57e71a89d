//! The delivery screen of a letter (`/staff/letters/{id}/delivery`, editors and admins):
//! deliver it to all or some targets, now or at the deadline or goal, with a Reply-To of
//! staff's choosing; each delivery's targets with their state, a resend button per
//! target, a cancel button for a scheduled delivery; and the letter's PDF as it stands
//! (`/staff/letters/{id}/pdf`). Every write is one `db::write` transaction with its audit
//! entry; the rules are in `crate::letters` and `crate::delivery`.

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Staff, page};
use crate::db;
use crate::delivery::{self, Refused, Request, TargetState, Trigger};
use crate::domain::SignerEmail;
use crate::entities::letter;
use crate::letters::status_name;
use crate::store::letters;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/delivery", get(screen).post(deliver))
        .route(
            "/staff/letters/{id}/delivery/targets/{target}/resend",
            post(resend),
        )
        .route(
            "/staff/letters/{id}/delivery/{delivery}/cancel",
            post(cancel),
        )
        .route("/staff/letters/{id}/pdf", get(pdf))
}

fn minutes(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

async fn find(state: &AppState, id: i64) -> Result<letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)
}

/// What the form holds (as posted, or the defaults).
#[derive(Clone, Debug, Default)]
struct Posted {
    csrf: String,
    targets: Vec<i64>,
    when: String,
    reply_to: String,
    /// A `target` value that is not a number.
    bad_target: bool,
}

fn read(pairs: Vec<(String, String)>) -> Posted {
    let mut p = Posted::default();
    for (key, value) in pairs {
        match key.as_str() {
            "csrf" => p.csrf = value,
            "target" => match value.trim().parse::<i64>() {
                Ok(id) => p.targets.push(id),
                Err(_) => p.bad_target = true,
            },
            "when" => p.when = value,
            "reply_to" => p.reply_to = value,
            _ => {}
        }
    }
    p
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "now" => "The letter is delivered: an email to each target is on its way.",
        "scheduled" => "The delivery is scheduled; it starts on its own when it is due.",
        "resend" => "The email to this target is queued again.",
        "cancel" => "The scheduled delivery was cancelled.",
        _ => return None,
    })
}

/// The screen with `posted` in the form and `errors` beside it.
async fn render(
    state: &AppState,
    staff: &Staff,
    letter: &letter::Model,
    posted: &Posted,
    errors: &[(&'static str, String)],
    notice: Option<&str>,
) -> Result<maud::Markup, WebError> {
    let targets = letters::targets(&state.db, letter.id)
        .await
        .step("reading the targets")?;
    let choices: Vec<templates::DeliveryTargetChoice> = targets
        .into_iter()
        .map(|t| templates::DeliveryTargetChoice {
            checked: posted.targets.is_empty() || posted.targets.contains(&t.id),
            id: t.id,
            name: t.name,
            email: t.email,
        })
        .collect();
    let deliveries = delivery::recent(&state.db, letter.id)
        .await
        .step("reading the deliveries")?;
    let rows: Vec<templates::DeliveryRow> = deliveries
        .into_iter()
        .map(|v| {
            let started = v.delivery.state == delivery::state::STARTED;
            let notices = if !v.delivery.notify {
                "none (only the first delivery of a letter tells its signers)".to_owned()
            } else if v.notices.is_empty() {
                "none queued yet".to_owned()
            } else {
                v.notices
                    .iter()
                    .map(|(s, n)| format!("{n} {s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            templates::DeliveryRow {
                id: v.delivery.id,
                trigger: v.delivery.trigger.clone(),
                state: v.delivery.state.clone(),
                created: minutes(v.delivery.created_at),
                started: v.delivery.started_at.map(minutes),
                version: v.delivery.version,
                individuals: v.delivery.individual_count,
                organisations: v.delivery.organisation_count,
                list_root: v.delivery.list_root.clone(),
                reply_to: v.delivery.reply_to.clone(),
                notices,
                targets: v
                    .targets
                    .into_iter()
                    .map(|t| {
                        let detail = match &t.state {
                            TargetState::Waiting => "not started".to_owned(),
                            TargetState::Queued => "in the outbox".to_owned(),
                            TargetState::Retrying { reason, at } => {
                                format!("{reason} (tried again at {})", minutes(*at))
                            }
                            TargetState::Sent { at } => format!("sent {}", minutes(*at)),
                            TargetState::Failed { reason } => reason.clone(),
                        };
                        templates::DeliveryTargetRow {
                            id: t.target.id,
                            name: t.target.name,
                            email: t.target.email,
                            state: t.state.name(),
                            can_resend: started
                                && matches!(
                                    t.state,
                                    TargetState::Sent { .. } | TargetState::Failed { .. }
                                ),
                            detail,
                            sends: t.target.sends,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let reply_to = if posted.reply_to.is_empty() && errors.is_empty() {
        staff.email.clone()
    } else {
        posted.reply_to.clone()
    };
    Ok(templates::delivery(&templates::DeliveryPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        status: status_name(letter.status),
        deadline: letter.deadline.map(minutes),
        goal: letter.goal,
        choices: &choices,
        when: &posted.when,
        reply_to: &reply_to,
        errors,
        notice,
        deliveries: &rows,
    }))
}

async fn screen(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let letter = find(&state, id).await?;
    let markup = render(
        &state,
        &staff,
        &letter,
        &Posted::default(),
        &[],
        done_notice(&q.done),
    )
    .await?;
    Ok(page(markup))
}

async fn deliver(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(pairs) = form?;
    let posted = read(pairs);
    staff.check_csrf(&posted.csrf)?;
    let letter = find(&state, id).await?;
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    let trigger = match Trigger::parse(posted.when.trim()) {
        Some(t) => Some(t),
        None => {
            errors.push(("when", "Choose when to deliver the letter.".into()));
            None
        }
    };
    let reply_to = match SignerEmail::parse(&posted.reply_to) {
        Ok(e) => Some(e.as_str().to_owned()),
        Err(_) => {
            errors.push((
                "reply_to",
                "Enter the address replies should go to, like office@example.org.".into(),
            ));
            None
        }
    };
    if posted.bad_target {
        errors.push(("targets", "Choose targets from the list.".into()));
    } else if posted.targets.is_empty() {
        errors.push(("targets", Refused::NoTarget.to_string()));
    }
    let invalid = |errors: Vec<(&'static str, String)>| {
        let (state, staff, letter, posted) = (&state, &staff, &letter, &posted);
        async move {
            let markup = render(state, staff, letter, posted, &errors, None).await?;
            Err::<Response, WebError>(WebError::InvalidStaffForm(Box::new(markup)))
        }
    };
    let (Some(trigger), Some(reply_to), true) = (trigger, reply_to, errors.is_empty()) else {
        return invalid(errors).await;
    };
    let request = Request {
        letter_id: id,
        trigger,
        reply_to,
        target_ids: posted.targets.clone(),
    };
    let now = state.clock.now();
    let actor = staff.actor();
    let asked = db::write(&state.db, move |txn| {
        let (request, actor) = (request.clone(), actor.clone());
        Box::pin(async move { delivery::ask(txn, &request, actor, Some(ip), now).await })
    })
    .await
    .step("recording the delivery")?;
    let delivery_id = match asked {
        Ok(id) => id,
        Err(refused) => {
            let field = match refused {
                Refused::NoTarget | Refused::UnknownTarget => "targets",
                _ => "when",
            };
            return invalid(vec![(field, refused.to_string())]).await;
        }
    };
    state.pages.forget(&letter.slug);
    if trigger == Trigger::Now {
        // Sealed in the request's transaction; the emails are queued now, or by the
        // worker's next tick if this step fails.
        if let Err(e) = delivery::start(&state.db, delivery_id, now).await {
            tracing::error!(error = %e, delivery_id, "starting a delivery failed; the worker will retry");
        }
    }
    let done = if trigger == Trigger::Now {
        "now"
    } else {
        "scheduled"
    };
    Ok(Redirect::to(&format!("/staff/letters/{id}/delivery?done={done}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CsrfInput {
    csrf: String,
}

async fn resend(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path((id, target)): Path<(i64, i64)>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let now = state.clock.now();
    let actor = staff.actor();
    let done = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move { delivery::resend(txn, id, target, actor, Some(ip), now).await })
    })
    .await
    .step("queuing a resend")?;
    match done {
        None => Err(WebError::NotFound),
        Some(Err(refused)) => Err(WebError::Conflict(refused.to_string())),
        Some(Ok(())) => {
            Ok(Redirect::to(&format!("/staff/letters/{id}/delivery?done=resend")).into_response())
        }
    }
}

async fn cancel(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path((id, delivery_id)): Path<(i64, i64)>,
    form: Result<Form<CsrfInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let now = state.clock.now();
    let actor = staff.actor();
    let done = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move { delivery::cancel(txn, id, delivery_id, actor, Some(ip), now).await })
    })
    .await
    .step("cancelling a delivery")?;
    match done {
        None => Err(WebError::NotFound),
        Some(Err(refused)) => Err(WebError::Conflict(refused.to_string())),
        Some(Ok(())) => {
            Ok(Redirect::to(&format!("/staff/letters/{id}/delivery?done=cancel")).into_response())
        }
    }
}

/// The letter's PDF as it stands: its current text and its confirmed public list now
/// (rendered on a blocking thread).
async fn pdf(
    State(state): State<AppState>,
    _staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let letter = find(&state, id).await?;
    let bytes = delivery::jobs::current_pdf(&state.db, &state.settings, &letter, state.clock.now())
        .await
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("the letter's PDF: {e}")))?;
    let disposition = format!("attachment; filename=\"{}.pdf\"", letter.slug);
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition)
            .map_err(|e| WebError::Unexpected(anyhow::anyhow!("the file name: {e}")))?,
    );
    Ok(response)
}
