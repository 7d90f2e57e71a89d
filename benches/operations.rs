//! Operations: what a Prometheus scrape of `/metrics` costs with a deep outbox and a
//! roll-up that fell behind, and what queueing webhook events adds to a confirmation's
//! transaction (no endpoint, one, or the most a letter may have).
//!
//! `cargo bench --bench operations` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_OUTBOX` (pending outbox rows, default 300,000) and `BENCH_DELTAS` (count deltas
//! not yet rolled up, default 100,000) change the backlog.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use undersigned::metrics::Metrics;
use undersigned::store::letters;
use undersigned::webhooks::{self, Event, NewEndpoint};
use undersigned::{Application, Clock};

#[path = "common/mod.rs"]
mod common;
use common::env_number;

/// Scrapes timed; the median is reported.
const SCRAPES: usize = 21;
/// Confirmation transactions timed per endpoint count.
const EVENTS: usize = 500;

fn main() -> anyhow::Result<()> {
    let outbox = env_number("BENCH_OUTBOX", 300_000);
    let deltas = env_number("BENCH_DELTAS", 100_000);
    let runtime = common::runtime()?;
    println!(
        "backlog: {outbox} pending outbox rows, {deltas} count deltas; {SCRAPES} scrapes, {EVENTS} events per row\n"
    );
    println!("| database | what | median | slowest |");
    println!("|---|---|---|---|");
    common::on_each_database(&runtime, |db| async move {
        run(db.label, &db.url, outbox, deltas).await
    })
}

async fn run(database: &str, url: &str, outbox: usize, deltas: usize) -> anyhow::Result<()> {
    let settings = common::settings(url)?;
    let app = Application::build(settings, Clock::System).await?;
    let db = app.state().db.clone();
    let now = Clock::System.now();
    let letter = letters::create(
        &db,
        common::letter(
            "bench-operations",
            "A letter with a backlog",
            "Body.".into(),
        ),
        now,
    )
    .await?;
    fill(&db, letter.id, outbox, deltas, now).await?;

    let metrics = Metrics::new();
    let writes = undersigned::db::batch::Stats::default();
    metrics.render(&db, now, &writes).await?;
    let mut times = Vec::with_capacity(SCRAPES);
    let mut size = 0;
    for _ in 0..SCRAPES {
        let started = Instant::now();
        size = metrics.render(&db, now, &writes).await?.len();
        times.push(started.elapsed());
    }
    report(
        database,
        &format!("scrape /metrics ({size} bytes; outbox counted up to the cap)"),
        &mut times,
    );

    // A confirmation's extra work: one indexed read of the letter's endpoints, and one
    // outbox row per subscribed endpoint, in a write transaction of its own.
    let mut endpoints = 0;
    for wanted in [0usize, 1, 10] {
        while endpoints < wanted {
            let new = NewEndpoint {
                letter_id: letter.id,
                url: format!("https://hooks.example.org/{endpoints}"),
                events: vec!["signature.confirmed"],
                include_personal: false,
                created_by: None,
            };
            let _ = webhooks::add_endpoint(&db, &new, now).await??;
            endpoints += 1;
        }
        let mut times = Vec::with_capacity(EVENTS);
        for i in 0..EVENTS {
            let started = Instant::now();
            let letter_id = letter.id;
            undersigned::db::write(&db, move |txn| {
                Box::pin(async move {
                    let event = Event::SignatureConfirmed {
                        signature_id: i as i64,
                    };
                    webhooks::enqueue_event(txn, letter_id, event, now).await
                })
            })
            .await?;
            times.push(started.elapsed());
        }
        report(
            database,
            &format!("queue a signature.confirmed event, {wanted} endpoints"),
            &mut times,
        );
    }
    Ok(())
}

/// Writes the backlog straight into the tables, in one statement each.
async fn fill(
    db: &DatabaseConnection,
    letter_id: i64,
    outbox: usize,
    deltas: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let numbers = |n: usize| match backend {
        DbBackend::Postgres => format!("SELECT i FROM generate_series(1, {n}) AS s(i)"),
        _ => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             SELECT i FROM s"
        ),
    };
    let param = |sql: String| match backend {
        DbBackend::Postgres => sql,
        _ => sql.replace('$', "?"),
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        param(format!(
            "INSERT INTO outbox (kind, payload, status, attempts, run_at, created_at, letter_id) \
             SELECT 'confirmation_email', '{{}}', 'pending', 0, $1, $1, $2 FROM ({}) AS n",
            numbers(outbox)
        )),
        [now.into(), letter_id.into()],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        param(format!(
            "INSERT INTO count_deltas (letter_id, kind, delta, created_at) \
             SELECT $1, 'individual', 1, $2 FROM ({}) AS n",
            numbers(deltas)
        )),
        [letter_id.into(), now.into()],
    ))
    .await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

fn report(database: &str, what: &str, times: &mut [Duration]) {
    let (median, slowest) = common::median_and_max(times.to_vec());
    println!("| {database} | {what} | {median:.2} ms | {slowest:.2} ms |");
}
