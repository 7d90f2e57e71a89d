//! Partner API keys: made by admins (`/staff/api-keys`), shown once, kept only as a
//! SHA-256, scoped to every letter or to a chosen few, revocable, with their last use
//! recorded. A request proves its key with `Authorization: Bearer <key>` ([`Partner`]).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::auth::audit::{self, Actor, Entry};
use crate::encoding::hex;
use crate::entities::{api_key, api_key_letter};
use crate::web::error::Step;
use crate::web::{AppState, WebError};

/// What every key starts with, so a leaked key is recognisable (secret scanners, logs).
pub const KEY_PREFIX: &str = "usk_";

/// Characters of the key kept in clear to tell keys apart on screen.
const SHOWN_PREFIX_LEN: usize = 12;

/// Longest name an admin may give a key.
pub const MAX_NAME_CHARS: usize = 100;

/// A new key: 256 random bits, base64url, after [`KEY_PREFIX`].
fn mint() -> String {
    format!(
        "{KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    )
}

/// Hex SHA-256 of a key, the only form in which it is stored.
pub fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// Which letters a key may sign for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    AllLetters,
    /// These letter ids (at least one).
    Letters(Vec<i64>),
}

/// Makes a key, records who made it, and returns it with the key itself (shown once).
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    scope: &Scope,
    actor: Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(api_key::Model, String), DbErr> {
    let key = mint();
    let created_by = match &actor {
        Actor::Account { id, .. } => Some(*id),
        _ => None,
    };
    let row = api_key::ActiveModel {
        name: Set(name.to_owned()),
        prefix: Set(key.chars().take(SHOWN_PREFIX_LEN).collect()),
        key_hash: Set(hash(&key)),
        all_letters: Set(*scope == Scope::AllLetters),
        created_by: Set(created_by),
        created_at: Set(now),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Scope::Letters(ids) = scope {
        for letter_id in ids {
            api_key_letter::Entity::insert(api_key_letter::ActiveModel {
                api_key_id: Set(row.id),
                letter_id: Set(*letter_id),
            })
            .on_conflict_do_nothing()
            .exec(conn)
            .await?;
        }
    }
    let subject = row.id.to_string();
    audit::record(
        conn,
        Entry {
            actor,
            action: "api_key.create",
            subject: Some(&subject),
            detail: Some(serde_json::json!({
                "name": name,
                "prefix": row.prefix,
                "letters": match scope {
                    Scope::AllLetters => serde_json::json!("all"),
                    Scope::Letters(ids) => serde_json::json!(ids),
                },
            })),
            client_ip,
        },
        now,
    )
    .await?;
    Ok((row, key))
}

/// Revokes a key at once; returns whether a live key was revoked.
pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    actor: Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if done.rows_affected == 0 {
        return Ok(false);
    }
    let subject = id.to_string();
    audit::record(
        conn,
        Entry {
            actor,
            action: "api_key.revoke",
            subject: Some(&subject),
            detail: None,
            client_ip,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Most keys listed on the screen; far more than a site gives out.
pub const LIST_LIMIT: u64 = 500;

/// Keys, newest first, each with the ids of its letters (empty for all letters).
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<(api_key::Model, Vec<i64>)>, DbErr> {
    let keys = api_key::Entity::find()
        .order_by_desc(api_key::Column::Id)
        .limit(LIST_LIMIT)
        .all(conn)
        .await?;
    let ids: Vec<i64> = keys.iter().map(|k| k.id).collect();
    let links = api_key_letter::Entity::find()
        .filter(api_key_letter::Column::ApiKeyId.is_in(ids))
        .all(conn)
        .await?;
    Ok(keys
        .into_iter()
        .map(|k| {
            let letters = links
                .iter()
                .filter(|l| l.api_key_id == k.id)
                .map(|l| l.letter_id)
                .collect();
            (k, letters)
        })
        .collect())
}

/// The live key with this hash, if any.
async fn find_live<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash(key)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(conn)
        .await
}

/// Whether `key` may be used for `letter_id`.
pub async fn in_scope<C: ConnectionTrait>(
    conn: &C,
    key: &api_key::Model,
    letter_id: i64,
) -> Result<bool, DbErr> {
    if key.all_letters {
        return Ok(true);
    }
    let n = api_key_letter::Entity::find()
        .filter(api_key_letter::Column::ApiKeyId.eq(key.id))
        .filter(api_key_letter::Column::LetterId.eq(letter_id))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Records a use of the key: its `last_used_at`, and an audit entry. Called on the
/// transaction of what the key did.
pub async fn note_use<C: ConnectionTrait>(
    conn: &C,
    key_id: i64,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(key_id))
        .exec(conn)
        .await?;
    audit::record(
        conn,
        Entry {
            actor: Actor::ApiKey { id: key_id },
            action,
            subject: Some(subject),
            detail: Some(detail),
            client_ip,
        },
        now,
    )
    .await
}

/// A request that carries a live API key. Without one the request is answered 401 with
/// `WWW-Authenticate: Bearer` (a missing, unknown or revoked key look the same).
#[derive(Clone, Debug)]
pub struct Partner(pub api_key::Model);

/// Longest `Authorization` value read: a key is 47 characters.
const MAX_KEY_LEN: usize = 200;

impl FromRequestParts<AppState> for Partner {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|k| k.starts_with(KEY_PREFIX) && k.len() <= MAX_KEY_LEN)
            .ok_or(WebError::ApiKeyRefused)?;
        match find_live(&state.db, key)
            .await
            .step("reading the API key")?
        {
            Some(row) => Ok(Partner(row)),
            None => Err(WebError::ApiKeyRefused),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_stored_only_as_their_hash() {
        let (a, b) = (mint(), mint());
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 43);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&b));
        assert!(!hash(&a).contains(&a[KEY_PREFIX.len()..]));
    }
}
