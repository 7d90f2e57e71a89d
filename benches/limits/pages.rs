//! The letter page (P2): a warm first page against `/healthz` in the same binary, and the
//! page of a letter with a million confirmed signatures against the same page of a small
//! letter (100 signatures: a first page as full as the big one's, so the two pages are
//! the same size and only the letter's size differs). Each figure is the highest arrival rate kept up with (open loop, see
//! `support::step_up`).

use std::sync::Arc;
use std::time::Instant;

use sea_orm::ConnectionTrait;

use crate::report::Measured;
use crate::support::{self, Env, Service, Sustained};

pub async fn run(env: &Env) -> anyhow::Result<Vec<Measured>> {
    let big = support::setting("BENCH_BIG_LETTER_SIGNATURES", 1_000_000.0, 100_000.0) as u64;
    let url = env.fresh_database("pages").await?;
    support::migrate(&url).await?;
    let db = support::connect(&url, 1).await?;
    let small_id = support::create_letter(&db, "small").await?;
    insert_confirmed(&db, small_id, 100).await?;
    let big_id = support::create_letter(&db, "big").await?;
    let started = Instant::now();
    insert_confirmed(&db, big_id, big).await?;
    support::analyze(&db).await?;
    // The shown counts, set the way the service keeps them true: the reconciliation
    // recounts them from the signatures.
    undersigned::store::counts::reconcile(&db, chrono::Utc::now()).await?;
    let counts = undersigned::store::letters::counts(&db, big_id).await?;
    let small_counts = undersigned::store::letters::counts(&db, small_id).await?;
    anyhow::ensure!(
        small_counts.individuals == 100,
        "the small letter counts {}",
        small_counts.individuals
    );
    anyhow::ensure!(
        counts.individuals == big as i64,
        "the big letter counts {} of {big}",
        counts.individuals
    );
    eprintln!(
        "  {}: {big} confirmed signatures loaded and counted in {:.1} s",
        env.label,
        started.elapsed().as_secs_f64()
    );
    db.close().await?;

    let mail = tempfile::tempdir()?;
    let service = Service::start("serve", &url, &support::service_settings(mail.path())).await?;
    let client = support::client()?;
    let healthz = sustained(env, &client, &service, "/healthz").await?;
    let small = sustained(env, &client, &service, "/letters/small").await?;
    let large = sustained(env, &client, &service, "/letters/big").await?;
    service.stop().await?;

    let row = |name: String, value: &Sustained, baseline: &Sustained, what: &str, goal| Measured {
        name,
        database: env.label.into(),
        value: value.rate,
        baseline: baseline.rate,
        baseline_name: what.into(),
        unit: "/s".into(),
        p50_ms: Some(value.at.p50_ms),
        p99_ms: Some(value.at.p99_ms),
        goal,
        lower_is_better: false,
    };
    Ok(vec![
        row(
            "P2 letter page (warm)".into(),
            &small,
            &healthz,
            "/healthz, same binary",
            0.3,
        ),
        row(
            format!("P2 page of a letter with {big} signatures"),
            &large,
            &small,
            "same page, letter with 100 signatures",
            0.9,
        ),
    ])
}

/// The highest rate of GETs of `path` the service keeps up with, after one warming GET.
async fn sustained(
    env: &Env,
    client: &reqwest::Client,
    service: &Service,
    path: &str,
) -> anyhow::Result<Sustained> {
    let url = Arc::new(format!("{}{path}", service.base));
    let first = client.get(url.as_str()).send().await?;
    anyhow::ensure!(
        first.status().is_success(),
        "GET {path}: {}",
        first.status()
    );
    first.bytes().await?;
    let get = |_| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            match client.get(url.as_str()).send().await {
                // The whole body, as a browser reads it.
                Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                _ => false,
            }
        }
    };
    let mark = service.cpu_mark();
    let probed = support::probe(64, support::seconds("BENCH_PROBE_SECS", 2.0, 1.0), &get).await;
    let label = format!("{} GET {path}", env.label);
    let sustained = support::step_up(&label, probed * 0.5, &get).await;
    service.note_cpu_since(&label, mark);
    sustained
}

/// Inserts `count` confirmed, public individual signatures on `letter` in one statement:
/// generate_series on PostgreSQL, a recursive CTE on SQLite.
async fn insert_confirmed(
    db: &sea_orm::DatabaseConnection,
    letter: i64,
    count: u64,
) -> anyhow::Result<()> {
    let at = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string();
    let (numbers, n) = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => (format!("generate_series(1, {count}) AS g(n)"), "g.n"),
        _ => (String::new(), "g.n"),
    };
    let columns = "letter_id, kind, status, name, email, email_normalized, country, \
                   show_publicly, wants_updates, confirmation_emails, created_at, \
                   confirmed_at, letter_version, email_canonical, name_skeleton, \
                   email_domain, network_prefix, language";
    let select = format!(
        "SELECT {letter}, 'individual', 'confirmed', 'Signer ' || {n}, \
         'big' || {n} || '@d' || ({n} % 10000) || '.example', \
         'big' || {n} || '@d' || ({n} % 10000) || '.example', 'FR', true, false, 1, \
         '{at}', '{at}', 1, 'big' || {n} || '@d' || ({n} % 10000) || '.example', \
         'signer ' || {n}, 'd' || ({n} % 10000) || '.example', '10.0.0.0/24', 'en'"
    );
    let sql = if numbers.is_empty() {
        format!(
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {count}) \
             INSERT INTO signatures ({columns}) {select} FROM g"
        )
    } else {
        format!("INSERT INTO signatures ({columns}) {select} FROM {numbers}")
    };
    db.execute_unprepared(&sql).await?;
    Ok(())
}
