//! The audit screen (admins only): the log newest first, a page at a time by id
//! (`?before=<id>`), filtered by action and actor. Read-only.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{RequireAdmin, page};
use crate::auth::audit;
use crate::web::error::Step;
use crate::web::{AppState, WebError};

/// Entries per page.
const PAGE_SIZE: u64 = 50;

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/audit", get(show))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuditQuery {
    before: String,
    action: String,
    actor: String,
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

async fn show(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let before =
        match non_empty(&q.before) {
            Some(b) => Some(b.parse::<i64>().map_err(|_| {
                WebError::BadRequest("`before` must be the number of an entry".into())
            })?),
            None => None,
        };
    let query = audit::Query {
        before,
        action: non_empty(&q.action),
        actor: non_empty(&q.actor),
        limit: PAGE_SIZE,
    };
    let (entries, more) = audit::page(&state.db, &query)
        .await
        .step("reading the audit log")?;
    let rows: Vec<templates::AuditRow> = entries
        .iter()
        .map(|e| templates::AuditRow {
            id: e.id,
            at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            actor: e.actor_email.clone().unwrap_or_default(),
            action: e.action.clone(),
            subject: e.subject.clone().unwrap_or_default(),
            detail: e.detail.clone().unwrap_or_default(),
            client_ip: e.client_ip.clone().unwrap_or_default(),
        })
        .collect();
    let older = match (more, entries.last()) {
        (true, Some(last)) => {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            query.append_pair("before", &last.id.to_string());
            if let Some(action) = non_empty(&q.action) {
                query.append_pair("action", &action);
            }
            if let Some(actor) = non_empty(&q.actor) {
                query.append_pair("actor", &actor);
            }
            Some(query.finish())
        }
        _ => None,
    };
    Ok(page(templates::audit(&templates::AuditPage {
        bar: admin.bar(),
        rows: &rows,
        action: q.action.trim(),
        actor: q.actor.trim(),
        older,
    })))
}
