//! Webhooks: signed HTTP deliveries of a letter's events to the endpoints staff register
//! for it (`/staff/letters/{id}/webhooks`).
//!
//! An event is queued with [`enqueue_event`] in the transaction that caused it (one outbox
//! row per matching endpoint, at most [`MAX_ENDPOINTS_PER_LETTER`]), and the worker sends
//! it (`deliver`): the body is built at sending time from current data (the queue holds
//! ids only), signed as Standard Webhooks says (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256>`), retried with the outbox's backoff, and
//! every attempt is recorded for staff. Targets are checked against SSRF (`target`).

mod deliver;
pub mod target;

pub use deliver::{Delivery, deliver};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::Sha256;

use crate::entities::{webhook_attempt, webhook_endpoint};
use crate::outbox::{self, Job};

/// Most endpoints one letter may have: bounds the outbox rows one confirmation adds.
pub const MAX_ENDPOINTS_PER_LETTER: u64 = 10;

/// Attempts shown on a letter's webhooks screen (the newest).
pub const ATTEMPTS_SHOWN: u64 = 50;

/// Prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Something that happened to a letter, as endpoints subscribe to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A signer confirmed their signature (and it counts: not held for review).
    SignatureConfirmed { signature_id: i64 },
    /// The letter was published or reopened: it takes signatures.
    LetterOpened,
    /// The letter was closed (by staff or at its deadline).
    LetterClosed,
    /// The letter was delivered to its targets.
    LetterDelivered,
}

/// Every event type, in the order the screen lists them.
pub const EVENT_TYPES: [&str; 4] = [
    "signature.confirmed",
    "letter.opened",
    "letter.closed",
    "letter.delivered",
];

impl Event {
    /// The `type` of the payload and of the subscription.
    pub fn kind(self) -> &'static str {
        match self {
            Event::SignatureConfirmed { .. } => "signature.confirmed",
            Event::LetterOpened => "letter.opened",
            Event::LetterClosed => "letter.closed",
            Event::LetterDelivered => "letter.delivered",
        }
    }

    fn signature_id(self) -> Option<i64> {
        match self {
            Event::SignatureConfirmed { signature_id } => Some(signature_id),
            _ => None,
        }
    }
}

/// Whether an endpoint's comma-separated `events` include `kind`.
fn subscribes(events: &str, kind: &str) -> bool {
    events.split(',').any(|e| e.trim() == kind)
}

/// Queues `event` of letter `letter_id` for each of the letter's endpoints that subscribe
/// to it, on `conn`: call it in the transaction that made the event happen, so both
/// commit or neither does. Returns how many deliveries were queued (at most
/// [`MAX_ENDPOINTS_PER_LETTER`]).
pub async fn enqueue_event<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    event: Event,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let endpoints = subscribed(conn, letter_id).await?;
    enqueue_to(conn, &endpoints, letter_id, event, now).await
}

/// A letter's endpoints (id and subscribed events), at most [`MAX_ENDPOINTS_PER_LETTER`].
pub async fn subscribed<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<(i64, String)>, DbErr> {
    webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::Events)
        .filter(webhook_endpoint::Column::LetterId.eq(letter_id))
        .order_by_asc(webhook_endpoint::Column::Id)
        .limit(MAX_ENDPOINTS_PER_LETTER)
        .into_tuple()
        .all(conn)
        .await
}

/// [`enqueue_event`] with the letter's `endpoints` already read (a group-commit batch
/// reads them once for all its items).
pub async fn enqueue_to<C: ConnectionTrait>(
    conn: &C,
    endpoints: &[(i64, String)],
    letter_id: i64,
    event: Event,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let mut queued = 0;
    for (endpoint_id, events) in endpoints {
        let endpoint_id = *endpoint_id;
        if !subscribes(events, event.kind()) {
            continue;
        }
        let job = Job::Webhook {
            endpoint_id,
            letter_id,
            event: event.kind().to_owned(),
            signature_id: event.signature_id(),
            occurred_at_ms: now.timestamp_millis(),
        };
        outbox::enqueue(conn, &job, now).await?;
        queued += 1;
    }
    Ok(queued)
}

/// A new endpoint's secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    format!(
        "{SECRET_PREFIX}{}",
        BASE64.encode(rand::random::<[u8; 32]>())
    )
}

/// The Standard Webhooks signature header value for one delivery:
/// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where the key is the
/// secret's base64 part decoded. `None` for a secret that is not `whsec_` + base64.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// What an admin asks for when adding an endpoint (checked by the screen).
#[derive(Clone, Debug)]
pub struct NewEndpoint {
    pub letter_id: i64,
    pub url: String,
    pub events: Vec<&'static str>,
    pub include_personal: bool,
    pub created_by: Option<i64>,
}

/// Why an endpoint was not added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddRefused {
    /// The letter has [`MAX_ENDPOINTS_PER_LETTER`] endpoints already.
    #[error("the letter has the most webhook endpoints it may have")]
    TooMany,
}

/// Adds an endpoint with a fresh secret, unless the letter has its maximum already (counted
/// in the same transaction).
pub async fn add_endpoint<C: ConnectionTrait>(
    conn: &C,
    new: &NewEndpoint,
    now: DateTime<Utc>,
) -> Result<Result<webhook_endpoint::Model, AddRefused>, DbErr> {
    let existing = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::LetterId.eq(new.letter_id))
        .count(conn)
        .await?;
    if existing >= MAX_ENDPOINTS_PER_LETTER {
        return Ok(Err(AddRefused::TooMany));
    }
    let row = webhook_endpoint::ActiveModel {
        letter_id: Set(new.letter_id),
        url: Set(new.url.clone()),
        secret: Set(new_secret()),
        events: Set(new.events.join(",")),
        include_personal: Set(new.include_personal),
        created_by: Set(new.created_by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Ok(row))
}

/// Removes an endpoint of a letter (its attempts go with it); false when there was none.
/// Deliveries already queued for it are dropped by the worker.
pub async fn remove_endpoint<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    endpoint_id: i64,
) -> Result<Option<webhook_endpoint::Model>, DbErr> {
    let Some(found) = webhook_endpoint::Entity::find_by_id(endpoint_id)
        .filter(webhook_endpoint::Column::LetterId.eq(letter_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::EndpointId.eq(endpoint_id))
        .exec(conn)
        .await?;
    webhook_endpoint::Entity::delete_many()
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .exec(conn)
        .await?;
    Ok(Some(found))
}

/// A letter's endpoints, oldest first (at most [`MAX_ENDPOINTS_PER_LETTER`]).
pub async fn endpoints<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<webhook_endpoint::Model>, DbErr> {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::LetterId.eq(letter_id))
        .order_by_asc(webhook_endpoint::Column::Id)
        .limit(MAX_ENDPOINTS_PER_LETTER)
        .all(conn)
        .await
}

/// A letter's newest delivery attempts, newest first (at most [`ATTEMPTS_SHOWN`]).
pub async fn recent_attempts<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<webhook_attempt::Model>, DbErr> {
    webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::LetterId.eq(letter_id))
        .order_by_desc(webhook_attempt::Column::Id)
        .limit(ATTEMPTS_SHOWN)
        .all(conn)
        .await
}

/// How long delivery attempts are kept for staff to read.
pub const ATTEMPTS_KEPT_DAYS: i64 = 30;

/// Deletes delivery attempts recorded before `before` (the worker does, every
/// `retention_interval`, for attempts older than [`ATTEMPTS_KEPT_DAYS`]); returns how many
/// went.
pub async fn purge_attempts<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::AttemptedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(signature("nope", id, 1, body), None);
    }

    #[test]
    fn secrets_are_fresh_and_well_formed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(signature(&a, "msg_1", 1, "{}").is_some());
        assert_eq!(BASE64.decode(&a[SECRET_PREFIX.len()..]).unwrap().len(), 32);
    }

    #[test]
    fn subscriptions_match_whole_event_types() {
        assert!(subscribes(
            "signature.confirmed,letter.closed",
            "letter.closed"
        ));
        assert!(!subscribes("letter.closed", "letter.close"));
        assert!(!subscribes("", "letter.closed"));
    }
}
