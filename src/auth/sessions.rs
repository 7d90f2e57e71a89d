//! Staff sessions kept in the database, so every replica sees the same sign-ins and an
//! account's sessions can be ended at once. The cookie holds a 256-bit secret; the row's
//! id is its SHA-256. Expiry is decided with the service's `Clock`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set,
};

use crate::db;
use crate::domain::ConfirmationToken;
use crate::entities::{StaffRole, staff_account, staff_session};

impl Timeouts {
    /// The timeouts the settings ask for (an absolute timeout of at least a second).
    pub fn from_settings(settings: &crate::config::Settings) -> Timeouts {
        Timeouts {
            idle: crate::clock::span(settings.staff_session_idle),
            absolute: crate::clock::span(settings.staff_session_absolute).max(Duration::seconds(1)),
        }
    }
}

/// `last_seen_at` is written at most this often, so browsing is not a write per page.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// A valid session and whose it is.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: String,
    pub account_id: i64,
    pub email: String,
    pub role: StaffRole,
    pub csrf_token: String,
}

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub idle: Duration,
    pub absolute: Duration,
}

/// Starts a session for `account_id`; returns the secret for the cookie. Always a new
/// id, so a session id planted before sign-in is worth nothing after it.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let secret = ConfirmationToken::generate();
    staff_session::ActiveModel {
        id: Set(secret.hash()),
        account_id: Set(account_id),
        csrf_token: Set(ConfirmationToken::generate().as_str().to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(secret.as_str().to_owned())
}

/// The session a cookie's secret opens, if it is still valid. An expired session, or
/// one whose account was disabled, is deleted and answers `None`.
pub async fn resolve(
    db: &DatabaseConnection,
    secret: &str,
    timeouts: Timeouts,
    now: DateTime<Utc>,
) -> Result<Option<Session>, DbErr> {
    let Ok(secret) = ConfirmationToken::parse(secret) else {
        return Ok(None);
    };
    let Some(row) = staff_session::Entity::find_by_id(secret.hash())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let account = staff_account::Entity::find_by_id(row.account_id)
        .one(db)
        .await?;
    let expired =
        now - row.last_seen_at >= timeouts.idle || now - row.created_at >= timeouts.absolute;
    let account = match account {
        Some(a) if a.disabled_at.is_none() && !expired => a,
        _ => {
            let id = row.id.clone();
            db::write(db, move |txn| {
                let id = id.clone();
                Box::pin(async move { end(txn, &id).await })
            })
            .await?;
            return Ok(None);
        }
    };
    if now - row.last_seen_at >= TOUCH_EVERY {
        let id = row.id.clone();
        db::write(db, move |txn| {
            let id = id.clone();
            Box::pin(async move {
                staff_session::Entity::update_many()
                    .col_expr(staff_session::Column::LastSeenAt, Expr::value(now))
                    .filter(staff_session::Column::Id.eq(id))
                    .exec(txn)
                    .await
                    .map(|_| ())
            })
        })
        .await?;
    }
    Ok(Some(Session {
        id: row.id,
        account_id: account.id,
        email: account.email,
        role: account.role,
        csrf_token: row.csrf_token,
    }))
}

/// Ends one session (sign-out).
pub async fn end<C: ConnectionTrait>(conn: &C, id: &str) -> Result<(), DbErr> {
    staff_session::Entity::delete_by_id(id.to_owned())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Ends the session a cookie's secret names, whatever its state (sign-in replaces it).
pub async fn end_by_secret<C: ConnectionTrait>(conn: &C, secret: &str) -> Result<(), DbErr> {
    match ConfirmationToken::parse(secret) {
        Ok(secret) => end(conn, &secret.hash()).await,
        Err(_) => Ok(()),
    }
}

/// Most sessions deleted per statement of a sweep, so a sweep never holds a long lock.
const SWEEP_BATCH: u64 = 1000;

/// Deletes the sessions that can no longer open anything (idle or absolute timeout
/// passed); returns how many. `resolve` already refuses and deletes such a session when
/// its cookie comes back, but most never come back, and their rows would pile up.
pub async fn sweep_expired(
    db: &DatabaseConnection,
    timeouts: Timeouts,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let expired = staff_session::Column::LastSeenAt
        .lte(now - timeouts.idle)
        .or(staff_session::Column::CreatedAt.lte(now - timeouts.absolute));
    let mut deleted = 0;
    loop {
        let ids: Vec<String> = staff_session::Entity::find()
            .select_only()
            .column(staff_session::Column::Id)
            .filter(expired.clone())
            .limit(SWEEP_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(deleted);
        }
        let batch = ids.len() as u64;
        deleted += staff_session::Entity::delete_many()
            .filter(staff_session::Column::Id.is_in(ids))
            .filter(expired.clone())
            .exec(db)
            .await?
            .rows_affected;
        if batch < SWEEP_BATCH {
            return Ok(deleted);
        }
    }
}
