//! The webhooks screen of a letter (`/staff/letters/{id}/webhooks`): editors see the
//! endpoints and their latest delivery attempts; admins add and remove endpoints. A new
//! endpoint's secret is shown once, in the answer to the form that made it. Every change
//! is in the audit log (without the secret).

use axum::extract::rejection::RawFormRejection;
use axum::extract::{Path, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use super::{RequireAdmin, Staff, page};
use crate::auth::audit::{self, Actor, Entry};
use crate::db;
use crate::entities::letter;
use crate::store::letters;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};
use crate::webhooks::{self, AddRefused, EVENT_TYPES, MAX_ENDPOINTS_PER_LETTER, NewEndpoint};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/letters/{id}/webhooks", get(show).post(add))
        .route(
            "/staff/letters/{id}/webhooks/{endpoint}/delete",
            post(remove),
        )
}

async fn find_letter(state: &AppState, id: i64) -> Result<letter::Model, WebError> {
    letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)
}

async fn render(
    state: &AppState,
    staff: &Staff,
    letter: &letter::Model,
    form: templates::WebhookForm,
    new_secret: Option<String>,
    notice: Option<String>,
) -> Result<maud::Markup, WebError> {
    let endpoints = webhooks::endpoints(&state.db, letter.id)
        .await
        .step("reading the webhook endpoints")?;
    let attempts = webhooks::recent_attempts(&state.db, letter.id)
        .await
        .step("reading the webhook attempts")?;
    let url_of = |id: i64| {
        endpoints
            .iter()
            .find(|e| e.id == id)
            .map_or_else(String::new, |e| e.url.clone())
    };
    let attempt_rows: Vec<templates::WebhookAttemptRow> = attempts
        .into_iter()
        .map(|a| templates::WebhookAttemptRow {
            at: a.attempted_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            url: url_of(a.endpoint_id),
            event: a.event,
            attempt: a.attempt,
            status_code: a.status_code,
            delivered: a.error.is_none(),
            error: a.error.unwrap_or_default(),
            duration_ms: a.duration_ms,
        })
        .collect();
    let rows: Vec<templates::WebhookRow> = endpoints
        .into_iter()
        .map(|e| templates::WebhookRow {
            id: e.id,
            url: e.url,
            events: e.events.split(',').map(str::to_owned).collect(),
            include_personal: e.include_personal,
            added: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    Ok(templates::webhooks(&templates::WebhooksPage {
        bar: staff.bar(),
        letter_id: letter.id,
        letter_title: &letter.title,
        endpoints: &rows,
        attempts: &attempt_rows,
        event_types: &EVENT_TYPES,
        max_endpoints: MAX_ENDPOINTS_PER_LETTER,
        form,
        new_secret,
        notice,
    }))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let letter = find_letter(&state, id).await?;
    let form = templates::WebhookForm {
        events: vec![EVENT_TYPES[0].to_owned()],
        ..Default::default()
    };
    Ok(page(
        render(&state, &staff, &letter, form, None, None).await?,
    ))
}

/// The add form as sent: `events` repeats, which serde's form decoding does not keep.
#[derive(Debug, Default)]
struct AddInput {
    csrf: String,
    url: String,
    events: Vec<String>,
    include_personal: bool,
}

impl AddInput {
    fn parse(body: &[u8]) -> AddInput {
        let mut input = AddInput::default();
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "csrf" => input.csrf = value.into_owned(),
                "url" => input.url = value.into_owned(),
                "events" => input.events.push(value.into_owned()),
                "include_personal" => input.include_personal = value == "on",
                _ => {}
            }
        }
        input
    }
}

/// The form checked into an endpoint, or the message to show beside the address.
fn check(input: &AddInput, letter_id: i64, allow_private: bool) -> Result<NewEndpoint, String> {
    let url = webhooks::target::check_url(&input.url, allow_private)?;
    let events: Vec<&'static str> = EVENT_TYPES
        .into_iter()
        .filter(|kind| input.events.iter().any(|e| e == kind))
        .collect();
    if events.is_empty() || events.len() != input.events.len() {
        return Err("Choose at least one of the events listed.".into());
    }
    Ok(NewEndpoint {
        letter_id,
        url: url.to_string(),
        events,
        include_personal: input.include_personal,
        created_by: None,
    })
}

async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    form: Result<RawForm, RawFormRejection>,
) -> Result<Response, WebError> {
    let RawForm(body) = form.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let input = AddInput::parse(&body);
    admin.check_csrf(&input.csrf)?;
    let letter = find_letter(&state, id).await?;
    let shown_again = |error: String| templates::WebhookForm {
        url: input.url.clone(),
        events: input.events.clone(),
        include_personal: input.include_personal,
        error: Some(error),
    };
    let mut new = match check(&input, id, state.settings.webhook_allow_private_targets) {
        Ok(new) => new,
        Err(message) => {
            return Err(WebError::InvalidStaffForm(Box::new(
                render(&state, &admin, &letter, shown_again(message), None, None).await?,
            )));
        }
    };
    let (now, by) = (state.clock.now(), admin.actor());
    new.created_by = match &by {
        Actor::Account { id, .. } => Some(*id),
        _ => None,
    };
    let added = db::write(&state.db, move |txn| {
        let (new, by) = (new.clone(), by.clone());
        Box::pin(async move {
            let row = match webhooks::add_endpoint(txn, &new, now).await? {
                Ok(row) => row,
                Err(refused) => return Ok(Err(refused)),
            };
            audit::record(
                txn,
                Entry {
                    actor: by,
                    action: "webhook.add",
                    subject: Some(&row.url),
                    detail: Some(json!({
                        "letter_id": row.letter_id,
                        "endpoint_id": row.id,
                        "events": row.events,
                        "include_personal": row.include_personal,
                    })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(Ok(row))
        })
    })
    .await
    .step("adding a webhook endpoint")?;
    let row = match added {
        Ok(row) => row,
        Err(AddRefused::TooMany) => {
            let message = format!(
                "This letter has {MAX_ENDPOINTS_PER_LETTER} endpoints already: remove one first."
            );
            return Err(WebError::InvalidStaffForm(Box::new(
                render(&state, &admin, &letter, shown_again(message), None, None).await?,
            )));
        }
    };
    let notice = format!("Added the endpoint {}.", row.url);
    Ok(page(
        render(
            &state,
            &admin,
            &letter,
            Default::default(),
            Some(row.secret),
            Some(notice),
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RemoveInput {
    csrf: String,
}

async fn remove(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    Path((id, endpoint)): Path<(i64, i64)>,
    form: Result<Form<RemoveInput>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let (now, by) = (state.clock.now(), admin.actor());
    let removed = db::write(&state.db, move |txn| {
        let by = by.clone();
        Box::pin(async move {
            let Some(row) = webhooks::remove_endpoint(txn, id, endpoint).await? else {
                return Ok(false);
            };
            audit::record(
                txn,
                Entry {
                    actor: by,
                    action: "webhook.remove",
                    subject: Some(&row.url),
                    detail: Some(json!({ "letter_id": id, "endpoint_id": endpoint })),
                    client_ip: Some(ip),
                },
                now,
            )
            .await?;
            Ok(true)
        })
    })
    .await
    .step("removing a webhook endpoint")?;
    if !removed {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/staff/letters/{id}/webhooks")).into_response())
}
