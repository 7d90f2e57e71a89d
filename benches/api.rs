//! The public API at scale through the real HTTP stack: the counter (200 and 304), the
//! public signatories at the first page and deep in the list (keyset cursors), the list
//! of letters and the OpenAPI document.
//!
//! `cargo bench --bench api` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_LISTED` (listed individuals, default 100,000), `BENCH_REQUESTS` (per row,
//! default 4,000) and `BENCH_CONCURRENCY` (default 32) change the load.

use std::sync::Arc;
use std::time::Instant;

use sea_orm::Database;
use undersigned::store::letters::{self, NewLetter};
use undersigned::{Application, Clock};

#[path = "common/mod.rs"]
mod common;
use common::{env_number, measure, percentiles};

const SLUG: &str = "bench-letter";
/// Pages of 100 followed by their cursors to reach the deep page.
const DEEP_PAGES: usize = 400;

fn main() -> anyhow::Result<()> {
    let listed = env_number("BENCH_LISTED", 100_000);
    let requests = env_number("BENCH_REQUESTS", 4_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 32);
    let runtime = common::runtime()?;
    println!(
        "listed individuals: {listed} (+{} hidden), organisations: {}, requests per row: {requests}, concurrent clients: {concurrency}\n",
        listed / 5,
        listed / 200
    );
    println!("| database | request | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|");
    common::on_each_database(&runtime, |db| async move {
        run(db.label, &db.url, listed, requests, concurrency).await
    })
}

async fn run(
    label: &str,
    database_url: &str,
    listed: usize,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let settings = common::settings(database_url)?;
    let app = Application::build(settings, Clock::System).await?;
    let running = common::Running::serve(app);
    let base = running.base.clone();
    let db = Database::connect(database_url).await?;
    let letter = letters::create(
        &db,
        NewLetter {
            summary: "For measuring.".into(),
            goal: Some(1_000_000),
            ..common::letter(
                SLUG,
                "Benchmark letter",
                "# A letter\n\nWith **Markdown**.\n".repeat(20),
            )
        },
        chrono::Utc::now(),
    )
    .await?;
    common::seed_listed(&db, letter.id, listed).await?;
    undersigned::store::counts::reconcile(&db, chrono::Utc::now()).await?;

    let client = common::client_builder(concurrency).build()?;
    let signatures = format!("/api/v1/letters/{SLUG}/signatures?limit=100");
    // The deep page: reached the way a client would, by following the cursors.
    let mut deep = signatures.clone();
    for _ in 0..DEEP_PAGES {
        let page: serde_json::Value = client
            .get(format!("{base}{deep}"))
            .send()
            .await?
            .json()
            .await?;
        let before = page["next_before"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no older page after {deep}"))?;
        deep = format!("{signatures}&before={before}");
    }
    let count = format!("/api/v1/letters/{SLUG}/count.json");
    let etag = client
        .get(format!("{base}{count}"))
        .send()
        .await?
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();

    let rows: [(&str, &str, Option<&str>, u16); 6] = [
        ("count.json", &count, None, 200),
        ("count.json, If-None-Match (304)", &count, Some(&etag), 304),
        ("signatures, first 100", &signatures, None, 200),
        ("signatures, 100 at 40,000 deep", &deep, None, 200),
        ("letters, first 25", "/api/v1/letters", None, 200),
        ("openapi.json", "/api/v1/openapi.json", None, 200),
    ];
    for (name, path, if_none_match, expected) in rows {
        let url = Arc::new(format!("{base}{path}"));
        let started = Instant::now();
        let latencies = measure(requests, concurrency, |_| {
            let client = client.clone();
            let url = url.clone();
            let tag = if_none_match.map(str::to_owned);
            async move {
                let mut request = client.get(url.as_str());
                if let Some(tag) = tag {
                    request = request.header("if-none-match", tag);
                }
                match request.send().await {
                    Ok(r) => r.status().as_u16() == expected && r.bytes().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .await?;
        let rate = requests as f64 / started.elapsed().as_secs_f64();
        let (p50, p99) = percentiles(latencies);
        println!("| {label} | {name} | {rate:.0} | {p50:.1} ms | {p99:.1} ms |");
    }

    running.stop().await;
    db.close().await?;
    Ok(())
}
