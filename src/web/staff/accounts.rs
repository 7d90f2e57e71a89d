//! The accounts screen (admins only): list, add (the one-time link is shown once),
//! disable and reset. Each action goes through `auth::accounts`, which records it.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{RequireAdmin, Staff, page};
use crate::auth::accounts::{self, AccountError, By};
use crate::entities::StaffRole;
use crate::web::error::{Step, database_error};
use crate::web::{AppState, ClientIp, WebError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/accounts", get(list).post(add))
        .route("/staff/accounts/disable", post(disable))
        .route("/staff/accounts/reset", post(reset))
}

/// What the page shows besides the list.
#[derive(Default)]
struct Extra<'a> {
    new_link: Option<(&'a str, &'a str)>,
    add_email: &'a str,
    add_error: Option<&'a str>,
}

async fn render(
    state: &AppState,
    admin: &Staff,
    extra: Extra<'_>,
) -> Result<maud::Markup, WebError> {
    let rows: Vec<templates::AccountRow> = accounts::list(&state.db)
        .await
        .step("listing staff accounts")?
        .iter()
        .map(|a| templates::AccountRow {
            email: a.email.clone(),
            role: accounts::role_name(a.role),
            state: accounts::state_name(a),
            last_sign_in: a
                .last_sign_in_at
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        })
        .collect();
    Ok(templates::accounts(&templates::AccountsPage {
        bar: admin.bar(),
        accounts: &rows,
        new_link: extra.new_link,
        add_email: extra.add_email,
        add_error: extra.add_error,
    }))
}

async fn list(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
) -> Result<Response, WebError> {
    Ok(page(render(&state, &admin, Extra::default()).await?))
}

fn by(admin: &Staff, ip: std::net::IpAddr) -> By {
    By {
        actor: admin.actor(),
        client_ip: Some(ip),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddInput {
    csrf: String,
    email: String,
    role: String,
}

async fn add(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<AddInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let role = match input.role.as_str() {
        "admin" => StaffRole::Admin,
        "editor" => StaffRole::Editor,
        _ => {
            return Err(WebError::BadRequest(
                "the role must be admin or editor".into(),
            ));
        }
    };
    let added = accounts::add(
        &state.db,
        &input.email,
        role,
        &state.settings.base_url,
        by(&admin, ip),
        state.clock.now(),
    )
    .await;
    match added {
        Ok(link) => {
            let email = accounts::normalize_email(&input.email).unwrap_or_default();
            let extra = Extra {
                new_link: Some((&email, &link)),
                ..Extra::default()
            };
            Ok(page(render(&state, &admin, extra).await?))
        }
        Err(AccountError::Database(e)) => Err(database_error(e, "adding a staff account")),
        Err(e) => {
            let message = e.to_string();
            let extra = Extra {
                add_email: &input.email,
                add_error: Some(&message),
                ..Extra::default()
            };
            Err(WebError::InvalidStaffForm(Box::new(
                render(&state, &admin, extra).await?,
            )))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmailInput {
    csrf: String,
    email: String,
}

async fn disable(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<EmailInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    match accounts::disable(&state.db, &input.email, by(&admin, ip), state.clock.now()).await {
        Ok(()) => {}
        Err(AccountError::Database(e)) => {
            return Err(database_error(e, "disabling a staff account"));
        }
        Err(_) => return Err(WebError::NotFound),
    }
    // Disabling oneself signs oneself out: the page cannot be shown any more.
    if accounts::normalize_email(&input.email).is_ok_and(|e| e == admin.email) {
        return Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to("/staff/sign-in"),
        ));
    }
    Ok(page(render(&state, &admin, Extra::default()).await?))
}

async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    RequireAdmin(admin): RequireAdmin,
    form: Result<Form<EmailInput>, FormRejection>,
) -> Result<Response, WebError> {
    let Form(input) = form?;
    admin.check_csrf(&input.csrf)?;
    let link = match accounts::reset(
        &state.db,
        &input.email,
        &state.settings.base_url,
        by(&admin, ip),
        state.clock.now(),
    )
    .await
    {
        Ok(link) => link,
        Err(AccountError::Database(e)) => {
            return Err(database_error(e, "resetting a staff account"));
        }
        Err(_) => return Err(WebError::NotFound),
    };
    let email = accounts::normalize_email(&input.email).unwrap_or_default();
    let extra = Extra {
        new_link: Some((&email, &link)),
        ..Extra::default()
    };
    Ok(page(render(&state, &admin, extra).await?))
}
