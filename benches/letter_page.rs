//! Reading a letter page at scale through the real HTTP stack: the first page from the
//! in-process cache and without it, a page deep in the list, and revalidation (304).
//!
//! `cargo bench --bench letter_page` runs on SQLite, and on PostgreSQL too when
//! `TEST_DATABASE_URL` names a server (a database is created for the run and dropped).
//! `BENCH_LISTED` (listed individuals, default 100,000), `BENCH_REQUESTS` (per row,
//! default 4,000) and `BENCH_CONCURRENCY` (default 32) change the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::Database;
use undersigned::store::letters::{self, NewLetter};
use undersigned::{Application, Clock, Settings};

#[path = "common/mod.rs"]
mod common;
use common::{Running, env_number, measure, percentiles};

const SLUG: &str = "bench-letter";
/// Pages followed by "Older signatures" links to reach the deep page.
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

/// A running application on `database_url` with the given page cache TTL.
async fn start(database_url: &str, page_cache_ttl: Duration) -> anyhow::Result<Running> {
    let settings = Settings {
        page_cache_ttl,
        ..common::settings(database_url)?
    };
    let app = Application::build(settings, Clock::System).await?;
    Ok(Running::serve(app))
}

async fn run(
    label: &str,
    database_url: &str,
    listed: usize,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let cached = start(database_url, Duration::from_millis(2000)).await?;
    let uncached = start(database_url, Duration::ZERO).await?;
    let db = Database::connect(database_url).await?;
    let letter = letters::create(
        &db,
        NewLetter {
            summary: "For measuring.".into(),
            goal: Some(1_000_000),
            ..common::letter(
                SLUG,
                "Benchmark letter",
                "# A letter\n\nWith **Markdown**, a [link](https://example.org) and a list:\n\n- one\n- two\n".repeat(20),
            )
        },
        chrono::Utc::now(),
    )
    .await?;
    common::seed_listed(&db, letter.id, listed).await?;
    undersigned::store::counts::reconcile(&db, chrono::Utc::now()).await?;

    let client = common::client_builder(concurrency).build()?;
    let first = format!("/letters/{SLUG}");

    // The deep page: reached the way a reader would, by following the links.
    let mut deep = first.clone();
    for _ in 0..DEEP_PAGES {
        let html = client
            .get(format!("{}{deep}", cached.base))
            .send()
            .await?
            .text()
            .await?;
        let open = "<a rel=\"next\" href=\"";
        let at = html
            .find(open)
            .map(|i| i + open.len())
            .ok_or_else(|| anyhow::anyhow!("no older page after {deep}"))?;
        let href = &html[at..at + html[at..].find('"').unwrap_or(0)];
        deep = href.split('#').next().unwrap_or(href).to_string();
    }
    let etag = client
        .get(format!("{}{first}", cached.base))
        .send()
        .await?
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();

    let rows: [(&str, &Running, &str, Option<&str>, u16); 5] = [
        ("first page, cached", &cached, &first, None, 200),
        ("first page, cache off", &uncached, &first, None, 200),
        ("page 401 (20,000 names deep)", &cached, &deep, None, 200),
        (
            "first page, If-None-Match (304)",
            &cached,
            &first,
            Some(&etag),
            304,
        ),
        (
            "letter JSON, cached",
            &cached,
            "/api/letters/bench-letter",
            None,
            200,
        ),
    ];
    for (name, app, path, if_none_match, expected) in rows {
        let url = Arc::new(format!("{}{path}", app.base));
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

    for app in [cached, uncached] {
        app.stop().await;
    }
    db.close().await?;
    Ok(())
}
