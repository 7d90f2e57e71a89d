//! The audit log: one row per staff or command-line action, written in the transaction
//! of the action itself and never changed afterwards.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::audit_log;

/// Who did something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in (or signing-in) staff account.
    Account { id: i64, email: String },
    /// Someone typing an email at the sign-in form that matched no usable account.
    Unknown { email: String },
    /// The `undersigned staff` command.
    Cli,
    /// The service itself (e.g. the first-admin link at start).
    System,
    /// A partner site using its API key (`api::keys`), named `api-key:<id>` in the log.
    ApiKey { id: i64 },
}

impl Actor {
    /// The audit log's `actor_id` and `actor` columns for this actor; other tables that
    /// record who did something use the same pair.
    pub fn columns(&self) -> (Option<i64>, Option<String>) {
        match self {
            Actor::Account { id, email } => (Some(*id), Some(email.clone())),
            Actor::Unknown { email } => (None, Some(email.clone())),
            Actor::Cli => (None, Some("cli".into())),
            Actor::System => (None, Some("system".into())),
            Actor::ApiKey { id } => (None, Some(format!("api-key:{id}"))),
        }
    }
}

/// One action to record. `detail` is JSON and must never hold a password or token.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub detail: Option<serde_json::Value>,
    pub client_ip: Option<std::net::IpAddr>,
}

/// Appends `entry`; call it on the transaction that does the action, so an action is
/// never done without its record (nor recorded without being done).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    entry: Entry<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (actor_account_id, actor_email) = entry.actor.columns();
    audit_log::ActiveModel {
        at: Set(now),
        actor_account_id: Set(actor_account_id),
        actor_email: Set(actor_email),
        action: Set(entry.action.to_owned()),
        subject: Set(entry.subject.map(str::to_owned)),
        detail: Set(entry.detail.map(|d| d.to_string())),
        client_ip: Set(entry.client_ip.map(|ip| ip.to_string())),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// What the audit screen asks for: newest first, older than `before`, optionally one
/// action and one actor.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub before: Option<i64>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub limit: u64,
}

/// One page of the log and whether an older page exists (keyset: `?before=<last id>`).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    query: &Query,
) -> Result<(Vec<audit_log::Model>, bool), DbErr> {
    // Actions and emails hold no control characters; a filter with one (a NUL would be
    // refused by PostgreSQL) matches nothing.
    let impossible = |f: &Option<String>| {
        f.as_deref()
            .is_some_and(|t| t.chars().any(char::is_control))
    };
    if impossible(&query.action) || impossible(&query.actor) {
        return Ok((Vec::new(), false));
    }
    let mut select = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
    if let Some(before) = query.before {
        select = select.filter(audit_log::Column::Id.lt(before));
    }
    if let Some(action) = &query.action {
        select = select.filter(audit_log::Column::Action.eq(action.as_str()));
    }
    if let Some(actor) = &query.actor {
        select = select.filter(audit_log::Column::ActorEmail.eq(actor.to_lowercase()));
    }
    let limit = query.limit.max(1);
    let mut rows = select.limit(limit + 1).all(conn).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, more))
}
