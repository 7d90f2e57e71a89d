//! What the benches share: a fresh database for each run (a SQLite file, and a PostgreSQL
//! database created for the run and dropped after it when `TEST_DATABASE_URL` names a
//! server), the service's settings and the running service, the benchmark letter and the
//! listed signatures of the page benches, numbers from the environment, the concurrent
//! request loop with its percentiles, and the sign form's stamp.
//!
//! Each bench includes it with `#[path = "common/mod.rs"] mod common;`; not every bench
//! uses every part.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use undersigned::entities::{LetterStatus, SignatureKind, SignatureStatus, signature};
use undersigned::store::letters::{NewLetter, NewTarget};
use undersigned::{Application, Settings};

/// A database made for one run.
pub struct BenchDatabase {
    /// "SQLite" or "PostgreSQL", as the tables print it.
    pub label: &'static str,
    pub url: String,
}

impl BenchDatabase {
    pub fn is_postgres(&self) -> bool {
        self.label == "PostgreSQL"
    }
}

/// The multi-threaded runtime every bench runs on.
pub fn runtime() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// Runs `run` on a fresh SQLite file, then, when `TEST_DATABASE_URL` is set, on a
/// PostgreSQL database created for it on that server and dropped after it, even when the
/// run failed (its error is returned after the drop).
pub fn on_each_database<F, Fut>(runtime: &Runtime, mut run: F) -> anyhow::Result<()>
where
    F: FnMut(BenchDatabase) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    runtime.block_on(run(BenchDatabase {
        label: "SQLite",
        url: sqlite,
    }))?;
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        runtime.block_on(async {
            let name = format!("undersigned_bench_{:08x}", rand::random::<u32>());
            let conn = Database::connect(&admin).await?;
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            let mut url = url::Url::parse(&admin)?;
            url.set_path(&format!("/{name}"));
            let result = run(BenchDatabase {
                label: "PostgreSQL",
                url: url.to_string(),
            })
            .await;
            conn.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await?;
            result
        })?;
    }
    Ok(())
}

/// A number from the environment (`BENCH_*`), or `default` when unset or not a number.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The service's defaults on `database_url`, on a free port, without the worker (the
/// benches drive it themselves where they need it).
pub fn settings(database_url: &str) -> anyhow::Result<Settings> {
    Ok(Settings {
        database_url: database_url.to_string().into(),
        bind: "127.0.0.1:0".parse()?,
        run_worker: false,
        ..Settings::default()
    })
}

/// The service answering HTTP on its own port until `stop`.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base: Arc<String>,
    shutdown: CancellationToken,
    server: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Serves `app` in a task of its own.
    pub fn serve(app: Application) -> Running {
        let base = Arc::new(format!("http://127.0.0.1:{}", app.port()));
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        Running {
            base,
            shutdown,
            server,
        }
    }

    /// Stops the service and waits for it.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.server.await;
    }
}

/// An HTTP client keeping up to `concurrency` idle connections to the service.
pub fn client_builder(concurrency: usize) -> reqwest::ClientBuilder {
    reqwest::Client::builder().pool_max_idle_per_host(concurrency)
}

/// An open letter both kinds may sign, without approval, goal or deadline, addressed to
/// one institution; a bench changes what it needs with `..common::letter(..)`.
pub fn letter(slug: &str, title: &str, body: String) -> NewLetter {
    NewLetter {
        slug: slug.into(),
        title: title.into(),
        summary: "Benchmark.".into(),
        body,
        language: "en".into(),
        status: LetterStatus::Open,
        goal: None,
        deadline: None,
        individuals_may_sign: true,
        organisations_may_sign: true,
        organisations_need_approval: false,
        targets: vec![NewTarget::new("Institution", "institution@example.org")],
    }
}

/// Confirmed signatures written straight to the table (the signing path has its own
/// benchmark): `listed` public individuals a millisecond apart, a fifth as many who chose
/// not to be listed, and one organisation per 200 individuals.
pub async fn seed_listed(
    db: &DatabaseConnection,
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
pub async fn measure<F, Fut>(
    count: usize,
    concurrency: usize,
    request: F,
) -> anyhow::Result<Vec<Duration>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool>,
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

/// The median and 99th percentile of `latencies`, in milliseconds.
pub fn percentiles(mut latencies: Vec<Duration>) -> (f64, f64) {
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

/// The median and the slowest of `times`, in milliseconds.
pub fn median_and_max(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        times.get(times.len() / 2).copied().map_or(0.0, ms),
        times.last().copied().map_or(0.0, ms),
    )
}

/// The render-time stamp of a letter's sign form, read from its page as a browser would.
pub async fn form_stamp(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
) -> anyhow::Result<String> {
    let page = client
        .get(format!("{base}/letters/{slug}"))
        .send()
        .await?
        .text()
        .await?;
    const FIELD: &str = "name=\"form_stamp\" value=\"";
    let at = page
        .find(FIELD)
        .ok_or_else(|| anyhow::anyhow!("no form stamp on the letter page"))?
        + FIELD.len();
    let end = page[at..]
        .find('"')
        .ok_or_else(|| anyhow::anyhow!("an unterminated form stamp"))?;
    Ok(page[at..at + end].to_string())
}
