//! Errors as the client sees them. A handler returns a `WebError`; the response carries it
//! as an extension and `render_errors` writes the page (or JSON under /api) with the
//! request id. A 500 says nothing about its cause to the client and logs everything.

use std::any::Any;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use sea_orm::DbErr;

/// What went wrong, in the words the client is told.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<DbErr> for WebError {
    fn from(e: DbErr) -> Self {
        WebError::Unexpected(anyhow::Error::new(e).context("database"))
    }
}

/// The part of an error the page renderer needs; the cause stays in the log.
#[derive(Clone, Debug)]
struct ClientError {
    status: StatusCode,
    title: &'static str,
    message: String,
    retry_after_secs: Option<u64>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let client = match &self {
            WebError::NotFound => ClientError {
                status: StatusCode::NOT_FOUND,
                title: "Page not found",
                message: "There is nothing at this address. It may have been mistyped, or the letter may have been withdrawn.".into(),
                retry_after_secs: None,
            },
            WebError::BadRequest(message) => ClientError {
                status: StatusCode::BAD_REQUEST,
                title: "This request could not be understood",
                message: message.clone(),
                retry_after_secs: None,
            },
            WebError::RateLimited { retry_after_secs } => ClientError {
                status: StatusCode::TOO_MANY_REQUESTS,
                title: "Too many requests",
                message: "We received too many requests from your network in a short time. Please wait a moment and try again.".into(),
                retry_after_secs: Some(*retry_after_secs),
            },
            WebError::Unexpected(cause) => {
                tracing::error!(error = ?cause, "request failed");
                ClientError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    title: "Something went wrong",
                    message: "We could not complete your request. Nothing you sent has been lost on our side; please try again in a few minutes.".into(),
                    retry_after_secs: None,
                }
            }
        };
        let mut response = client.status.into_response();
        if let Some(secs) = client.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(client);
        response
    }
}

/// Writes the body of error responses, where the request id is known.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(request).await;
    let Some(client) = response.extensions().get::<ClientError>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let body = if api {
        Json(serde_json::json!({
            "error": client.title,
            "message": client.message,
            "request_id": request_id,
        }))
        .into_response()
    } else {
        Html(
            templates::error(&templates::ErrorPage {
                status: client.status.as_u16(),
                title: client.title,
                message: &client.message,
                request_id: request_id.as_deref(),
                retry_after_secs: client.retry_after_secs,
            })
            .into_string(),
        )
        .into_response()
    };
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}

/// A panic in a handler becomes a plain 500 (the panic message is logged, not shown).
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    WebError::Unexpected(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}
