//! Signing and confirming throughput through the real HTTP stack.
//!
//! `cargo bench --bench signing` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! Rate limits stay on at their default values: requests arrive through a trusted proxy
//! (127.0.0.1) from many client addresses, as they would behind a load balancer, and each
//! client stays within its burst. `BENCH_SIGNERS` and `BENCH_CONCURRENCY` change the load.

use std::sync::Arc;
use std::time::Instant;

use undersigned::store::letters::{self, NewLetter};
use undersigned::{Application, Clock, Settings};

#[path = "common/mod.rs"]
mod common;
use common::{env_number, measure, percentiles};

const SLUG: &str = "bench-letter";

fn main() -> anyhow::Result<()> {
    let signers: usize = env_number("BENCH_SIGNERS", 2000);
    let concurrency: usize = env_number("BENCH_CONCURRENCY", 64);
    let runtime = common::runtime()?;
    println!("signers: {signers}, concurrent clients: {concurrency}\n");
    println!(
        "| database | signings/s | sign p50 | sign p99 | emails/s | confirmations/s | confirm p50 | confirm p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    common::on_each_database(&runtime, |db| async move {
        run(db.label, &db.url, signers, concurrency).await
    })
}

async fn run(
    label: &str,
    database_url: &str,
    signers: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let mail_dir = tempfile::tempdir()?;
    let settings = Settings {
        base_url: "http://bench.invalid".parse()?,
        mail_dir: mail_dir.path().to_path_buf(),
        trusted_proxies: vec!["127.0.0.1/32".parse()?],
        worker_concurrency: 16,
        // Scripted signers send the form at once; the stamp is still checked.
        sign_min_fill: std::time::Duration::ZERO,
        ..common::settings(database_url)?
    };
    let burst = settings.sign_burst as usize;
    let app = Application::build(settings.clone(), Clock::System).await?;
    let db = app.state().db.clone();
    let worker = app.worker("bench");
    letters::create(
        &db,
        NewLetter {
            summary: "For measuring.".into(),
            ..common::letter(SLUG, "Benchmark letter", "Text.".into())
        },
        chrono::Utc::now(),
    )
    .await?;
    let running = common::Running::serve(app);
    let client = common::client_builder(concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = running.base.clone();

    let form_stamp = Arc::new(common::form_stamp(&client, &base, SLUG).await?);
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
    running.stop().await;
    db.close().await?;
    Ok(())
}
