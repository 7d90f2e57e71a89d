//! What the letter dashboard shows, read for one letter: signatures by kind and status,
//! signatures per hour, who signed in the last hour (email domains, address prefixes),
//! the roll-up lag and the outbox's state.
//!
//! Every query is bounded by an index on `letter_id` and, where it scans, by a time range
//! or a row cap; `benches/dashboard.rs` measures them on a letter with a million rows.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use ipnet::{Ipv4Net, Ipv6Net};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::{
    OutboxStatus, SignatureKind, SignatureStatus, count_delta, outbox, signature,
};
use crate::outbox::{Job, Subject};

/// How many signatures of each kind are in each status (zeros included), from one
/// grouped query over the index that starts with (letter_id, kind, status).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    counts: Vec<(SignatureKind, SignatureStatus, i64)>,
}

impl StatusCounts {
    pub fn get(&self, kind: SignatureKind, status: SignatureStatus) -> i64 {
        self.counts
            .iter()
            .filter(|(k, s, _)| *k == kind && *s == status)
            .map(|(_, _, n)| n)
            .sum()
    }

    /// Every signature of a kind, whatever its status.
    pub fn total(&self, kind: SignatureKind) -> i64 {
        self.counts
            .iter()
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, _, n)| n)
            .sum()
    }
}

pub async fn status_counts<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<StatusCounts, DbErr> {
    let rows: Vec<(String, String, i64)> = signature::Entity::find()
        .select_only()
        .column(signature::Column::Kind)
        .column(signature::Column::Status)
        .column_as(signature::Column::Id.count(), "n")
        .filter(signature::Column::LetterId.eq(letter_id))
        .group_by(signature::Column::Kind)
        .group_by(signature::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts = Vec::new();
    for (kind, status, n) in rows {
        // Read as text so that a value this code does not know is logged, not fatal.
        match (
            SignatureKind::try_from_value(&kind),
            SignatureStatus::try_from_value(&status),
        ) {
            (Ok(kind), Ok(status)) => {
                counts.push((kind, status, n));
            }
            _ => tracing::warn!(
                letter_id,
                kind,
                status,
                n,
                "signatures of an unknown kind or status"
            ),
        }
    }
    Ok(StatusCounts { counts })
}

/// Confirmations not yet folded into the shown counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollUpLag {
    /// Deltas waiting for the roll-up.
    pub waiting: i64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
}

/// The roll-up folds every delta each `count_rollup_interval`, so the rows read here are
/// few unless the roll-up has stopped, which is what this is for.
pub async fn roll_up_lag<C: ConnectionTrait>(conn: &C, letter_id: i64) -> Result<RollUpLag, DbErr> {
    let row: Option<(i64, Option<DateTime<Utc>>)> = count_delta::Entity::find()
        .select_only()
        .column_as(count_delta::Column::Id.count(), "n")
        .column_as(count_delta::Column::CreatedAt.min(), "oldest")
        .filter(count_delta::Column::LetterId.eq(letter_id))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row
        .map(|(waiting, oldest)| RollUpLag { waiting, oldest })
        .unwrap_or_default())
}

/// Signatures made and confirmed per hour, oldest hour first; the last is the current
/// (unfinished) hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hourly {
    /// The start of the first hour.
    pub start: DateTime<Utc>,
    pub signed: Vec<i64>,
    pub confirmed: Vec<i64>,
}

/// The start of the hour `t` falls in.
pub fn hour_of(t: DateTime<Utc>) -> DateTime<Utc> {
    let hour = t.timestamp().div_euclid(3600);
    DateTime::from_timestamp(hour * 3600, 0).unwrap_or(t)
}

/// The hour a timestamp column falls in, in the backend's SQL: on PostgreSQL the start
/// of the hour as a `timestamp` in UTC (`date_trunc`, whatever the session's time zone);
/// on SQLite the text `YYYY-MM-DDTHH`.
///
/// SQLite keeps sea-orm's timestamps as RFC 3339 text in UTC (`2026-11-27T12:59:59+00:00`,
/// with a fraction of a second when there is one), so the hour is the first 13
/// characters. Over a million rows (`benches/dashboard.rs`) the prefix took a third less
/// time than `strftime`; on PostgreSQL `date_trunc` took about 60% of the time of
/// `to_char` or `EXTRACT(EPOCH …)`.
fn hour_expression(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("date_trunc('hour', \"{column}\" AT TIME ZONE 'UTC')"),
        _ => format!("substr(\"{column}\", 1, 13)"),
    }
}

/// The start of the hour named by SQLite's `YYYY-MM-DDTHH` (a space instead of the `T`
/// is read too, as SQLite's own `CURRENT_TIMESTAMP` writes it).
fn parse_hour(text: &str) -> Option<DateTime<Utc>> {
    let text = text.replacen(' ', "T", 1);
    chrono::NaiveDateTime::parse_from_str(&format!("{text}:00"), "%Y-%m-%dT%H:%M")
        .ok()
        .map(|t| t.and_utc())
}

/// Signatures made (`created_at`) and confirmed (`confirmed_at`, whatever the status is
/// now) in each of the `hours` hours up to and including the current one. Each count is
/// one GROUP BY over a range of an index on (letter_id, time).
pub async fn hourly<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    now: DateTime<Utc>,
    hours: u32,
) -> Result<Hourly, DbErr> {
    let hours = hours.max(1);
    let end = hour_of(now) + Duration::hours(1);
    let start = end - Duration::hours(i64::from(hours));
    let backend = conn.get_database_backend();
    let mut out = Hourly {
        start,
        signed: vec![0; hours as usize],
        confirmed: vec![0; hours as usize],
    };
    for (column, name, series) in [
        (signature::Column::CreatedAt, "created_at", &mut out.signed),
        (
            signature::Column::ConfirmedAt,
            "confirmed_at",
            &mut out.confirmed,
        ),
    ] {
        let hour = Expr::cust(hour_expression(backend, name));
        let query = signature::Entity::find()
            .select_only()
            .column_as(hour.clone(), "hour")
            .column_as(signature::Column::Id.count(), "n")
            .filter(signature::Column::LetterId.eq(letter_id))
            .filter(column.gte(start))
            .filter(column.lt(end))
            .group_by(hour);
        let rows: Vec<(Option<DateTime<Utc>>, i64)> = if backend == DbBackend::Postgres {
            query
                .into_tuple::<(chrono::NaiveDateTime, i64)>()
                .all(conn)
                .await?
                .into_iter()
                .map(|(hour, n)| (Some(hour.and_utc()), n))
                .collect()
        } else {
            query
                .into_tuple::<(String, i64)>()
                .all(conn)
                .await?
                .into_iter()
                .map(|(hour, n)| {
                    let at = parse_hour(&hour);
                    if at.is_none() {
                        tracing::warn!(letter_id, hour, "an hour that does not parse");
                    }
                    (at, n)
                })
                .collect()
        };
        for (at, n) in rows {
            let Some(at) = at else { continue };
            if let Some(slot) = usize::try_from((at - start).num_hours())
                .ok()
                .and_then(|i| series.get_mut(i))
            {
                *slot += n;
            }
        }
    }
    Ok(out)
}

/// Who signed in the last hour: the most frequent email domains and networks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastHour {
    /// Signatures read (at most the cap).
    pub read: usize,
    /// The cap was reached: only the newest `read` signatures were looked at.
    pub capped: bool,
    pub domains: Vec<(String, i64)>,
    /// IPv4 /24 and IPv6 /48 networks.
    pub networks: Vec<(String, i64)>,
    /// IPv6 /64 networks (one home or one server each, often).
    pub networks_64: Vec<(String, i64)>,
}

/// The signatures of the last hour, newest first, at most `cap` of them, tallied in
/// Rust: the domain is what follows the last `@` of the normalised email; addresses are
/// grouped into /24 (IPv4), /48 and /64 (IPv6) networks. `top` of each, most first.
pub async fn last_hour<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    now: DateTime<Utc>,
    cap: u64,
    top: usize,
) -> Result<LastHour, DbErr> {
    let rows: Vec<(String, Option<String>)> = signature::Entity::find()
        .select_only()
        .column(signature::Column::EmailNormalized)
        .column(signature::Column::ClientIp)
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::CreatedAt.gt(now - Duration::hours(1)))
        .filter(signature::Column::CreatedAt.lte(now))
        .order_by_desc(signature::Column::CreatedAt)
        .limit(cap)
        .into_tuple()
        .all(conn)
        .await?;
    let mut domains: HashMap<String, i64> = HashMap::new();
    let mut networks: HashMap<String, i64> = HashMap::new();
    let mut networks_64: HashMap<String, i64> = HashMap::new();
    for (email, ip) in &rows {
        if let Some((_, domain)) = email.rsplit_once('@') {
            *domains.entry(domain.to_owned()).or_default() += 1;
        }
        if let Some(ip) = ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()) {
            let (wide, narrow) = prefixes(ip);
            *networks.entry(wide).or_default() += 1;
            if let Some(narrow) = narrow {
                *networks_64.entry(narrow).or_default() += 1;
            }
        }
    }
    Ok(LastHour {
        read: rows.len(),
        capped: rows.len() as u64 >= cap,
        domains: most(domains, top),
        networks: most(networks, top),
        networks_64: most(networks_64, top),
    })
}

/// The network an address is counted in: /24 for IPv4 (an IPv4-mapped IPv6 address
/// counts as IPv4), /48 for IPv6, and for IPv6 also its /64.
pub fn prefixes(ip: IpAddr) -> (String, Option<String>) {
    match ip.to_canonical() {
        IpAddr::V4(v4) => (
            Ipv4Net::new(v4, 24)
                .map(|n| n.trunc().to_string())
                .unwrap_or_else(|_| v4.to_string()),
            None,
        ),
        IpAddr::V6(v6) => {
            let net = |len| {
                Ipv6Net::new(v6, len)
                    .map(|n| n.trunc().to_string())
                    .unwrap_or_else(|_| v6.to_string())
            };
            (net(48), Some(net(64)))
        }
    }
}

/// The `top` largest tallies, most first; equal counts in the order of their names, so
/// the list is the same on every load.
fn most(tally: HashMap<String, i64>, top: usize) -> Vec<(String, i64)> {
    let mut all: Vec<(String, i64)> = tally.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(top);
    all
}

/// The outbox rows of one letter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxState {
    pub pending: i64,
    pub failed: i64,
    /// When the oldest pending row was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// The latest failures, newest first.
    pub failures: Vec<Failure>,
}

/// A job that failed for good.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the email was going, when the job is about a signature that still exists.
    /// Personal data: the web layer shows it to admins only.
    pub recipient: Option<String>,
}

/// The rows of one letter's outbox in `status`: a range of the (letter_id, status) index.
/// Sent rows are kept, so their count grows with the letter (one read per signature at
/// least); pending and failed rows are what waits or went wrong, few unless mail is in
/// trouble, which is when they matter.
pub async fn outbox_count<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    status: OutboxStatus,
) -> Result<i64, DbErr> {
    let n = outbox::Entity::find()
        .filter(outbox::Column::LetterId.eq(letter_id))
        .filter(outbox::Column::Status.eq(status))
        .count(conn)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The pending and failed counts, the oldest pending row, and the latest `failures`
/// failed rows with the address they were for.
pub async fn outbox_state<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    failures: u64,
) -> Result<OutboxState, DbErr> {
    let mut state = OutboxState {
        pending: outbox_count(conn, letter_id, OutboxStatus::Pending).await?,
        failed: outbox_count(conn, letter_id, OutboxStatus::Failed).await?,
        ..OutboxState::default()
    };
    state.oldest_pending = outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::CreatedAt.min(), "oldest")
        .filter(outbox::Column::LetterId.eq(letter_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(conn)
        .await?
        .flatten();
    let failed = outbox::Entity::find()
        .filter(outbox::Column::LetterId.eq(letter_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Failed))
        .order_by_desc(outbox::Column::Id)
        .limit(failures)
        .all(conn)
        .await?;
    let signature_ids: Vec<i64> = failed
        .iter()
        .filter_map(|row| match serde_json::from_str::<Job>(&row.payload) {
            Ok(job) => match job.subject() {
                Subject::Signature(id) => Some(id),
                Subject::Letter(_) | Subject::None => None,
            },
            Err(_) => None,
        })
        .collect();
    let emails: HashMap<i64, String> = signature::Entity::find()
        .select_only()
        .column(signature::Column::Id)
        .column(signature::Column::Email)
        .filter(signature::Column::Id.is_in(signature_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    state.failures = failed
        .into_iter()
        .map(|row| {
            let recipient =
                serde_json::from_str::<Job>(&row.payload)
                    .ok()
                    .and_then(|job| match job.subject() {
                        Subject::Signature(id) => emails.get(&id).cloned(),
                        Subject::Letter(_) | Subject::None => None,
                    });
            Failure {
                id: row.id,
                kind: row.kind,
                attempts: row.attempts,
                last_error: row.last_error,
                finished_at: row.finished_at,
                recipient,
            }
        })
        .collect();
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_fall_into_their_networks() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            prefixes(ip("203.0.113.77")),
            ("203.0.113.0/24".into(), None)
        );
        assert_eq!(
            prefixes(ip("::ffff:198.51.100.9")),
            ("198.51.100.0/24".into(), None)
        );
        assert_eq!(
            prefixes(ip("2001:db8:abcd:12:1:2:3:4")),
            (
                "2001:db8:abcd::/48".into(),
                Some("2001:db8:abcd:12::/64".into())
            )
        );
    }

    #[test]
    fn the_most_frequent_come_first_and_ties_by_name() {
        let tally: HashMap<String, i64> = [("b", 2), ("a", 2), ("c", 5), ("d", 1)]
            .into_iter()
            .map(|(k, n)| (k.to_owned(), n))
            .collect();
        assert_eq!(
            most(tally, 3),
            vec![("c".into(), 5), ("a".into(), 2), ("b".into(), 2)]
        );
    }

    #[test]
    fn hours_read_back_from_either_database() {
        let at = |s: &str| parse_hour(s).map(|t| t.to_rfc3339());
        assert_eq!(
            at("2026-11-27T13").as_deref(),
            Some("2026-11-27T13:00:00+00:00")
        );
        assert_eq!(
            at("2026-11-27 13").as_deref(),
            Some("2026-11-27T13:00:00+00:00")
        );
        assert_eq!(at("garbage"), None);
    }

    #[test]
    fn hours_start_on_the_hour() {
        let t = DateTime::parse_from_rfc3339("2026-11-27T12:59:59.999Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(hour_of(t).to_rfc3339(), "2026-11-27T12:00:00+00:00");
    }
}
