//! Retention: personal data is erased `retention_days` after a letter is closed or
//! delivered; used and expired links, sent outbox rows, failed ones (their last error
//! may quote an address) and old data requests are purged.
//!
//! What erasure does to each signature of such a letter (`erase_one`):
//! - always: the email address becomes empty (the uniqueness key `erased-<id>`), the
//!   client address is cut to its /24 (IPv4) or /48 (IPv6) prefix with a keyed hash of
//!   the full address beside it (`ip_hash`, see [`super::ip`]), its withdrawal links are
//!   deleted, and `erased_at` is set;
//! - what was public stays: for a confirmed individual who chose to be listed, the
//!   name, country, city and occupation (the public list shows them); for a confirmed
//!   organisation, its name, country and website. The contact person's name and role of
//!   an organisation were never public and are erased;
//! - anything else loses its name and free-text fields (city, occupation, role,
//!   website, organisation name) and keeps its country;
//! - the status, kind, dates and version stay, so every count stays as it was.
//!
//! The job runs by itself in the worker (`startup::spawn_background`), in bounded
//! batches, and is idempotent: an erased row is never touched again. Each run that did
//! something leaves one audit entry (actor `system`, action `retention.erase`) with its
//! counts.
//!
//! Failed deliveries of a letter to its targets (`delivery_email` rows) are kept: they
//! name institutions, not signers, and the delivery screen shows why they failed.
//! What retention does not touch: the append-only audit log (it keeps what staff did,
//! including the filters they searched with) and the list snapshots behind proof links
//! (they hold only what the public list showed).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

use super::ip;
use crate::auth::audit::{self, Actor, Entry};
use crate::config::Settings;
use crate::db;
use crate::entities::{
    LetterStatus, OutboxStatus, SignatureKind, SignatureStatus, confirmation_token, data_request,
    letter, outbox, signature, withdrawal_token,
};

/// Rows handled per transaction.
const BATCH: u64 = 200;
/// Batches per kind of row in one run; the next run goes on where this one stopped.
const MAX_BATCHES: u32 = 50;
/// Data requests are kept this long, for the daily cap.
const DATA_REQUEST_KEEP: Duration = Duration::days(1);

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub signatures_erased: u64,
    pub confirmation_links_purged: u64,
    pub outbox_rows_purged: u64,
    pub failed_outbox_rows_purged: u64,
    pub data_requests_purged: u64,
}

impl Report {
    fn is_empty(&self) -> bool {
        *self == Report::default()
    }
}

/// The horizon: what ended before this is due for erasure.
pub fn horizon(settings: &Settings, now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(i64::from(settings.retention_days))
}

/// One run of the retention job: erase and purge what is due at `now`, and record it.
pub async fn run(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Report, DbErr> {
    let horizon = horizon(settings, now);
    let key = ip::key(
        db,
        settings
            .ip_hash_key
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret),
    )
    .await?;
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let key = key.clone();
        let n = db::write(db, move |txn| {
            let key = key.clone();
            Box::pin(async move { erase_batch(txn, &key, horizon, now).await })
        })
        .await?;
        report.signatures_erased += n;
        if n < BATCH {
            break;
        }
    }
    report.confirmation_links_purged = purge(db, Purge::ConfirmationLinks, horizon).await?;
    report.outbox_rows_purged = purge(db, Purge::SentOutbox, horizon).await?;
    report.failed_outbox_rows_purged = purge(db, Purge::FailedOutbox, horizon).await?;
    report.data_requests_purged = purge(db, Purge::DataRequests, now - DATA_REQUEST_KEEP).await?;
    if !report.is_empty() {
        let detail = serde_json::to_value(report).ok();
        db::write(db, move |txn| {
            let detail = detail.clone();
            Box::pin(async move {
                audit::record(
                    txn,
                    Entry {
                        actor: Actor::System,
                        action: "retention.erase",
                        subject: None,
                        detail,
                        client_ip: None,
                    },
                    now,
                )
                .await
            })
        })
        .await?;
        tracing::info!(
            ?report,
            "retention: personal data erased and old rows purged"
        );
    }
    Ok(report)
}

/// Erases one batch of due signatures; returns how many.
async fn erase_batch<C: ConnectionTrait>(
    conn: &C,
    key: &[u8],
    horizon: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let ended = Condition::any()
        .add(letter::Column::ClosedAt.lte(horizon))
        .add(
            Condition::all()
                .add(letter::Column::ClosedAt.is_null())
                .add(letter::Column::UpdatedAt.lte(horizon)),
        );
    let due_letters = Query::select()
        .column(letter::Column::Id)
        .from(letter::Entity)
        .and_where(letter::Column::Status.is_in([LetterStatus::Closed, LetterStatus::Delivered]))
        .cond_where(ended)
        .to_owned();
    let rows = signature::Entity::find()
        .filter(signature::Column::ErasedAt.is_null())
        .filter(signature::Column::LetterId.in_subquery(due_letters))
        .order_by_asc(signature::Column::Id)
        .limit(BATCH)
        .all(conn)
        .await?;
    for row in &rows {
        erase_one(conn, row, key, now).await?;
    }
    Ok(rows.len() as u64)
}

async fn erase_one<C: ConnectionTrait>(
    conn: &C,
    row: &signature::Model,
    key: &[u8],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let confirmed = row.status == SignatureStatus::Confirmed;
    let listed_person = confirmed && row.kind == SignatureKind::Individual && row.show_publicly;
    let listed_organisation = confirmed && row.kind == SignatureKind::Organisation;
    let none = Expr::value(Option::<String>::None);
    let (client_ip, ip_hash) = match row.client_ip.as_deref().map(str::parse::<IpAddr>) {
        Some(Ok(addr)) => (Some(ip::prefix(addr)), Some(ip::hash(key, addr))),
        // Not an address (already a prefix, or never one): nothing to hash.
        Some(Err(_)) => (row.client_ip.clone(), row.ip_hash.clone()),
        None => (None, row.ip_hash.clone()),
    };
    let mut update = signature::Entity::update_many()
        .col_expr(signature::Column::Email, Expr::value(""))
        .col_expr(
            signature::Column::EmailNormalized,
            Expr::value(format!("erased-{}", row.id)),
        )
        // What is derived from the address goes with it (the unique index allows NULL).
        .col_expr(signature::Column::EmailCanonical, none.clone())
        .col_expr(signature::Column::EmailDomain, none.clone())
        .col_expr(signature::Column::ClientIp, Expr::value(client_ip))
        .col_expr(signature::Column::IpHash, Expr::value(ip_hash))
        .col_expr(signature::Column::ErasedAt, Expr::value(Some(now)))
        .col_expr(signature::Column::Role, none.clone());
    if !listed_person {
        update = update
            .col_expr(signature::Column::City, none.clone())
            .col_expr(signature::Column::Occupation, none.clone());
    }
    if !listed_person {
        // An organisation's contact person was never public; nor was an unlisted name.
        update = update
            .col_expr(signature::Column::Name, Expr::value(""))
            .col_expr(signature::Column::NameSkeleton, none.clone());
    }
    if !listed_organisation {
        update = update
            .col_expr(signature::Column::Website, none.clone())
            .col_expr(signature::Column::OrganisationName, none);
    }
    update
        .filter(signature::Column::Id.eq(row.id))
        .filter(signature::Column::ErasedAt.is_null())
        .exec(conn)
        .await?;
    withdrawal_token::Entity::delete_many()
        .filter(withdrawal_token::Column::SignatureId.eq(row.id))
        .exec(conn)
        .await?;
    Ok(())
}

#[derive(Clone, Copy)]
enum Purge {
    /// Confirmation links minted before the horizon: long expired or used by then.
    ConfirmationLinks,
    /// Outbox rows sent before the horizon.
    SentOutbox,
    /// Outbox rows that failed for good before the horizon, but for deliveries to
    /// targets (the delivery screen shows why they failed).
    FailedOutbox,
    /// Data requests older than a day.
    DataRequests,
}

/// Deletes what is older than `before`, in bounded batches; returns how many rows.
async fn purge(db: &DatabaseConnection, what: Purge, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut total = 0;
    for _ in 0..MAX_BATCHES {
        let n = db::write(db, move |txn| {
            Box::pin(async move {
                let limit = BATCH;
                let deleted = match what {
                    Purge::ConfirmationLinks => {
                        let ids = confirmation_token::Entity::find()
                            .select_only()
                            .column(confirmation_token::Column::Id)
                            .filter(confirmation_token::Column::CreatedAt.lte(before))
                            .limit(limit)
                            .into_tuple::<i64>()
                            .all(txn)
                            .await?;
                        confirmation_token::Entity::delete_many()
                            .filter(confirmation_token::Column::Id.is_in(ids))
                            .exec(txn)
                            .await?
                    }
                    Purge::SentOutbox => {
                        purge_outbox(txn, OutboxStatus::Sent, None, before, limit).await?
                    }
                    Purge::FailedOutbox => {
                        // A failed delivery stays: it names an institution, not a signer,
                        // and the delivery screen explains the failure from it.
                        let delivery = crate::outbox::Job::DeliveryEmail {
                            letter_id: 0,
                            target_id: 0,
                        };
                        let keep = Some(delivery.kind());
                        purge_outbox(txn, OutboxStatus::Failed, keep, before, limit).await?
                    }
                    Purge::DataRequests => {
                        let ids = data_request::Entity::find()
                            .select_only()
                            .column(data_request::Column::Id)
                            .filter(data_request::Column::CreatedAt.lte(before))
                            .limit(limit)
                            .into_tuple::<i64>()
                            .all(txn)
                            .await?;
                        data_request::Entity::delete_many()
                            .filter(data_request::Column::Id.is_in(ids))
                            .exec(txn)
                            .await?
                    }
                };
                Ok(deleted.rows_affected)
            })
        })
        .await?;
        total += n;
        if n < BATCH {
            break;
        }
    }
    Ok(total)
}

/// Deletes up to `limit` outbox rows of `status` finished at or before `before`, leaving
/// rows of the kind `keep`.
async fn purge_outbox<C: ConnectionTrait>(
    txn: &C,
    status: OutboxStatus,
    keep: Option<&str>,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<sea_orm::DeleteResult, DbErr> {
    let mut query = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Status.eq(status))
        .filter(outbox::Column::FinishedAt.lte(before));
    if let Some(kind) = keep {
        query = query.filter(outbox::Column::Kind.ne(kind));
    }
    let ids = query.limit(limit).into_tuple::<i64>().all(txn).await?;
    outbox::Entity::delete_many()
        .filter(outbox::Column::Id.is_in(ids))
        .exec(txn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let env: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_sources(None, env).unwrap()
    }

    #[test]
    fn the_horizon_is_six_months_by_default_and_follows_the_setting() {
        let now = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(horizon(&settings(&[]), now), now - Duration::days(183));
        let s = settings(&[
            ("UNDERSIGNED_RETENTION_DAYS", "30"),
            ("UNDERSIGNED_IP_HASH_KEY", "pepper-of-the-house"),
            ("UNDERSIGNED_DATA_REQUESTS_PER_DAY", "1"),
            ("UNDERSIGNED_RETENTION_INTERVAL_SECS", "60"),
        ]);
        assert_eq!(horizon(&s, now), now - Duration::days(30));
        assert_eq!(s.data_requests_per_day, 1);
        assert_eq!(s.retention_interval, std::time::Duration::from_secs(60));
        assert!(!format!("{s:?}").contains("pepper-of-the-house"));
    }
}
