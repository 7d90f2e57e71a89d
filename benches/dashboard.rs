//! The letter dashboard's queries on a letter with a million signatures, a fifth of them
//! made in the last hour (a flood): counts by kind and status, the hourly chart over 7
//! days, the last hour's domains and networks (capped at the newest 50,000), the roll-up
//! lag and the outbox state (one email per signature).
//!
//! `cargo bench --bench dashboard` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_SIGNATURES` (default 1,000,000) and `BENCH_FLOOD` (made in the last hour,
//! default 200,000) change the letter.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use undersigned::entities::{OutboxStatus, SignatureKind, SignatureStatus, signature};
use undersigned::store::dashboard;
use undersigned::store::letters;
use undersigned::{Application, Clock};

#[path = "common/mod.rs"]
mod common;
use common::{env_number, median_and_max};

/// Runs of each query; the median is reported.
const RUNS: usize = 5;

fn main() -> anyhow::Result<()> {
    let total = env_number("BENCH_SIGNATURES", 1_000_000);
    let flood = env_number("BENCH_FLOOD", 200_000).min(total);
    let runtime = common::runtime()?;
    println!(
        "signatures: {total} ({flood} in the last hour, the rest over 7 days), median of {RUNS} runs\n"
    );
    println!("| database | query | rows it reads | median | slowest |");
    println!("|---|---|---|---|---|");
    common::on_each_database(&runtime, |db| async move {
        run(db.label, &db.url, total, flood).await
    })
}

async fn run(database: &str, url: &str, total: usize, flood: usize) -> anyhow::Result<()> {
    let settings = common::settings(url)?;
    // Building the application migrates the database.
    let app = Application::build(settings, Clock::System).await?;
    let db = app.state().db.clone();
    let now = Clock::System.now();
    let letter = letters::create(
        &db,
        common::letter("bench-dashboard", "A letter under a flood", "Body.".into()),
        now,
    )
    .await?
    .id;
    let seeding = Instant::now();
    seed(&db, letter, total, flood, now).await?;
    eprintln!("{database}: seeded in {:.1?}", seeding.elapsed());
    if database == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE signatures").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }

    let row = |query: &str, reads: String, times: Vec<Duration>| {
        let (median, slowest) = median_and_max(times);
        println!("| {database} | {query} | {reads} | {median:.1} ms | {slowest:.1} ms |");
    };
    let counts = time(|| dashboard::status_counts(&db, letter)).await?;
    row("counts by kind and status", total.to_string(), counts);
    let hourly = time(|| dashboard::hourly(&db, letter, now, 7 * 24)).await?;
    row(
        "signed and confirmed per hour, 7 days",
        format!("2 × {total}"),
        hourly,
    );
    let last_hour = time(|| dashboard::last_hour(&db, letter, now, 50_000, 10)).await?;
    row(
        "top domains and networks, last hour",
        format!("{} (capped)", flood.min(50_000)),
        last_hour,
    );
    let lag = time(|| dashboard::roll_up_lag(&db, letter)).await?;
    row("roll-up lag", "pending deltas".into(), lag);
    let sent = time(|| dashboard::outbox_count(&db, letter, OutboxStatus::Sent)).await?;
    row(
        "sent email count",
        format!("{}", total - total / 100 - total / 1000),
        sent,
    );
    let outbox = time(|| dashboard::outbox_state(&db, letter, 10)).await?;
    row(
        "queued and failed email, oldest, last 10 failures",
        format!("{} + {}", total / 100, total / 1000),
        outbox,
    );
    db.close().await?;
    Ok(())
}

/// Runs `query` `RUNS` times (after one warm-up run) and returns the times.
async fn time<F, Fut, T>(query: F) -> anyhow::Result<Vec<Duration>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, sea_orm::DbErr>>,
{
    query().await?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        query().await?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// Signatures written straight to the table: `flood` in the last hour, the rest spread
/// over the 7 days before it; 7 in 10 confirmed, the rest pending, held or invalidated;
/// one organisation in 50; 500 email domains; IPv4 addresses in many /24s and one in 7
/// signers on IPv6.
async fn seed(
    db: &DatabaseConnection,
    letter_id: i64,
    total: usize,
    flood: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let week = 7 * 86_400 - 3_600;
    let txn = db.begin().await?;
    let mut batch = Vec::with_capacity(1_000);
    for i in 0..total {
        let ago = if i < flood {
            (i % 3_600) as i64
        } else {
            3_600 + ((i as i64 * 7_919) % week)
        };
        let created = now - chrono::Duration::seconds(ago);
        let status = match i % 10 {
            0..=6 => SignatureStatus::Confirmed,
            7 => SignatureStatus::Pending,
            8 => SignatureStatus::Invalidated,
            _ => SignatureStatus::Held,
        };
        let kind = if i % 50 == 0 {
            SignatureKind::Organisation
        } else {
            SignatureKind::Individual
        };
        let ip = if i % 7 == 0 {
            format!("2001:db8:{:x}:{:x}::1", i % 300, i % 1_000)
        } else {
            format!("10.{}.{}.{}", (i / 65_536) % 256, (i / 256) % 256, i % 256)
        };
        let email = format!("s{i}@d{}.example.org", i % 500);
        batch.push(signature::ActiveModel {
            letter_id: Set(letter_id),
            kind: Set(kind),
            status: Set(status),
            name: Set(format!("Signer {i}")),
            email: Set(email.clone()),
            email_normalized: Set(email),
            country: Set("FR".into()),
            show_publicly: Set(true),
            wants_updates: Set(false),
            confirmation_emails: Set(1),
            client_ip: Set(Some(ip)),
            created_at: Set(created),
            confirmed_at: Set((status != SignatureStatus::Pending)
                .then(|| created + chrono::Duration::seconds(30))),
            letter_version: Set(1),
            ..Default::default()
        });
        if batch.len() == 1_000 {
            signature::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        signature::Entity::insert_many(batch).exec(&txn).await?;
    }
    // One confirmation email per signature, as signing queues: most sent, one in 100
    // waiting, one in 1,000 failed.
    txn.execute_unprepared(
        "INSERT INTO outbox (kind, payload, status, attempts, run_at, last_error, created_at, \
         finished_at, letter_id) \
         SELECT 'confirmation_email', \
                '{\"job\":\"confirmation_email\",\"signature_id\":' || id || '}', \
                CASE WHEN id % 1000 = 0 THEN 'failed' WHEN id % 100 = 1 THEN 'pending' \
                     ELSE 'sent' END, \
                1, created_at, '550 5.1.1 Mailbox unavailable', created_at, created_at, letter_id \
         FROM signatures",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
