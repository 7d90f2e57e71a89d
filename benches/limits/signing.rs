//! Signing and confirming against their limits (P1), the one hot letter against the same
//! load over a hundred letters (P3), and signing on SQLite against one connection.
//!
//! The service's figure is the highest arrival rate it keeps up with (open loop, see
//! `support::step_up`). The limit's figure, on PostgreSQL, is pgbench running the
//! statements one signing (or confirmation) sends today, one per transaction
//! (benches/limits/pgbench/*.sql); on SQLite, one connection running those statements in
//! a loop, one signing per `BEGIN IMMEDIATE … COMMIT`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};

use crate::report::Measured;
use crate::support::{self, Env, Service, Sustained};

/// Per client address: the service's default `sign_burst`, so no address is limited.
const SIGNINGS_PER_ADDRESS: u64 = 5;
/// Per client address for confirming: within the default `confirm_burst`.
const CONFIRMATIONS_PER_ADDRESS: u64 = 10;
/// Email domains the signers are spread over: each stays far below the default
/// `domain_signings_per_letter_per_hour` (200) and quarantine's new-domain rule.
const DOMAINS: u64 = 10_000;

pub async fn run(env: &Env) -> anyhow::Result<Vec<Measured>> {
    let mut rows = Vec::new();
    let db = env.label;

    if support::wants("signing") || support::wants("hot") {
        let hot = service_signing(env, 1).await?;
        env.set_signing_rate(hot.rate).await;
        let (baseline, baseline_name) = if env.is_postgres() {
            (
                pgbench_signing(env).await?,
                "pgbench, same statements, 32 clients",
            )
        } else {
            (
                sqlite_one_connection(env).await?,
                "one connection, same statements",
            )
        };
        rows.push(Measured {
            name: if env.is_postgres() {
                "P1 signing".into()
            } else {
                "signing".into()
            },
            database: db.into(),
            value: hot.rate,
            baseline,
            baseline_name: baseline_name.into(),
            unit: "/s".into(),
            p50_ms: Some(hot.at.p50_ms),
            p99_ms: Some(hot.at.p99_ms),
            goal: if env.is_postgres() { 1.0 } else { 0.5 },
            lower_is_better: false,
        });

        if support::wants("hot") {
            let spread = service_signing(env, 100).await?;
            rows.push(Measured {
                name: "P3 one hot letter".into(),
                database: db.into(),
                value: hot.rate,
                baseline: spread.rate,
                baseline_name: "same load over 100 letters".into(),
                unit: "/s".into(),
                p50_ms: Some(hot.at.p50_ms),
                p99_ms: Some(hot.at.p99_ms),
                goal: 0.9,
                lower_is_better: false,
            });
        }
    }
    if env.is_postgres() && support::wants("confirming") {
        let confirming = service_confirming(env).await?;
        let baseline = pgbench_confirming(env).await?;
        rows.push(Measured {
            name: "P1 confirming".into(),
            database: db.into(),
            value: confirming.rate,
            baseline,
            baseline_name: "pgbench, same statements, 32 clients".into(),
            unit: "/s".into(),
            p50_ms: Some(confirming.at.p50_ms),
            p99_ms: Some(confirming.at.p99_ms),
            goal: 1.0,
            lower_is_better: false,
        });
    }
    Ok(rows)
}

/// The signing form of the `i`th signer on `slug`.
fn signing_form(i: u64, stamp: &str) -> [(&'static str, String); 6] {
    [
        ("kind", "individual".to_string()),
        ("name", format!("Signer {i}")),
        ("email", format!("signer{i}@d{}.example", i % DOMAINS)),
        ("country", "FR".to_string()),
        ("version", "1".to_string()),
        ("form_stamp", stamp.to_string()),
    ]
}

/// A running `serve` on a fresh database with `letters` open letters, and what a signer
/// needs to sign them.
pub struct SigningTarget {
    pub service: Service,
    pub client: reqwest::Client,
    /// (slug, form stamp) per letter.
    pub letters: Arc<Vec<(String, String)>>,
    _mail: tempfile::TempDir,
}

impl SigningTarget {
    pub async fn start(env: &Env, name: &str, letters: usize) -> anyhow::Result<SigningTarget> {
        let url = env.fresh_database(name).await?;
        support::migrate(&url).await?;
        let db = support::connect(&url, 1).await?;
        let mut slugs = Vec::new();
        for n in 0..letters {
            let slug = format!("bench-{n}");
            support::create_letter(&db, &slug).await?;
            slugs.push(slug);
        }
        db.close().await?;
        let mail = tempfile::tempdir()?;
        let mut settings = support::service_settings(mail.path());
        // The worker's emails are their own row (mail.rs); here only the signing path runs.
        settings.push(("run_worker", "false".into()));
        let service = Service::start("serve", &url, &settings).await?;
        let client = support::client()?;
        let mut with_stamps = Vec::new();
        for slug in slugs {
            let stamp = support::form_stamp(&client, &service.base, &slug).await?;
            with_stamps.push((slug, stamp));
        }
        Ok(SigningTarget {
            service,
            client,
            letters: Arc::new(with_stamps),
            _mail: mail,
        })
    }

    /// A request signing as signer `i` (the letter is `i` modulo the letters); true on
    /// the 303 that every recorded signing answers.
    pub fn sign(&self, i: u64) -> impl std::future::Future<Output = bool> + Send + 'static {
        let client = self.client.clone();
        let letters = self.letters.clone();
        let base = self.service.base.clone();
        async move {
            let Some((slug, stamp)) = letters.get((i % letters.len() as u64) as usize) else {
                return false;
            };
            client
                .post(format!("{base}/letters/{slug}/sign"))
                .header(
                    "x-forwarded-for",
                    support::client_ip(i, SIGNINGS_PER_ADDRESS),
                )
                .form(&signing_form(i, stamp))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 303)
        }
    }
}

/// The sustained signing rate of the service with the signings spread over `letters`.
async fn service_signing(env: &Env, letters: usize) -> anyhow::Result<Sustained> {
    let target = SigningTarget::start(env, &format!("signing{letters}"), letters).await?;
    let next = AtomicU64::new(0);
    let sign = |_| target.sign(next.fetch_add(1, Ordering::Relaxed));
    let mark = target.service.cpu_mark();
    let probed = support::probe(64, support::seconds("BENCH_PROBE_SECS", 2.0, 1.0), &sign).await;
    let label = format!("{} signing, {letters} letter(s)", env.label);
    let sustained = support::step_up(&label, probed * 0.5, &sign).await?;
    target.service.note_cpu_since(&label, mark);
    target.service.stop().await?;
    Ok(sustained)
}

/// Windows of the durable counters, as src/abuse/durable.rs keys them (epoch seconds).
struct Windows {
    minute: i64,
    hour: i64,
    day: i64,
}

fn windows() -> Windows {
    let now = chrono::Utc::now().timestamp();
    Windows {
        minute: now / 60 * 60,
        hour: now / 3600 * 3600,
        day: now / 86_400 * 86_400,
    }
}

fn pgbench_script(name: &str) -> String {
    format!(
        "{}/benches/limits/pgbench/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs pgbench (32 clients, 2 threads, prepared statements) with `script` and `vars`,
/// once with PostgreSQL's cached plans and once planning every statement afresh (as the
/// service's signing batches do, src/db/batch.rs `plan_afresh`); returns the better
/// transactions per second of the two, so the limit is pgbench at its best.
async fn pgbench(url: &str, script: &str, vars: &[(&str, String)]) -> anyhow::Result<f64> {
    let cached = pgbench_once(url, script, vars, "auto").await?;
    let fresh = pgbench_once(url, script, vars, "force_custom_plan").await?;
    Ok(cached.max(fresh))
}

async fn pgbench_once(
    url: &str,
    script: &str,
    vars: &[(&str, String)],
    plan_cache_mode: &str,
) -> anyhow::Result<f64> {
    let secs = support::setting("BENCH_PGBENCH_SECS", 10.0, 3.0).max(1.0) as u64;
    let mut cmd = tokio::process::Command::new(
        std::env::var("BENCH_PGBENCH").unwrap_or_else(|_| "/usr/bin/pgbench".into()),
    );
    cmd.env("PGOPTIONS", format!("-c plan_cache_mode={plan_cache_mode}"));
    cmd.args(["-n", "-M", "prepared", "-c", "32", "-j", "2", "-T"])
        .arg(secs.to_string())
        .arg("-f")
        .arg(pgbench_script(script));
    for (name, value) in vars {
        cmd.arg("-D").arg(format!("{name}={value}"));
    }
    let out = cmd.arg(url).output().await?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    anyhow::ensure!(
        out.status.success() && !stderr.contains("aborted"),
        "pgbench {script} failed: {}",
        stderr.lines().take(5).collect::<Vec<_>>().join("\n")
    );
    let tps = stdout
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| anyhow::anyhow!("no tps in pgbench's output:\n{stdout}"))?;
    eprintln!("  pgbench {script} (plan_cache_mode {plan_cache_mode}): {tps:.0} transactions/s");
    Ok(tps)
}

fn pg_timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f+00").to_string()
}

/// pgbench running one signing per transaction on a fresh database with the service's
/// schema and one letter.
async fn pgbench_signing(env: &Env) -> anyhow::Result<f64> {
    let url = env.fresh_database("pgbench_signing").await?;
    support::migrate(&url).await?;
    let db = support::connect(&url, 1).await?;
    let letter = support::create_letter(&db, "bench-0").await?;
    db.close().await?;
    let w = windows();
    pgbench(
        &url,
        "sign.sql",
        &[
            ("letter", letter.to_string()),
            ("slug", "bench-0".into()),
            ("now", pg_timestamp(chrono::Utc::now())),
            ("minute", w.minute.to_string()),
            ("hour", w.hour.to_string()),
            ("day", w.day.to_string()),
        ],
    )
    .await
}

/// Adds `count` pending individual signatures to `letter`, each with a confirmation
/// token; returns the tokens (in the order of the signatures' numbers). With `tokens`
/// false the token hashes are the signatures' ids in hex (for pgbench, which cannot
/// hash) and no tokens are returned.
async fn load_pending(
    db: &DatabaseConnection,
    letter: i64,
    count: u64,
    tokens: bool,
) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::days(7);
    let mut out = Vec::new();
    const BATCH: u64 = 1000;
    let mut first = 0;
    while first < count {
        let last = (first + BATCH).min(count);
        let mut sql = String::from(
            "INSERT INTO signatures (letter_id, kind, status, name, email, email_normalized, \
             country, show_publicly, wants_updates, confirmation_emails, \
             last_confirmation_email_at, client_ip, created_at, letter_version, \
             email_canonical, name_skeleton, email_domain, network_prefix, language) VALUES ",
        );
        let mut values: Vec<Value> = Vec::new();
        let mut p = 0;
        let mut param = |values: &mut Vec<Value>, v: Value| {
            values.push(v);
            p += 1;
            match backend {
                sea_orm::DbBackend::Postgres => format!("${p}"),
                _ => "?".to_string(),
            }
        };
        for i in first..last {
            let email = format!("confirmer{i}@d{}.example", i % DOMAINS);
            let ip = support::client_ip(i, CONFIRMATIONS_PER_ADDRESS);
            let prefix = format!("{}.0/24", ip.rsplit_once('.').map(|(a, _)| a).unwrap_or(""));
            let row = [
                param(&mut values, letter.into()),
                param(&mut values, format!("Confirmer {i}").into()),
                param(&mut values, email.clone().into()),
                param(&mut values, email.clone().into()),
                param(&mut values, now.into()),
                param(&mut values, ip.into()),
                param(&mut values, now.into()),
                param(&mut values, email.into()),
                param(&mut values, format!("confirmer {i}").into()),
                param(&mut values, format!("d{}.example", i % DOMAINS).into()),
                param(&mut values, prefix.into()),
            ];
            if i > first {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "({}, 'individual', 'pending', {}, {}, {}, 'FR', false, false, 1, {}, {}, {}, 1, {}, {}, {}, {}, 'en')",
                row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10]
            ));
        }
        db.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
            .await?;
        first = last;
    }
    if tokens {
        // Tokens as the worker mints them; joined to their signatures by email.
        let mut first = 0;
        while first < count {
            let last = (first + BATCH).min(count);
            let mut sql = String::from("WITH v(email, hash) AS (VALUES ");
            let mut values: Vec<Value> = Vec::new();
            for i in first..last {
                let token = undersigned::domain::ConfirmationToken::generate();
                values.push(format!("confirmer{i}@d{}.example", i % DOMAINS).into());
                values.push(token.hash().into());
                out.push(token.as_str().to_string());
                if i > first {
                    sql.push_str(", ");
                }
                sql.push_str(&match backend {
                    sea_orm::DbBackend::Postgres => {
                        format!("(${}, ${})", values.len() - 1, values.len())
                    }
                    _ => "(?, ?)".into(),
                });
            }
            let n = values.len();
            values.push(now.into());
            values.push(expires.into());
            values.push(letter.into());
            let (a, b, c) = match backend {
                sea_orm::DbBackend::Postgres => (
                    format!("${}", n + 1),
                    format!("${}", n + 2),
                    format!("${}", n + 3),
                ),
                _ => ("?".into(), "?".into(), "?".into()),
            };
            sql.push_str(&format!(
                ") INSERT INTO confirmation_tokens (signature_id, token_hash, created_at, expires_at) \
                 SELECT s.id, v.hash, {a}, {b} FROM v JOIN signatures s \
                 ON s.email_canonical = v.email AND s.letter_id = {c}"
            ));
            db.execute_raw(Statement::from_sql_and_values(backend, &sql, values))
                .await?;
            first = last;
        }
    } else {
        db.execute_unprepared(
            "INSERT INTO confirmation_tokens (signature_id, token_hash, created_at, expires_at) \
             SELECT id, lpad(to_hex(id), 64, '0'), now(), now() + interval '7 days' FROM signatures",
        )
        .await?;
    }
    Ok(out)
}

/// The sustained confirming rate of the service: pending signatures and their tokens are
/// loaded straight into the database (as if the worker had sent their emails), then
/// confirmed by POST /confirm/{token}.
async fn service_confirming(env: &Env) -> anyhow::Result<Sustained> {
    let count = support::setting("BENCH_CONFIRM_TOKENS", 150_000.0, 20_000.0) as u64;
    let url = env.fresh_database("confirming").await?;
    support::migrate(&url).await?;
    let db = support::connect(&url, 1).await?;
    let letter = support::create_letter(&db, "bench-0").await?;
    let started = Instant::now();
    let tokens = Arc::new(load_pending(&db, letter, count, true).await?);
    support::analyze(&db).await?;
    eprintln!(
        "  loaded {count} pending signatures in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    db.close().await?;
    let mail = tempfile::tempdir()?;
    let mut settings = support::service_settings(mail.path());
    settings.push(("run_worker", "false".into()));
    let service = Service::start("serve", &url, &settings).await?;
    let client = support::client()?;
    let next = AtomicU64::new(0);
    let base = service.base.clone();
    let confirm = |_| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let (client, tokens, base) = (client.clone(), tokens.clone(), base.clone());
        async move {
            let Some(token) = tokens.get(i as usize) else {
                // More requests than tokens: say so by failing, not by re-confirming.
                return false;
            };
            client
                .post(format!("{base}/confirm/{token}"))
                .header(
                    "x-forwarded-for",
                    support::client_ip(i, CONFIRMATIONS_PER_ADDRESS),
                )
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 200)
        }
    };
    let mark = service.cpu_mark();
    let probed = support::probe(64, support::seconds("BENCH_PROBE_SECS", 2.0, 1.0), &confirm).await;
    let label = format!("{} confirming", env.label);
    let sustained = support::step_up(&label, probed * 0.5, &confirm).await?;
    service.note_cpu_since(&label, mark);
    service.stop().await?;
    if next.load(Ordering::Relaxed) > count {
        eprintln!(
            "  the {count} tokens ran out during the climb: raise BENCH_CONFIRM_TOKENS \
             (the rate above is then a floor)"
        );
    }
    Ok(sustained)
}

/// pgbench running one confirmation per transaction on pending signatures loaded as for
/// the service.
async fn pgbench_confirming(env: &Env) -> anyhow::Result<f64> {
    // pgbench picks signatures at random: repeats among these are rare in its run.
    let count = support::setting("BENCH_CONFIRM_TOKENS", 150_000.0, 20_000.0).min(100_000.0) as u64;
    let url = env.fresh_database("pgbench_confirming").await?;
    support::migrate(&url).await?;
    let db = support::connect(&url, 1).await?;
    let letter = support::create_letter(&db, "bench-0").await?;
    load_pending(&db, letter, count, false).await?;
    support::analyze(&db).await?;
    db.close().await?;
    let now = chrono::Utc::now();
    pgbench(
        &url,
        "confirm.sql",
        &[
            ("letter", letter.to_string()),
            ("signatures", count.to_string()),
            ("now", pg_timestamp(now)),
            ("since", pg_timestamp(now - chrono::Duration::minutes(10))),
        ],
    )
    .await
}

// The statements of one signing on SQLite, as sea-orm writes them for the service
// (the PostgreSQL ones, as logged, with `?` for each parameter and no `FOR SHARE`, and
// each counter's bump and total as two statements, as the service runs them on SQLite).
const LETTER_BY_ID: &str = r#"SELECT "letters"."id", "letters"."slug", "letters"."title", "letters"."summary", "letters"."body", "letters"."language", "letters"."status", "letters"."goal", "letters"."deadline", "letters"."opened_at", "letters"."created_at", "letters"."updated_at", "letters"."individuals_may_sign", "letters"."organisations_may_sign", "letters"."organisations_need_approval", "letters"."preview_key", "letters"."version", "letters"."closed_at" FROM "letters" WHERE "letters"."id" = ? LIMIT ?"#;
const COUNT_HIT: &str = r#"INSERT INTO limit_counters (counter_key, window_start, hits) VALUES (?, ?, 1) ON CONFLICT (counter_key, window_start) DO UPDATE SET hits = limit_counters.hits + 1 RETURNING hits"#;
const COUNTER_SUM: &str = r#"SELECT COALESCE(SUM(hits), 0) AS total FROM limit_counters WHERE window_start = ? AND counter_key IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#;
const ATTACK_MODE: &str = r#"SELECT "attack_modes"."letter_id", "attack_modes"."active", "attack_modes"."automatic", "attack_modes"."changed_at", "attack_modes"."reason", "attack_modes"."changed_by" FROM "attack_modes" WHERE "attack_modes"."letter_id" = ? LIMIT ?"#;
const INSERT_SIGNATURE: &str = r#"INSERT INTO "signatures" ("letter_id", "kind", "status", "name", "email", "email_normalized", "country", "city", "occupation", "organisation_name", "website", "role", "show_publicly", "wants_updates", "confirmation_emails", "last_confirmation_email_at", "already_signed_emailed_at", "client_ip", "created_at", "confirmed_at", "letter_version", "email_canonical", "name_skeleton", "email_domain", "network_prefix", "language", "text_language") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("letter_id", "kind", "email_canonical") DO NOTHING RETURNING "id""#;
const INSERT_OUTBOX: &str = r#"INSERT INTO "outbox" ("kind", "payload", "status", "attempts", "run_at", "locked_by", "locked_until", "last_error", "created_at", "finished_at", "message_key", "letter_id") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#;

/// One SQLite connection opened as the service opens its pool (WAL, synchronous=NORMAL),
/// running the statements of one signing in a loop, one signing per
/// `BEGIN IMMEDIATE … COMMIT`: signings per second.
async fn sqlite_one_connection(env: &Env) -> anyhow::Result<f64> {
    let url = env.fresh_database("sqlite_one_connection").await?;
    support::migrate(&url).await?;
    let db = support::connect(&url, 1).await?;
    let letter = support::create_letter(&db, "bench-0").await?;
    let duration = support::seconds("BENCH_BASELINE_SECS", 10.0, 3.0);
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < duration {
        one_sqlite_signing(&db, letter, done).await?;
        done += 1;
    }
    let rate = done as f64 / started.elapsed().as_secs_f64();
    db.close().await?;
    eprintln!("  one SQLite connection: {rate:.0} signings/s");
    Ok(rate)
}

fn sqlite(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(sea_orm::DbBackend::Sqlite, sql, values)
}

async fn one_sqlite_signing(db: &DatabaseConnection, letter: i64, i: u64) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let w = windows();
    let shard = i % 16;
    let domain = format!("d{}.example", i % DOMAINS);
    let email = format!("one{i}@{domain}");
    let none_text = || Value::from(Option::<String>::None);
    let none_time = || Value::from(Option::<chrono::DateTime<chrono::Utc>>::None);
    let sums = |key: &str, window: i64| -> Vec<Value> {
        std::iter::once(Value::from(window))
            .chain((0..16).map(|s| Value::from(format!("{key}#{s}"))))
            .collect()
    };
    let hit = |key: String, window: i64| sqlite(COUNT_HIT, vec![key.into(), window.into()]);
    let attempts = format!("attempts:{letter}");
    let per_letter = format!("letter:{letter}");
    let per_domain = format!("domain:{letter}:{domain}");

    // The letter comes from the page cache before the transaction (a page is rendered
    // once per TTL, not per signing). The service's write transaction: BEGIN IMMEDIATE.
    let txn = undersigned::db::begin_write(db).await?;
    let db = &txn;
    db.query_one_raw(sqlite(LETTER_BY_ID, vec![letter.into(), 1i64.into()]))
        .await?;
    db.query_one_raw(hit(format!("{attempts}#{shard}"), w.minute))
        .await?;
    db.query_one_raw(sqlite(COUNTER_SUM, sums(&attempts, w.minute)))
        .await?;
    db.query_one_raw(sqlite(ATTACK_MODE, vec![letter.into(), 1i64.into()]))
        .await?;
    db.query_one_raw(hit(format!("{per_letter}#{shard}"), w.minute))
        .await?;
    db.query_one_raw(sqlite(COUNTER_SUM, sums(&per_letter, w.minute)))
        .await?;
    db.query_one_raw(hit(format!("{per_domain}#{shard}"), w.hour))
        .await?;
    db.query_one_raw(sqlite(COUNTER_SUM, sums(&per_domain, w.hour)))
        .await?;
    let inserted = db
        .query_one_raw(sqlite(
            INSERT_SIGNATURE,
            vec![
                letter.into(),
                "individual".into(),
                "pending".into(),
                format!("Signer {i}").into(),
                email.clone().into(),
                email.clone().into(),
                "FR".into(),
                none_text(),
                none_text(),
                none_text(),
                none_text(),
                none_text(),
                false.into(),
                false.into(),
                1i32.into(),
                now.into(),
                none_time(),
                "10.1.2.3".into(),
                now.into(),
                none_time(),
                1i32.into(),
                email.clone().into(),
                format!("signer {i}").into(),
                domain.clone().into(),
                "10.1.2.0/24".into(),
                "en".into(),
                none_text(),
            ],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("signature {i} was not inserted"))?;
    let id: i64 = inserted.try_get_by_index(0)?;
    db.query_one_raw(hit(format!("inbox:{email}"), w.day))
        .await?;
    db.execute_raw(sqlite(
        INSERT_OUTBOX,
        vec![
            "confirmation_email".into(),
            format!("{{\"job\":\"confirmation_email\",\"signature_id\":{id}}}").into(),
            "pending".into(),
            0i32.into(),
            now.into(),
            none_text(),
            none_time(),
            none_text(),
            now.into(),
            none_time(),
            format!("{:016x}", rand::random::<u64>()).into(),
            letter.into(),
        ],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}
