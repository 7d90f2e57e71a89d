//! The privacy page (`/privacy`, generated from the settings) and data requests
//! (`/my-data`: type an address, everything held about it is emailed there).

use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use templates::Lang;

use super::error::Step;
use super::{AppState, ClientIp, WebError};
use crate::db;
use crate::domain::SignerEmail;
use crate::privacy::data_request;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/privacy", get(privacy))
        .route("/my-data", get(form).post(request))
}

async fn privacy(State(state): State<AppState>, Extension(lang): Extension<Lang>) -> Response {
    let s = &state.settings;
    let markup = templates::privacy(
        &lang,
        &templates::PrivacyPage {
            retention_days: s.retention_days,
            token_ttl_hours: s.token_ttl.as_secs() / 3600,
            data_requests_per_day: s.data_requests_per_day,
        },
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "public, max-age=300")],
        Html(markup.into_string()),
    )
        .into_response()
}

async fn form(Extension(lang): Extension<Lang>) -> Response {
    page(
        StatusCode::OK,
        templates::my_data(&lang, &templates::MyDataPage::default()),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RequestInput {
    email: String,
}

async fn request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Extension(lang): Extension<Lang>,
    form: Result<Form<RequestInput>, FormRejection>,
) -> Result<Response, WebError> {
    super::withdraw::limit(&state, ip)?;
    let Form(input) = form?;
    let email = match SignerEmail::parse(&input.email) {
        Ok(email) => email,
        Err(e) => {
            let message = super::i18n::domain_message(&lang, &e);
            return Err(WebError::InvalidForm(Box::new(templates::my_data(
                &lang,
                &templates::MyDataPage {
                    email: &input.email,
                    error: Some(&message),
                    sent: false,
                },
            ))));
        }
    };
    let (normalized, now) = (email.normalized().to_string(), state.clock.now());
    let caps = data_request::Caps {
        requests_per_day: state.settings.data_requests_per_day,
        emails_per_day: state.settings.emails_per_address_per_day,
    };
    let queued = db::write(&state.db, move |txn| {
        let normalized = normalized.clone();
        Box::pin(async move { data_request::request(txn, &normalized, now, caps).await })
    })
    .await
    .step("taking a data request")?;
    tracing::info!(queued, "data request");
    Ok(page(
        StatusCode::OK,
        templates::my_data(
            &lang,
            &templates::MyDataPage {
                sent: true,
                ..templates::MyDataPage::default()
            },
        ),
    ))
}

/// The form and its answer are about one person's address: never cached.
fn page(status: StatusCode, markup: maud::Markup) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}
