//! The public API at scale through the real HTTP stack: the counter (200 and 304), the
//! public signatories at the first page and deep in the list (keyset cursors), the list
//! of letters and the OpenAPI document.
//!
//! `cargo bench --bench api` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_LISTED` (listed individuals, default 100,000), `BENCH_REQUESTS` (per row,
//! default 4,000) and `BENCH_CONCURRENCY` (default 32) change the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set, TransactionTrait};
use tokio_util::sync::CancellationToken;
use undersigned::entities::{LetterStatus, SignatureKind, SignatureStatus, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};
use undersigned::{Application, Clock, Settings};

const SLUG: &str = "bench-letter";
/// Pages of 100 followed by their cursors to reach the deep page.
const DEEP_PAGES: usize = 400;

fn main() -> anyhow::Result<()> {
    let listed = env_number("BENCH_LISTED", 100_000);
    let requests = env_number("BENCH_REQUESTS", 4_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "listed individuals: {listed} (+{} hidden), organisations: {}, requests per row: {requests}, concurrent clients: {concurrency}\n",
        listed / 5,
        listed / 200
    );
    println!("| database | request | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    runtime.block_on(run("SQLite", &sqlite, listed, requests, concurrency))?;
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        runtime.block_on(async {
            let name = format!("undersigned_bench_{:08x}", rand::random::<u32>());
            let conn = Database::connect(&admin).await?;
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            let mut url = url::Url::parse(&admin)?;
            url.set_path(&format!("/{name}"));
            let result = run("PostgreSQL", url.as_str(), listed, requests, concurrency).await;
            conn.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await?;
            result
        })?;
    }
    Ok(())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(
    label: &str,
    database_url: &str,
    listed: usize,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let settings = Settings {
        database_url: database_url.to_string().into(),
        bind: "127.0.0.1:0".parse()?,
        run_worker: false,
        ..Settings::default()
    };
    let app = Application::build(settings, Clock::System).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let db = Database::connect(database_url).await?;
    let letter = letters::create(
        &db,
        NewLetter {
            slug: SLUG.into(),
            title: "Benchmark letter".into(),
            summary: "For measuring.".into(),
            body: "# A letter\n\nWith **Markdown**.\n".repeat(20),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: Some(1_000_000),
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("Institution", "institution@example.org")],
        },
        chrono::Utc::now(),
    )
    .await?;
    seed(&db, letter.id, listed).await?;
    undersigned::store::counts::reconcile(&db, chrono::Utc::now()).await?;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
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

    shutdown.cancel();
    let _ = server.await;
    db.close().await?;
    Ok(())
}

/// Confirmed signatures written straight to the table (the signing path has its own
/// benchmark): `listed` public individuals a millisecond apart, a fifth as many who chose
/// not to be listed, and one organisation per 200 individuals.
async fn seed(
    db: &sea_orm::DatabaseConnection,
    letter_id: i64,
    listed: usize,
) -> anyhow::Result<()> {
    let start = chrono::Utc::now() - chrono::Duration::days(30);
    let total = listed + listed / 5 + listed / 200;
    let rows: Vec<signature::ActiveModel> = (0..total)
        .map(|i| {
            let kind = if i >= listed + listed / 5 {
                SignatureKind::Organisation
            } else {
                SignatureKind::Individual
            };
            let at = start + chrono::Duration::milliseconds(i as i64);
            signature::ActiveModel {
                letter_id: Set(letter_id),
                kind: Set(kind),
                status: Set(SignatureStatus::Confirmed),
                name: Set(format!("Signer {i}")),
                email: Set(format!("signer{i}@example.org")),
                email_normalized: Set(format!("signer{i}@example.org")),
                country: Set("FR".into()),
                city: Set(Some("Lyon".into())),
                occupation: Set(Some("Teacher".into())),
                organisation_name: Set((kind == SignatureKind::Organisation)
                    .then(|| format!("Organisation {:05}", (i * 7919) % 100_000))),
                show_publicly: Set(i < listed || kind == SignatureKind::Organisation),
                wants_updates: Set(false),
                confirmation_emails: Set(1),
                created_at: Set(at),
                confirmed_at: Set(Some(at)),
                ..Default::default()
            }
        })
        .collect();
    let txn = db.begin().await?;
    for chunk in rows.chunks(500) {
        signature::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Runs `count` requests, `concurrency` at a time; fails if any did not succeed.
async fn measure<F, Fut>(
    count: usize,
    concurrency: usize,
    request: F,
) -> anyhow::Result<Vec<Duration>>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let results: Vec<(bool, Duration)> = stream::iter(0..count)
        .map(|i| {
            let fut = request(i);
            async move {
                let t = Instant::now();
                let ok = fut.await;
                (ok, t.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let failed = results.iter().filter(|(ok, _)| !ok).count();
    anyhow::ensure!(failed == 0, "{failed} of {count} requests failed");
    Ok(results.into_iter().map(|(_, d)| d).collect())
}

fn percentiles(mut latencies: Vec<Duration>) -> (f64, f64) {
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    (at(0.50), at(0.99))
}
