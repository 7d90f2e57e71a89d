//! The development mailbox: the mail the file transport wrote, so someone trying the
//! service on their own machine can click their confirmation link. Mounted only when
//! no SMTP relay is configured.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::{AppState, WebError};
use crate::mail::read_mailbox;

pub fn router() -> Router<AppState> {
    Router::new().route("/dev/mailbox", get(mailbox))
}

async fn mailbox(State(state): State<AppState>) -> Result<Response, WebError> {
    let messages = read_mailbox(&state.settings.mail_dir, 100)
        .await?
        .into_iter()
        .map(|m| templates::MailboxMessage {
            id: m.id,
            subject: m.subject,
            to: m.to,
            date: m.date,
            text_body: m.text_body,
        })
        .collect::<Vec<_>>();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Html(templates::dev_mailbox(&messages).into_string()),
    )
        .into_response())
}
