//! The staff workspace: sign-in and sessions (`session`), accounts and the audit log;
//! one module per screen group. Who is signed in comes from the `Staff` extractor.

mod accounts;
mod api_keys;
mod attack;
mod audit;
mod dashboard;
mod delivery;
mod export;
mod letters;
mod lists;
mod moderation;
mod quarantine;
mod session;
mod translations;
pub(crate) mod webhooks;

pub use dashboard::DashboardCache;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::error::Step;
use super::{AppState, WebError};
use crate::auth::sessions::{self, Timeouts};
use crate::config::Settings;
use crate::entities::StaffRole;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(accounts::router())
        .merge(audit::router())
        .merge(letters::router())
        .merge(moderation::router())
        .merge(quarantine::router())
        .merge(dashboard::router())
        .merge(attack::router())
        .merge(export::router())
        .merge(lists::router())
        .merge(webhooks::router())
        .merge(api_keys::router())
        .merge(translations::router())
        .merge(delivery::router())
}

/// The session cookie's name: with https, the `__Host-` prefix makes browsers refuse it
/// unless it is Secure, for the whole site and set by this host alone.
fn cookie_name(settings: &Settings) -> &'static str {
    if settings.base_url.scheme() == "https" {
        "__Host-undersigned-staff"
    } else {
        "undersigned-staff"
    }
}

/// The `Set-Cookie` value that carries a new session's secret.
fn session_cookie(settings: &Settings, secret: &str) -> Result<HeaderValue, WebError> {
    let secure = if settings.base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(settings)
    ))
    .map_err(|e| WebError::Unexpected(anyhow::anyhow!("building the session cookie: {e}")))
}

/// The `Set-Cookie` value that removes the session cookie.
fn cleared_cookie(settings: &Settings) -> HeaderValue {
    let secure = settings.base_url.scheme() == "https";
    HeaderValue::from_static(match (cookie_name(settings), secure) {
        (_, true) => "__Host-undersigned-staff=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0",
        _ => "undersigned-staff=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
    })
}

/// The session secret the request's cookie holds, if any.
fn cookie_secret(settings: &Settings, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(settings);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn timeouts(settings: &Settings) -> Timeouts {
    Timeouts::from_settings(settings)
}

/// A local path to return to after sign-in; anything else (another host, `//host`,
/// a backslash trick) is replaced by the staff home.
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    if local { next } else { "/staff" }
}

/// A signed-in staff member, for handlers. Without a valid session the request is
/// redirected (303) to the sign-in page, which brings the person back afterwards.
#[derive(Clone, Debug)]
pub struct Staff {
    pub account_id: i64,
    pub email: String,
    pub role: StaffRole,
    pub csrf_token: String,
    session_id: String,
}

impl Staff {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if constant_time_eq(token.as_bytes(), self.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::CsrfRefused)
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == StaffRole::Admin
    }

    /// This staff member as the actor of an audit entry.
    pub fn actor(&self) -> crate::auth::audit::Actor {
        crate::auth::audit::Actor::Account {
            id: self.account_id,
            email: self.email.clone(),
        }
    }

    fn bar(&self) -> templates::StaffBar<'_> {
        templates::StaffBar {
            email: &self.email,
            is_admin: self.is_admin(),
            csrf: &self.csrf_token,
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let found = match cookie_secret(&state.settings, &parts.headers) {
            Some(secret) => sessions::resolve(
                &state.db,
                &secret,
                timeouts(&state.settings),
                state.clock.now(),
            )
            .await
            .step("reading the staff session")
            .map_err(IntoResponse::into_response)?,
            None => None,
        };
        match found {
            Some(s) => Ok(Staff {
                account_id: s.account_id,
                email: s.email,
                role: s.role,
                csrf_token: s.csrf_token,
                session_id: s.id,
            }),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/staff");
                let query: String = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", local_path(next))
                    .finish();
                Err(Redirect::to(&format!("/staff/sign-in?{query}")).into_response())
            }
        }
    }
}

/// A signed-in admin; editors are answered 403.
pub struct RequireAdmin(pub Staff);

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.is_admin() {
            Ok(RequireAdmin(staff))
        } else {
            Err(WebError::AdminsOnly.into_response())
        }
    }
}

/// Staff pages are private: never cached anywhere.
fn page(markup: maud::Markup) -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(markup.into_string()),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path("/staff/audit?before=3"), "/staff/audit?before=3");
        assert_eq!(local_path("https://evil.example"), "/staff");
        assert_eq!(local_path("//evil.example/x"), "/staff");
        assert_eq!(local_path("/\\evil.example"), "/staff");
        assert_eq!(local_path(""), "/staff");
    }
}
