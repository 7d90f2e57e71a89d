//! `/staff/letters/{id}/attack`: a letter's under-attack mode, when and why it last
//! switched, and the switch (any staff member; audited).

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::{Staff, page};
use crate::abuse::attack;
use crate::abuse::durable::{self, Window};
use crate::db;
use crate::store::letters;
use crate::web::error::Step;
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/letters/{id}/attack", get(show).post(switch))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let Some(letter) = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
    else {
        return Err(WebError::NotFound);
    };
    let mode = attack::status(&state.db, id)
        .await
        .step("reading the under-attack mode")?;
    let now = state.clock.now();
    let rate = durable::count_spread(
        &state.db,
        &durable::attempts_key(id),
        Window::Minute.start(now),
    )
    .await
    .step("reading the signing rate")?;
    Ok(page(templates::attack_mode(&templates::AttackPage {
        bar: staff.bar(),
        letter_id: id,
        letter_title: &letter.title,
        state: mode.map(|m| templates::AttackState {
            active: m.active,
            automatic: m.automatic,
            changed_at: m.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            reason: m.reason,
        }),
        rate_this_minute: rate,
        threshold_per_minute: state.settings.under_attack_threshold_per_minute,
    })))
}

#[derive(Deserialize)]
struct SwitchInput {
    csrf: String,
    #[serde(default)]
    switch: String,
}

async fn switch(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    staff: Staff,
    Path(id): Path<i64>,
    form: Result<Form<SwitchInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    staff.check_csrf(&input.csrf)?;
    let on = match input.switch.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(WebError::BadRequest("Say `on` or `off`.".into())),
    };
    let now = state.clock.now();
    let actor = staff.actor();
    let found = db::write(&state.db, move |txn| {
        let actor = actor.clone();
        Box::pin(async move {
            if letters::find_by_id(txn, id).await?.is_none() {
                return Ok(false);
            }
            attack::set_by_staff(txn, id, on, &actor, Some(ip), now).await?;
            Ok(true)
        })
    })
    .await
    .step("switching the under-attack mode")?;
    if !found {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to(&format!("/staff/letters/{id}/attack")).into_response())
}
