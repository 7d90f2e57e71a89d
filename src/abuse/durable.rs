//! Limits kept in the database, so every replica counts against the same numbers: signings
//! per letter per minute, signings per email domain per letter per hour, and emails queued
//! to one address per day across all letters. Also the one check the signing transaction
//! makes before it records anything ([`guard_signing`]), which includes the under-attack
//! mode and its proof of work.
//!
//! Counters are fixed windows: one row per (key, window start), bumped by a single
//! `INSERT .. ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits`, which is atomic on
//! both databases, so two replicas cannot both take the last place. A fixed window lets
//! through at most twice the limit across a window boundary; that is accepted for the
//! simplicity of one row per window (a sliding window would read two). Rows of windows
//! that ended are deleted by [`sweep`], which the background tasks run periodically.
//!
//! The per-letter row is written by every signing of that letter in the same minute; the
//! row lock lasts until the signing transaction commits (a few statements). At the default
//! 600 a minute that is 10 a second, well inside what one row takes; the in-memory limits
//! and the proof of work stop floods before they reach it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::attack::{self, AttackSettings};
use super::pow::{self, Proof};
use crate::config::Settings;
use crate::db::batch::Batch;

/// The length of a counter's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    fn secs(self) -> i64 {
        match self {
            Window::Minute => 60,
            Window::Hour => 3600,
            Window::Day => 86_400,
        }
    }

    /// The start of the window holding `now`, in Unix seconds.
    pub fn start(self, now: DateTime<Utc>) -> i64 {
        now.timestamp().div_euclid(self.secs()) * self.secs()
    }

    /// Seconds from `now` until the window holding it ends (at least 1).
    pub fn remaining(self, now: DateTime<Utc>) -> u64 {
        u64::try_from(self.start(now) + self.secs() - now.timestamp())
            .unwrap_or(1)
            .max(1)
    }
}

/// Counts one more event for `key` in the window holding `now`; returns the count so far,
/// this one included.
pub async fn hit<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window: Window,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let sql = "INSERT INTO limit_counters (counter_key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (counter_key, window_start) \
         DO UPDATE SET hits = limit_counters.hits + 1 \
         RETURNING hits";
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            [key.into(), window.start(now).into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the counter just bumped".into()))?;
    let hits: i32 = row.try_get("", "hits")?;
    Ok(i64::from(hits))
}

/// The count of `key` in the window that starts at `window_start` (0 when none).
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window_start: i64,
) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let sql = "SELECT hits FROM limit_counters WHERE counter_key = $1 AND window_start = $2";
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            [key.into(), window_start.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(i64::from(row.try_get::<i32>("", "hits")?)),
        None => Ok(0),
    }
}

/// Rows a per-letter counter is spread over. Every signing of a letter bumps its
/// counters inside the signing transaction, which holds the bumped row locked until it
/// commits; with one row per letter all of a popular letter's signings would queue
/// behind each other. Spread over this many rows, a signing locks one of them.
const SPREAD: u32 = 16;

fn spread_keys(key: &str) -> Vec<String> {
    (0..SPREAD).map(|n| format!("{key}#{n}")).collect()
}

/// As [`hit`] for a counter spread over [`SPREAD`] rows: bumps one of them at random and
/// returns the total of all (this event included; events of transactions not yet
/// committed are not seen, as with any count read).
pub async fn hit_spread<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window: Window,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let shard = rand::random::<u32>() % SPREAD;
    hit(conn, &format!("{key}#{shard}"), window, now).await?;
    count_spread(conn, key, window.start(now)).await
}

/// Bumps a spread counter inside a group-commit batch (`db::batch`): the first bump of a
/// key in the batch is written to the lane's own shard and the total read; later ones are
/// counted in memory and written once when the batch flushes. Returns the total after
/// this bump, this batch's bumps included. Lanes write different shards, so two batches
/// never wait on each other's counter rows.
pub async fn hit_spread_in<C: ConnectionTrait>(
    conn: &C,
    batch: &Batch,
    key: &str,
    window: Window,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let start = window.start(now);
    if let Some(total) = batch.bump(key, start) {
        return Ok(total);
    }
    let shard = batch.lane() % SPREAD;
    let row = format!("{key}#{shard}");
    let total = if conn.get_database_backend() == DbBackend::Postgres {
        batch.plan_afresh(conn).await?;
        hit_and_count_spread(conn, key, &row, start).await?
    } else {
        // SQLite runs in the process: two statements cost no round trip.
        hit(conn, &row, window, now).await?;
        count_spread(conn, key, start).await?
    };
    batch.tallied(key, start, row, total);
    Ok(total)
}

/// PostgreSQL: bumps `row`, one shard of the spread counter `key`, and returns the total
/// of all its shards, in one statement (one round trip instead of two). The bump is a
/// data-modifying CTE, whose row the statement's own read does not see, so the total is
/// the bumped row's new value plus the other shards' sum.
async fn hit_and_count_spread<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    row: &str,
    window_start: i64,
) -> Result<i64, DbErr> {
    let others: Vec<String> = spread_keys(key).into_iter().filter(|k| k != row).collect();
    let marks: Vec<String> = (0..others.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "WITH bumped AS (\
           INSERT INTO limit_counters (counter_key, window_start, hits) VALUES ($1, $2, 1) \
           ON CONFLICT (counter_key, window_start) \
           DO UPDATE SET hits = limit_counters.hits + 1 \
           RETURNING hits) \
         SELECT (SELECT hits FROM bumped)::bigint + COALESCE((SELECT SUM(hits) \
           FROM limit_counters WHERE window_start = $2 AND counter_key IN ({})), 0)::bigint \
           AS total",
        marks.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![row.into(), window_start.into()];
    values.extend(others.into_iter().map(sea_orm::Value::from));
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the counter just bumped".into()))?;
    row.try_get::<i64>("", "total")
}

/// Adds `n` hits to one counter row (a batch's bumps, written at its end).
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    row: &str,
    window_start: i64,
    n: i64,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = "INSERT INTO limit_counters (counter_key, window_start, hits) VALUES ($1, $2, $3) \
         ON CONFLICT (counter_key, window_start) \
         DO UPDATE SET hits = limit_counters.hits + $3";
    let n = i32::try_from(n).unwrap_or(i32::MAX);
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        [row.into(), window_start.into(), n.into()],
    ))
    .await?;
    Ok(())
}

/// The total of a counter spread over [`SPREAD`] rows in the window that starts at
/// `window_start`: one indexed read of at most `SPREAD` rows.
pub async fn count_spread<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    window_start: i64,
) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    let keys = spread_keys(key);
    let marks: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT COALESCE(SUM(hits), 0) AS total FROM limit_counters \
         WHERE window_start = $1 AND counter_key IN ({})",
        marks.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![window_start.into()];
    values.extend(keys.into_iter().map(sea_orm::Value::from));
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, &sql),
            values,
        ))
        .await?;
    match row {
        Some(row) => Ok(row.try_get::<i64>("", "total")?),
        None => Ok(0),
    }
}

/// Deletes counters whose window ended more than a day ago and used proofs that have
/// expired; returns how many rows went.
pub async fn sweep<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    // The longest window is a day: anything that started two days ago has ended.
    let old = now.timestamp() - 2 * Window::Day.secs();
    let counters = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(
                backend,
                "DELETE FROM limit_counters WHERE window_start < $1",
            ),
            [old.into()],
        ))
        .await?;
    let proofs = pow::sweep_used(conn, now).await?;
    Ok(counters.rows_affected() + proofs)
}

/// SQLite numbers its parameters ?1, ?2, ...
fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend == DbBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace('$', "?")
    }
}

/// The durable limits and the under-attack settings, as the signing transaction needs them.
#[derive(Clone, Debug)]
pub struct SigningGuard {
    pub letter_per_minute: i64,
    pub domain_per_hour: i64,
    /// Lower-case domains the per-domain limit leaves alone.
    pub domain_exempt: Arc<Vec<String>>,
    pub attack: AttackSettings,
}

impl SigningGuard {
    pub fn from_settings(settings: &Settings) -> SigningGuard {
        SigningGuard {
            letter_per_minute: i64::from(settings.letter_signings_per_minute),
            domain_per_hour: i64::from(settings.domain_signings_per_letter_per_hour),
            domain_exempt: Arc::new(
                settings
                    .domain_limit_exempt
                    .iter()
                    .map(|d| d.to_ascii_lowercase())
                    .collect(),
            ),
            attack: AttackSettings::from_settings(settings),
        }
    }
}

/// Why a signing is not recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A per-letter or per-domain limit is reached: try again after this many seconds.
    Limited { retry_after_secs: u64 },
    /// The letter is under attack and the form came without a proof of work or ticket.
    ProofNeeded,
    /// The proof of work or ticket is wrong, expired, early, or used already.
    ProofRefused(pow::ProofError),
}

/// The check the signing transaction makes before recording: the letter's under-attack
/// mode (switched on or off here by the rate of attempts, and then a proof of work is
/// required), the letter's per-minute limit, and the per-domain limit. `None`: go ahead.
///
/// Two counters per letter: every attempt that reaches this point counts towards the
/// attempts, which decide the under-attack mode (a flood refused for want of a proof is
/// still a flood); only attempts past the proof count towards the per-minute limit, so a
/// flood without proofs does not use up the places of the people who sign.
pub async fn guard_signing<C: ConnectionTrait>(
    conn: &C,
    batch: &Batch,
    guard: &SigningGuard,
    letter_id: i64,
    email_domain: &str,
    proof: Option<&Proof>,
    now: DateTime<Utc>,
) -> Result<Option<Refusal>, DbErr> {
    let attempts =
        hit_spread_in(conn, batch, &attempts_key(letter_id), Window::Minute, now).await?;
    if attack::update_and_check(conn, batch, &guard.attack, letter_id, attempts, now).await? {
        let Some(proof) = proof else {
            return Ok(Some(Refusal::ProofNeeded));
        };
        if let Err(e) = pow::accept(conn, proof, letter_id, &guard.attack, now).await? {
            return Ok(Some(Refusal::ProofRefused(e)));
        }
    }
    let rate = hit_spread_in(conn, batch, &letter_key(letter_id), Window::Minute, now).await?;
    if rate > guard.letter_per_minute {
        return Ok(Some(Refusal::Limited {
            retry_after_secs: Window::Minute.remaining(now),
        }));
    }
    let domain = email_domain.to_ascii_lowercase();
    let site = site_of(&domain);
    if !guard.domain_exempt.contains(&domain) && !guard.domain_exempt.contains(&site) {
        let hits = hit_spread_in(
            conn,
            batch,
            &format!("domain:{letter_id}:{site}"),
            Window::Hour,
            now,
        )
        .await?;
        if hits > guard.domain_per_hour {
            return Ok(Some(Refusal::Limited {
                retry_after_secs: Window::Hour.remaining(now),
            }));
        }
    }
    Ok(None)
}

/// The domain an email domain was registered as, roughly: the last two labels, or three
/// under a common second-level suffix (`co.uk`, `com.au`, `ac.jp`, ...). The per-domain
/// limit counts by it, so that a1.flood.example, a2.flood.example, ... (a wildcard MX
/// makes them free) are one domain. Without the public suffix list a few registries are
/// grouped too widely or too narrowly; the per-letter limit still holds for them.
pub fn site_of(domain: &str) -> String {
    let domain = domain.trim_end_matches('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return domain.to_owned();
    }
    let (second, top) = (labels[n - 2], labels[n - 1]);
    let second_level = top.len() == 2
        && matches!(
            second,
            "co" | "com" | "org" | "net" | "ac" | "gov" | "edu" | "ne" | "or" | "go" | "gob"
        );
    let keep = if second_level { 3 } else { 2 };
    labels[n - keep..].join(".")
}

/// The key of a letter's per-minute counter of signings past the under-attack check.
pub fn letter_key(letter_id: i64) -> String {
    format!("letter:{letter_id}")
}

/// The key of a letter's per-minute counter of every signing attempt (the rate that
/// switches the under-attack mode).
pub fn attempts_key(letter_id: i64) -> String {
    format!("attempts:{letter_id}")
}

/// Counts an email about to be queued to `address` (normalised) and says whether it may
/// be: at most `per_day` a day across all letters. Call it in the transaction that
/// queues the email; over the cap the caller queues nothing and answers as usual.
pub async fn may_email<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    per_day: u32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let hits = hit(
        conn,
        &format!("inbox:{}", inbox_of(address)),
        Window::Day,
        now,
    )
    .await?;
    Ok(hits <= i64::from(per_day))
}

/// The inbox an address reaches, as far as the cap is concerned: `+tags` are dropped for
/// every domain (most providers deliver them to the same inbox, and an attacker would
/// otherwise get a fresh cap per tag), and for Gmail dots too, with `googlemail.com` as
/// `gmail.com`. Two inboxes that differ only by a tag merely share a cap. This is broader
/// than `domain::canonical_email` on purpose: that one decides whether two signatures are
/// one, so it merges only where providers are known to ignore tags; for a cap, merging too
/// much costs nothing but a shared cap.
pub fn inbox_of(address: &str) -> String {
    let address = address.to_lowercase();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return address;
    };
    let local = local.split('+').next().unwrap_or(local);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn subdomains_count_as_their_registered_domain() {
        assert_eq!(site_of("a1.flood.example"), "flood.example");
        assert_eq!(site_of("x.y.flood.example"), "flood.example");
        assert_eq!(site_of("mail.evil.co.uk"), "evil.co.uk");
        assert_eq!(site_of("evil.co.uk"), "evil.co.uk");
        assert_eq!(site_of("uni.ac.jp"), "uni.ac.jp");
        assert_eq!(site_of("gmail.com"), "gmail.com");
        assert_eq!(site_of("localhost"), "localhost");
    }

    #[test]
    fn tags_and_gmail_dots_reach_the_same_inbox() {
        assert_eq!(inbox_of("Me+1@Example.org"), "me@example.org");
        assert_eq!(inbox_of("m.e+x@googlemail.com"), "me@gmail.com");
        assert_eq!(inbox_of("m.e@example.org"), "m.e@example.org");
        assert_eq!(inbox_of("+only@example.org"), "@example.org");
        assert_eq!(inbox_of("no-at-sign"), "no-at-sign");
    }

    #[test]
    fn windows_start_on_their_boundary_and_say_what_remains() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 17, 45).unwrap();
        assert_eq!(Window::Minute.start(now), now.timestamp() - 45);
        assert_eq!(Window::Minute.remaining(now), 15);
        assert_eq!(Window::Hour.remaining(now), 60 * 60 - (17 * 60 + 45));
        let midnight = Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap();
        assert_eq!(Window::Day.start(now), midnight.timestamp());
        assert_eq!(Window::Day.remaining(midnight), 86_400);
    }
}
