//! Staff accounts and their one-time password links: what the `staff` command and the
//! accounts screen do, each action recorded in the audit log in its own transaction.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use url::Url;

use super::audit::{self, Actor, Entry};
use crate::db;
use crate::domain::{ConfirmationToken, SignerEmail};
use crate::entities::{StaffRole, staff_account, staff_password_link, staff_session};

/// How long a password link works.
pub const LINK_TTL_HOURS: i64 = 24;

/// Why an account action could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    EmailInvalid(String),
    #[error("a staff account with the email {0} already exists")]
    AlreadyExists(String),
    #[error("there is no staff account with the email {0}")]
    NotFound(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A staff email as stored: one plain address, lower case.
pub fn normalize_email(input: &str) -> Result<String, AccountError> {
    SignerEmail::parse(input)
        .map(|e| e.as_str().to_lowercase())
        .map_err(|e| AccountError::EmailInvalid(e.to_string()))
}

/// The address a password link token opens.
pub fn link_url(base_url: &Url, token: &ConfirmationToken) -> String {
    format!(
        "{}/staff/password/{}",
        base_url.as_str().trim_end_matches('/'),
        token.as_str()
    )
}

/// What an action was done by and from where, for the audit log.
#[derive(Clone, Debug)]
pub struct By {
    pub actor: Actor,
    pub client_ip: Option<IpAddr>,
}

impl By {
    pub fn cli() -> By {
        By {
            actor: Actor::Cli,
            client_ip: None,
        }
    }
}

async fn insert_link<C: ConnectionTrait>(
    conn: &C,
    account_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<ConfirmationToken, DbErr> {
    let token = ConfirmationToken::generate();
    staff_password_link::ActiveModel {
        account_id: Set(account_id),
        token_hash: Set(token.hash()),
        expires_at: Set(now + Duration::hours(LINK_TTL_HOURS)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// Ends every unused link of an account (or, with `None`, every first-admin link).
async fn retire_links<C: ConnectionTrait>(
    conn: &C,
    account_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let owner = match account_id {
        Some(id) => staff_password_link::Column::AccountId.eq(id),
        None => staff_password_link::Column::AccountId.is_null(),
    };
    staff_password_link::Entity::update_many()
        .col_expr(staff_password_link::Column::UsedAt, Expr::value(now))
        .filter(owner)
        .filter(staff_password_link::Column::UsedAt.is_null())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Signs an account out everywhere.
pub async fn end_sessions<C: ConnectionTrait>(conn: &C, account_id: i64) -> Result<u64, DbErr> {
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::AccountId.eq(account_id))
        .exec(conn)
        .await
        .map(|r| r.rows_affected)
}

pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Option<staff_account::Model>, DbErr> {
    staff_account::Entity::find()
        .filter(staff_account::Column::Email.eq(email))
        .one(conn)
        .await
}

/// Creates an account without a password and returns its one-time link.
pub async fn add(
    db: &DatabaseConnection,
    email: &str,
    role: StaffRole,
    base_url: &Url,
    by: By,
    now: DateTime<Utc>,
) -> Result<String, AccountError> {
    let email = normalize_email(email)?;
    let moved = email.clone();
    let token = db::write(db, move |txn| {
        let (email, by) = (moved.clone(), by.clone());
        Box::pin(async move {
            if find_by_email(txn, &email).await?.is_some() {
                return Ok(None);
            }
            let account = staff_account::ActiveModel {
                email: Set(email.clone()),
                role: Set(role),
                password_hash: Set(None),
                disabled_at: Set(None),
                last_sign_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let token = insert_link(txn, Some(account.id), now).await?;
            audit::record(
                txn,
                Entry {
                    actor: by.actor,
                    action: "account.add",
                    subject: Some(&email),
                    detail: Some(serde_json::json!({ "role": role_name(role) })),
                    client_ip: by.client_ip,
                },
                now,
            )
            .await?;
            Ok(Some(token))
        })
    })
    .await
    .map_err(|e| match e.sql_err() {
        // Another request added the same email between our look and our insert.
        Some(SqlErr::UniqueConstraintViolation(_)) => AccountError::AlreadyExists(email.clone()),
        _ => AccountError::Database(e),
    })?;
    token
        .map(|t| link_url(base_url, &t))
        .ok_or(AccountError::AlreadyExists(email))
}

/// Disables an account and ends its sessions and unused links at once.
pub async fn disable(
    db: &DatabaseConnection,
    email: &str,
    by: By,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    let email = normalize_email(email)?;
    let moved = email.clone();
    let found = db::write(db, move |txn| {
        let (email, by) = (moved.clone(), by.clone());
        Box::pin(async move {
            let Some(account) = find_by_email(txn, &email).await? else {
                return Ok(false);
            };
            let mut active: staff_account::ActiveModel = account.clone().into();
            if account.disabled_at.is_none() {
                active.disabled_at = Set(Some(now));
            }
            active.updated_at = Set(now);
            active.update(txn).await?;
            let sessions = end_sessions(txn, account.id).await?;
            retire_links(txn, Some(account.id), now).await?;
            audit::record(
                txn,
                Entry {
                    actor: by.actor,
                    action: "account.disable",
                    subject: Some(&email),
                    detail: Some(serde_json::json!({ "sessions_ended": sessions })),
                    client_ip: by.client_ip,
                },
                now,
            )
            .await?;
            Ok(true)
        })
    })
    .await?;
    if found {
        Ok(())
    } else {
        Err(AccountError::NotFound(email))
    }
}

/// A new one-time link for an account: its old links and sessions end. A disabled
/// account is enabled again by the new link (resetting is how an admin brings it back).
pub async fn reset(
    db: &DatabaseConnection,
    email: &str,
    base_url: &Url,
    by: By,
    now: DateTime<Utc>,
) -> Result<String, AccountError> {
    let email = normalize_email(email)?;
    let moved = email.clone();
    let token = db::write(db, move |txn| {
        let (email, by) = (moved.clone(), by.clone());
        Box::pin(async move {
            let Some(account) = find_by_email(txn, &email).await? else {
                return Ok(None);
            };
            let mut active: staff_account::ActiveModel = account.clone().into();
            active.password_hash = Set(None);
            active.disabled_at = Set(None);
            active.updated_at = Set(now);
            active.update(txn).await?;
            let sessions = end_sessions(txn, account.id).await?;
            retire_links(txn, Some(account.id), now).await?;
            let token = insert_link(txn, Some(account.id), now).await?;
            audit::record(
                txn,
                Entry {
                    actor: by.actor,
                    action: "account.reset",
                    subject: Some(&email),
                    detail: Some(serde_json::json!({ "sessions_ended": sessions })),
                    client_ip: by.client_ip,
                },
                now,
            )
            .await?;
            Ok(Some(token))
        })
    })
    .await?;
    token
        .map(|t| link_url(base_url, &t))
        .ok_or(AccountError::NotFound(email))
}

/// Every account, by email.
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<staff_account::Model>, DbErr> {
    staff_account::Entity::find()
        .order_by_asc(staff_account::Column::Email)
        .all(conn)
        .await
}

/// `admin` or `editor`.
pub fn role_name(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Admin => "admin",
        StaffRole::Editor => "editor",
    }
}

/// `active`, `disabled`, or `invited` (no password set yet).
pub fn state_name(account: &staff_account::Model) -> &'static str {
    if account.disabled_at.is_some() {
        "disabled"
    } else if account.password_hash.is_none() {
        "invited"
    } else {
        "active"
    }
}

/// When no staff account exists at all, a first-admin link: whoever opens it chooses
/// the email and password of the first admin. Earlier unused first-admin links end, so
/// only the newest printed link works. `None` once any account exists.
pub async fn first_admin_link(
    db: &DatabaseConnection,
    base_url: &Url,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let token = db::write(db, move |txn| {
        Box::pin(async move {
            if staff_account::Entity::find().count(txn).await? > 0 {
                return Ok(None);
            }
            retire_links(txn, None, now).await?;
            let token = insert_link(txn, None, now).await?;
            audit::record(
                txn,
                Entry {
                    actor: Actor::System,
                    action: "account.first_admin_link",
                    subject: None,
                    detail: None,
                    client_ip: None,
                },
                now,
            )
            .await?;
            Ok(Some(token))
        })
    })
    .await?;
    Ok(token.map(|t| link_url(base_url, &t)))
}

/// What a password link leads to.
#[derive(Clone, Debug)]
pub enum LinkState {
    /// Malformed, never issued, already used, or for a disabled account.
    Unknown,
    Expired,
    /// The first-admin link, while no account exists.
    FirstAdmin,
    Account(staff_account::Model),
}

/// Reads a link by its token's hash.
pub async fn look_up_link<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(LinkState, Option<staff_password_link::Model>), DbErr> {
    let Some(link) = staff_password_link::Entity::find()
        .filter(staff_password_link::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok((LinkState::Unknown, None));
    };
    if link.used_at.is_some() {
        return Ok((LinkState::Unknown, Some(link)));
    }
    if link.expires_at <= now {
        return Ok((LinkState::Expired, Some(link)));
    }
    let state = match link.account_id {
        None if staff_account::Entity::find().count(conn).await? == 0 => LinkState::FirstAdmin,
        None => LinkState::Unknown,
        Some(id) => match staff_account::Entity::find_by_id(id).one(conn).await? {
            Some(account) if account.disabled_at.is_none() => LinkState::Account(account),
            _ => LinkState::Unknown,
        },
    };
    Ok((state, Some(link)))
}

/// Uses a link: sets the password (creating the first admin with `email` for the
/// first-admin link), marks the link used, and records it. Returns the account, or the
/// link's state when it cannot be used (anymore).
pub async fn use_link<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    first_admin_email: Option<&str>,
    password_hash: &str,
    client_ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Result<staff_account::Model, LinkState>, DbErr> {
    let (state, link) = look_up_link(conn, token_hash, now).await?;
    let (account, action) = match (state, link, first_admin_email) {
        (LinkState::Account(account), Some(link), _) => {
            if !mark_used(conn, &link, now).await? {
                return Ok(Err(LinkState::Unknown));
            }
            let mut active: staff_account::ActiveModel = account.into();
            active.password_hash = Set(Some(password_hash.to_owned()));
            active.updated_at = Set(now);
            (active.update(conn).await?, "password.set")
        }
        (LinkState::FirstAdmin, Some(link), Some(email)) => {
            if !mark_used(conn, &link, now).await? {
                return Ok(Err(LinkState::Unknown));
            }
            let account = staff_account::ActiveModel {
                email: Set(email.to_owned()),
                role: Set(StaffRole::Admin),
                password_hash: Set(Some(password_hash.to_owned())),
                disabled_at: Set(None),
                last_sign_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            (account, "account.first_admin")
        }
        (state, _, _) => return Ok(Err(state)),
    };
    audit::record(
        conn,
        Entry {
            actor: Actor::Account {
                id: account.id,
                email: account.email.clone(),
            },
            action,
            subject: Some(&account.email),
            detail: None,
            client_ip,
        },
        now,
    )
    .await?;
    Ok(Ok(account))
}

/// Marks a link used, if nobody else has meanwhile: the condition on `used_at` makes two
/// simultaneous uses of one link end with one winner (on PostgreSQL the second waits for
/// the first's row lock and then finds the link used).
async fn mark_used<C: ConnectionTrait>(
    conn: &C,
    link: &staff_password_link::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    staff_password_link::Entity::update_many()
        .col_expr(staff_password_link::Column::UsedAt, Expr::value(now))
        .filter(staff_password_link::Column::Id.eq(link.id))
        .filter(staff_password_link::Column::UsedAt.is_null())
        .exec(conn)
        .await
        .map(|r| r.rows_affected == 1)
}
