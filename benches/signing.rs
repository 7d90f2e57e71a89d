//! Signing and confirming throughput through the real HTTP stack.
//!
//! `cargo bench --bench signing` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! Rate limits stay on at their default values: requests arrive through a trusted proxy
//! (127.0.0.1) from many client addresses, as they would behind a load balancer, and each
//! client stays within its burst. `BENCH_SIGNERS` and `BENCH_CONCURRENCY` change the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream;
use sea_orm::{ConnectionTrait, Database};
use tokio_util::sync::CancellationToken;
use undersigned::entities::LetterStatus;
use undersigned::store::letters::{self, NewLetter, NewTarget};
use undersigned::{Application, Clock, Settings};

const SLUG: &str = "bench-letter";

fn main() -> anyhow::Result<()> {
    let signers: usize = env_number("BENCH_SIGNERS", 2000);
    let concurrency: usize = env_number("BENCH_CONCURRENCY", 64);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!("signers: {signers}, concurrent clients: {concurrency}\n");
    println!(
        "| database | signings/s | sign p50 | sign p99 | emails/s | confirmations/s | confirm p50 | confirm p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    runtime.block_on(run("SQLite", &sqlite, signers, concurrency))?;
    if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
        runtime.block_on(async {
            let name = format!("undersigned_bench_{:08x}", rand::random::<u32>());
            let conn = Database::connect(&admin).await?;
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            let mut url = url::Url::parse(&admin)?;
            url.set_path(&format!("/{name}"));
            let result = run("PostgreSQL", url.as_str(), signers, concurrency).await;
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
    signers: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let mail_dir = tempfile::tempdir()?;
    let settings = Settings {
        database_url: database_url.to_string().into(),
        bind: "127.0.0.1:0".parse()?,
        base_url: "http://bench.invalid".parse()?,
        mail_dir: mail_dir.path().to_path_buf(),
        run_worker: false,
        trusted_proxies: vec!["127.0.0.1/32".parse()?],
        worker_concurrency: 16,
        // Scripted signers send the form at once; the stamp is still checked.
        sign_min_fill: std::time::Duration::ZERO,
        ..Settings::default()
    };
    let burst = settings.sign_burst as usize;
    let app = Application::build(settings.clone(), Clock::System).await?;
    let port = app.port();
    let db = app.state().db.clone();
    let worker = app.worker("bench");
    letters::create(
        &db,
        NewLetter {
            slug: SLUG.into(),
            title: "Benchmark letter".into(),
            summary: "For measuring.".into(),
            body: "Text.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: None,
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("Institution", "institution@example.org")],
        },
        chrono::Utc::now(),
    )
    .await?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let base = Arc::new(format!("http://127.0.0.1:{port}"));

    let form_stamp = Arc::new(form_stamp(&client, &base).await?);
    // Signing: each client address signs at most its burst.
    let started = Instant::now();
    let latencies = measure(signers, concurrency, |i| {
        let client = client.clone();
        let base = base.clone();
        let form_stamp = form_stamp.clone();
        async move {
            let client_ip = format!("10.{}.{}.1", (i / burst) / 250, (i / burst) % 250);
            let form = [
                ("kind", "individual".to_string()),
                ("name", format!("Signer {i}")),
                // Spread over a thousand domains, as real signers are: the default limits
                // and quarantine rules stay on and see no flood.
                ("email", format!("signer{i}@org{}.example", i % 1000)),
                ("country", "FR".to_string()),
                ("version", "1".to_string()),
                ("form_stamp", form_stamp.to_string()),
            ];
            client
                .post(format!("{base}/letters/{SLUG}/sign"))
                .header("x-forwarded-for", client_ip)
                .form(&form)
                .send()
                .await
                .map(|r| r.status().as_u16() == 303)
                .unwrap_or(false)
        }
    })
    .await?;
    let sign_rate = signers as f64 / started.elapsed().as_secs_f64();
    let (sign_p50, sign_p99) = percentiles(latencies);

    // Sending: the worker writes every confirmation email.
    let started = Instant::now();
    let sent = worker.drain().await?;
    let mail_rate = sent as f64 / started.elapsed().as_secs_f64();
    let mailbox = undersigned::mail::read_mailbox(mail_dir.path(), signers + 10).await?;
    let paths: Arc<Vec<String>> = Arc::new(
        mailbox
            .iter()
            .filter_map(|m| {
                m.text_body
                    .split_whitespace()
                    .find(|w| w.contains("/confirm/"))
                    .and_then(|link| link.strip_prefix("http://bench.invalid"))
                    .map(str::to_string)
            })
            .collect(),
    );
    anyhow::ensure!(
        paths.len() == signers,
        "expected {signers} links, found {}",
        paths.len()
    );

    // Confirming.
    let started = Instant::now();
    let latencies = measure(signers, concurrency, |i| {
        let client = client.clone();
        let base = base.clone();
        let paths = paths.clone();
        async move {
            let client_ip = format!("10.{}.{}.1", (i / 5) / 250, (i / 5) % 250);
            client
                .post(format!("{base}{}", paths[i]))
                .header("x-forwarded-for", client_ip)
                .send()
                .await
                .map(|r| r.status().as_u16() == 200)
                .unwrap_or(false)
        }
    })
    .await?;
    let confirm_rate = signers as f64 / started.elapsed().as_secs_f64();
    let (confirm_p50, confirm_p99) = percentiles(latencies);

    undersigned::store::counts::roll_up(&db, chrono::Utc::now()).await?;
    let counts = letters::counts(
        &db,
        letters::find_by_slug(&db, SLUG)
            .await?
            .map(|l| l.id)
            .unwrap_or(0),
    )
    .await?;
    anyhow::ensure!(
        counts.individuals == signers as i64,
        "counted {} of {signers}",
        counts.individuals
    );

    println!(
        "| {label} | {sign_rate:.0} | {sign_p50:.1} ms | {sign_p99:.1} ms | {mail_rate:.0} | {confirm_rate:.0} | {confirm_p50:.1} ms | {confirm_p99:.1} ms |"
    );
    shutdown.cancel();
    let _ = server.await;
    db.close().await?;
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

/// The render-time stamp of the letter's sign form, read from its page as a browser would.
async fn form_stamp(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let page = client
        .get(format!("{base}/letters/{SLUG}"))
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
