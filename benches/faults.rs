//! Faults the service must survive, measured against the real release binary from outside.
//!
//! `cargo bench --bench faults [-- SCENARIO... [--smtp-down-secs N] [--addresses N]]`
//! runs the scenarios named (all by default): `pg-restart`, `sigkill-sqlite`, `sigterm`,
//! `smtp-down`, `many-addresses`. Each starts `undersigned serve` as a child process with
//! its own database (a SQLite file in a temporary directory, or a PostgreSQL database
//! created for the run through `TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`, and dropped afterwards), the demo letter,
//! and an SMTP sink (the integration tests' server). Requests come through a trusted proxy
//! (127.0.0.1) with one `X-Forwarded-For` address per simulated signer, so rate limits stay
//! on. Every scenario prints PASS or FAIL with its figures; a table sums them up at the
//! end, and the exit status is 1 when any failed. Nothing is written into the repository.
//!
//! `pg-restart` restarts the machine's PostgreSQL cluster (`pg_ctlcluster ... restart -m
//! immediate`): every database on it goes down for a moment. Run it only where that is
//! acceptable.

#[path = "../tests/api/support/smtp.rs"]
mod smtp;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use smtp::{ReceivedMessage, SmtpOptions, TestSmtpServer};
use undersigned::demo::DEMO_SLUG;

const SCENARIOS: &[&str] = &[
    "pg-restart",
    "sigkill-sqlite",
    "sigterm",
    "smtp-down",
    "many-addresses",
];
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Concurrent signers in a burst.
const CLIENTS: usize = 32;
/// No single request may hang the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What the command line asked for.
struct Options {
    scenarios: Vec<String>,
    smtp_down: Duration,
    addresses: usize,
}

/// One line of the closing table.
struct Row {
    scenario: &'static str,
    database: &'static str,
    pass: bool,
    figures: String,
}

fn main() -> anyhow::Result<()> {
    let options = parse_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_undersigned"));
    println!("binary: {}", binary.display());
    let mut rows = Vec::new();
    for scenario in &options.scenarios {
        let result = runtime.block_on(run_scenario(&binary, scenario, &options));
        match result {
            Ok(mut new) => rows.append(&mut new),
            Err(e) => {
                println!("FAIL {scenario}: could not run: {e:#}");
                rows.push(Row {
                    scenario: SCENARIOS
                        .iter()
                        .find(|s| **s == scenario.as_str())
                        .copied()
                        .unwrap_or("?"),
                    database: "-",
                    pass: false,
                    figures: format!("could not run: {e:#}"),
                });
            }
        }
    }
    println!("\n| scenario | database | result | figures |");
    println!("|---|---|---|---|");
    for row in &rows {
        let result = if row.pass { "PASS" } else { "FAIL" };
        println!(
            "| {} | {} | {result} | {} |",
            row.scenario, row.database, row.figures
        );
    }
    if rows.iter().any(|r| !r.pass) {
        std::process::exit(1);
    }
    Ok(())
}

fn parse_args() -> anyhow::Result<Options> {
    let mut options = Options {
        scenarios: Vec::new(),
        smtp_down: Duration::from_secs(60),
        addresses: 1_000_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // cargo bench passes this to every bench target.
            "--bench" => {}
            "--smtp-down-secs" => {
                let secs: u64 = args
                    .next()
                    .context("--smtp-down-secs needs a number")?
                    .parse()?;
                options.smtp_down = Duration::from_secs(secs.clamp(1, 600));
            }
            "--addresses" => {
                let n: usize = args.next().context("--addresses needs a number")?.parse()?;
                options.addresses = n.clamp(1, 2_000_000);
            }
            name if SCENARIOS.contains(&name) => options.scenarios.push(name.to_string()),
            other => bail!(
                "unknown argument {other:?}; scenarios: {}",
                SCENARIOS.join(", ")
            ),
        }
    }
    if options.scenarios.is_empty() {
        options.scenarios = SCENARIOS.iter().map(|s| s.to_string()).collect();
    }
    Ok(options)
}

async fn run_scenario(
    binary: &Path,
    scenario: &str,
    options: &Options,
) -> anyhow::Result<Vec<Row>> {
    println!("\n== {scenario}");
    Ok(match scenario {
        "pg-restart" => vec![pg_restart(binary).await?],
        "sigkill-sqlite" => vec![sigkill_sqlite(binary).await?],
        "sigterm" => {
            let mut rows = vec![sigterm(binary, DbKind::Sqlite).await?];
            if std::env::var("TEST_DATABASE_URL").is_ok() {
                rows.push(sigterm(binary, DbKind::Postgres).await?);
            }
            rows
        }
        "smtp-down" => vec![smtp_down(binary, options.smtp_down).await?],
        "many-addresses" => vec![many_addresses(binary, options.addresses).await?],
        other => bail!("unknown scenario {other}"),
    })
}

// ---------------------------------------------------------------------------------------
// The database of a run.

#[derive(Clone, Copy, PartialEq, Eq)]
enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    fn label(self) -> &'static str {
        match self {
            DbKind::Sqlite => "SQLite",
            DbKind::Postgres => "PostgreSQL",
        }
    }
}

/// A database made for one run: a SQLite file in `dir`, or a fresh PostgreSQL database
/// that `drop` removes again.
struct RunDb {
    url: String,
    postgres: Option<(String, String)>,
}

impl RunDb {
    async fn create(kind: DbKind, dir: &Path) -> anyhow::Result<RunDb> {
        match kind {
            DbKind::Sqlite => {
                let file = dir.join("faults.db");
                Ok(RunDb {
                    url: format!("sqlite://{}?mode=rwc", file.display()),
                    postgres: None,
                })
            }
            DbKind::Postgres => {
                let admin = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES.to_string());
                let name = format!("faults_{:08x}", rand::random::<u32>());
                let conn = Database::connect(&admin)
                    .await
                    .context("connecting to PostgreSQL (TEST_DATABASE_URL)")?;
                conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await?;
                conn.close().await?;
                let mut url = url::Url::parse(&admin)?;
                url.set_path(&format!("/{name}"));
                Ok(RunDb {
                    url: url.to_string(),
                    postgres: Some((admin, name)),
                })
            }
        }
    }

    async fn connect(&self) -> anyhow::Result<DatabaseConnection> {
        Database::connect(&self.url)
            .await
            .with_context(|| format!("connecting to {}", self.url))
    }

    /// Normalised emails of every stored signature.
    async fn stored_emails(&self) -> anyhow::Result<HashSet<String>> {
        let conn = self.connect().await?;
        let backend = conn.get_database_backend();
        let rows = conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT email_normalized FROM signatures",
            ))
            .await?;
        conn.close().await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String>("", "email_normalized")?))
            .collect()
    }

    async fn drop(self) {
        if let Some((admin, name)) = self.postgres
            && let Ok(conn) = Database::connect(&admin).await
        {
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = conn.close().await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The service as a child process.

/// `undersigned serve` running as a child; killed when dropped.
struct Service {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Service {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends a signal with the system's `kill`, so the run needs no extra crate.
    fn signal(&self, name: &str) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .context("running kill")?;
        anyhow::ensure!(status.success(), "kill -{name} failed");
        Ok(())
    }

    /// Waits for the process to end, at most `limit`.
    async fn wait_exit(&mut self, limit: Duration) -> anyhow::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(None)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Resident memory in KiB, from `/proc/<pid>/status`.
    fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .context("no VmRSS in /proc/<pid>/status")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The settings of a run, as the service reads them: `UNDERSIGNED_*` variables.
fn service_env(db: &RunDb, dir: &Path, port: u16, smtp_url: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", db.url.clone()),
        ("BIND", format!("127.0.0.1:{port}")),
        ("BASE_URL", format!("http://127.0.0.1:{port}")),
        ("MAIL", "smtp".to_string()),
        ("SMTP_URL", smtp_url.to_string()),
        ("SMTP_TIMEOUT_SECS", "10".to_string()),
        ("MAIL_DIR", dir.join("mail").display().to_string()),
        ("TRUSTED_PROXIES", "127.0.0.1".to_string()),
        ("OUTBOX_RETRY_BASE_SECS", "1".to_string()),
        ("OUTBOX_POLL_INTERVAL_MS", "200".to_string()),
        ("RATE_LIMIT_SWEEP_SECS", "1".to_string()),
        ("LOG", "warn".to_string()),
        // Every replica signs forms with one key; scripted signers send them at once.
        (
            "FORM_SECRET",
            "the fault benchmark's form secret".to_string(),
        ),
        ("SIGN_MIN_FILL_SECS", "0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("UNDERSIGNED_{k}"), v))
    .collect()
}

/// The binary with this run's settings and nothing inherited that could change them.
fn command(binary: &Path, env: &[(String, String)]) -> Command {
    let mut command = Command::new(binary);
    for (name, _) in std::env::vars() {
        if name.starts_with("UNDERSIGNED_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().cloned());
    command
}

/// Loads the demo letter, starts `serve` and waits until `/healthz` answers.
async fn start(binary: &Path, db: &RunDb, dir: &Path, smtp_url: &str) -> anyhow::Result<Service> {
    let port = smtp::free_port();
    let env = service_env(db, dir, port, smtp_url);
    let demo = command(binary, &env)
        .arg("demo")
        .output()
        .context("running `undersigned demo`")?;
    anyhow::ensure!(
        demo.status.success(),
        "`undersigned demo` failed: {}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let log = dir.join(format!("service-{port}.log"));
    let out = File::create(&log)?;
    let child = command(binary, &env)
        .arg("serve")
        .stdout(out.try_clone()?)
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .context("starting `undersigned serve`")?;
    let mut service = Service { child, port, log };
    let client = http_client(4)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = service.child.try_wait()? {
            bail!("the service exited ({status}): {}", service.log_tail());
        }
        let ok = client
            .get(format!("{}/healthz", service.base()))
            .send()
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false);
        if ok {
            return Ok(service);
        }
        if Instant::now() > deadline {
            let tail = service.log_tail();
            let _ = service.child.kill();
            bail!("the service did not answer within 60 s: {tail}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn http_client(connections: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

// ---------------------------------------------------------------------------------------
// Bursts of signings.

/// One signing as the client saw it.
#[derive(Clone)]
struct Answer {
    /// When it was sent, from the start of the burst.
    sent: Duration,
    latency: Duration,
    /// The status, or `None` when the connection failed.
    status: Option<u16>,
    retry_after: bool,
    email: String,
}

impl Answer {
    fn ended(&self) -> Duration {
        self.sent + self.latency
    }
}

/// A distinct IPv4 address per signing, so each address stays within its burst.
fn signer_address(n: usize) -> String {
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

/// `CLIENTS` signers signing new addresses until `stop` is set or `limit` passes.
async fn burst(
    base: String,
    run: &'static str,
    limit: Duration,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Vec<Answer>> {
    let client = http_client(CLIENTS)?;
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (client, base, counter, stop) =
            (client.clone(), base.clone(), counter.clone(), stop.clone());
        tasks.spawn(async move {
            let mut answers = Vec::new();
            while !stop.load(Ordering::SeqCst) && started.elapsed() < limit {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                // Spread over a thousand domains, so the default per-domain limit sees no flood.
                let email = format!("{run}-{n}@org{}.example", n % 1000);
                let form = [
                    ("kind", "individual".to_string()),
                    ("name", format!("Signer {n}")),
                    ("email", email.clone()),
                    ("country", "FR".to_string()),
                    ("version", "1".to_string()),
                    ("form_stamp", demo_form_stamp()),
                ];
                let sent = started.elapsed();
                let t = Instant::now();
                let result = client
                    .post(format!("{base}/letters/{DEMO_SLUG}/sign"))
                    .header("x-forwarded-for", signer_address(n))
                    .form(&form)
                    .send()
                    .await;
                let latency = t.elapsed();
                let (status, retry_after) = match &result {
                    Ok(r) => (
                        Some(r.status().as_u16()),
                        r.headers().contains_key("retry-after"),
                    ),
                    Err(_) => (None, false),
                };
                answers.push(Answer {
                    sent,
                    latency,
                    status,
                    retry_after,
                    email,
                });
                // A refused connection answers at once; do not spin on it.
                if status.is_none() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            answers
        });
    }
    let mut all = Vec::new();
    while let Some(done) = tasks.join_next().await {
        all.extend(done?);
    }
    all.sort_by_key(|a| a.sent);
    Ok(all)
}

fn acknowledged(answers: &[Answer]) -> Vec<&Answer> {
    answers.iter().filter(|a| a.status == Some(303)).collect()
}

/// Acknowledged signings missing from the database.
async fn lost(db: &RunDb, answers: &[Answer]) -> anyhow::Result<usize> {
    let stored = db.stored_emails().await?;
    Ok(acknowledged(answers)
        .iter()
        .filter(|a| !stored.contains(&a.email))
        .count())
}

fn statuses(answers: &[&Answer]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in answers {
        let key = a
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "conn-error".into());
        *counts.entry(key).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(latencies: &mut [Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort();
    let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
    latencies[i].as_secs_f64() * 1000.0
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn verdict(name: &str, pass: bool, figures: &str) -> bool {
    println!("{} {name}: {figures}", if pass { "PASS" } else { "FAIL" });
    pass
}

// ---------------------------------------------------------------------------------------
// pg-restart

/// The cluster's version directory under /etc/postgresql (e.g. `17`).
fn cluster_version() -> anyhow::Result<String> {
    let mut versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .context("reading /etc/postgresql")?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    versions.sort();
    versions.pop().context("no cluster in /etc/postgresql")
}

fn pg_ctlcluster(version: &str, action: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("pg_ctlcluster")
        .arg("--skip-systemctl-redirect")
        .arg(version)
        .arg("main")
        .args(action)
        .output()
        .context("running pg_ctlcluster")?;
    anyhow::ensure!(
        output.status.success(),
        "pg_ctlcluster {action:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// Waits until PostgreSQL accepts connections again, starting it if it is down.
async fn ensure_postgres_up(version: &str, admin: &str) -> anyhow::Result<()> {
    for attempt in 0..120 {
        if let Ok(conn) = Database::connect(admin).await
            && conn.execute_unprepared("SELECT 1").await.is_ok()
        {
            let _ = conn.close().await;
            return Ok(());
        }
        if attempt == 20 {
            let _ = pg_ctlcluster(version, &["start"]);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    bail!("PostgreSQL did not come back within 60 s")
}

async fn pg_restart(binary: &Path) -> anyhow::Result<Row> {
    let version = cluster_version()?;
    let admin = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    let dir = tempfile::tempdir()?;
    let smtp = TestSmtpServer::start().await?;
    let db = RunDb::create(DbKind::Postgres, dir.path()).await?;
    let result = async {
        let service = start(binary, &db, dir.path(), &smtp.url()).await?;
        let base = service.base();
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let signing = tokio::spawn(burst(
            base.clone(),
            "pgrestart",
            Duration::from_secs(20),
            stop.clone(),
        ));
        // /readyz every 100 ms throughout.
        let probe = {
            let (base, stop) = (base.clone(), stop.clone());
            let client = http_client(1)?;
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(25) {
                    let t = Instant::now();
                    let status = client
                        .get(format!("{base}/readyz"))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .ok();
                    seen.push((started.elapsed(), status, t.elapsed()));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                seen
            })
        };
        tokio::time::sleep(Duration::from_secs(7)).await;
        let restart_began = started.elapsed();
        let v = version.clone();
        let restarted =
            tokio::task::spawn_blocking(move || pg_ctlcluster(&v, &["restart", "-m", "immediate"]))
                .await?;
        let restart_ended = started.elapsed();
        let answers = signing.await??;
        stop.store(true, Ordering::SeqCst);
        let ready = probe.await?;
        restarted?;
        ensure_postgres_up(&version, &admin).await?;
        let lost = lost(&db, &answers).await?;

        let failed: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.status != Some(303) && a.ended() >= restart_began)
            .collect();
        let last_failure = failed.iter().map(|a| a.ended()).max();
        let recovered = last_failure.and_then(|last| {
            answers
                .iter()
                .filter(|a| a.status == Some(303) && a.sent >= last)
                .map(|a| a.ended())
                .min()
        });
        let mut failed_latencies: Vec<Duration> = failed.iter().map(|a| a.latency).collect();
        let failed_p50 = percentile(&mut failed_latencies, 0.5);
        let failed_max = percentile(&mut failed_latencies, 1.0);
        let all_503_retry = failed
            .iter()
            .all(|a| a.status == Some(503) && a.retry_after);
        let window = |at: Duration| at >= restart_began && at <= restart_ended;
        let ready_during: Vec<String> = ready
            .iter()
            .filter(|(at, _, _)| window(*at))
            .map(|(_, status, took)| {
                let status = status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "err".into());
                format!("{status}/{:.0}ms", took.as_secs_f64() * 1000.0)
            })
            .collect();
        let ready_max = ready.iter().map(|(_, _, d)| *d).max().unwrap_or_default();
        let slowest_signing = answers
            .iter()
            .filter(|a| window(a.sent) || window(a.ended()))
            .map(|a| a.latency)
            .max()
            .unwrap_or_default();
        let failures_seen = match (failed.first(), last_failure) {
            (Some(first), Some(last)) => format!(
                "from +{} to +{} after the restart began",
                secs(first.ended().saturating_sub(restart_began)),
                secs(last.saturating_sub(restart_began))
            ),
            _ => "none".into(),
        };
        let recovery = match (recovered, failed.first()) {
            (Some(r), _) => secs(r.saturating_sub(restart_ended)),
            (None, None) => "no outage seen".into(),
            (None, Some(_)) => "never".into(),
        };
        let figures = format!(
            "{} signings, {} acknowledged, {lost} lost; pg_ctlcluster restart took {}; \
             failed signings {failures_seen}: {} (all 503 with Retry-After: {all_503_retry}), \
             latency p50 {failed_p50:.0} ms, max {failed_max:.0} ms; slowest signing during \
             the restart {:.0} ms; first success {recovery} after the restart returned; \
             /readyz (status/time) during the restart: [{}], slowest {:.0} ms",
            answers.len(),
            acknowledged(&answers).len(),
            secs(restart_ended - restart_began),
            statuses(&failed),
            slowest_signing.as_secs_f64() * 1000.0,
            ready_during.join(" "),
            ready_max.as_secs_f64() * 1000.0,
        );
        // "Fast": a load balancer and a signer both learn within two seconds.
        let pass = lost == 0
            && (recovered.is_some() || failed.is_empty())
            && all_503_retry
            && failed_max <= 2000.0
            && ready_max <= Duration::from_secs(2)
            && service_alive(service)?;
        Ok::<_, anyhow::Error>(Row {
            scenario: "pg-restart",
            database: "PostgreSQL",
            pass: verdict("pg-restart", pass, &figures),
            figures,
        })
    }
    .await;
    // PostgreSQL must be up again whatever happened above.
    let up = ensure_postgres_up(&version, &admin).await;
    db.drop().await;
    smtp.stop().await;
    up?;
    result
}

/// True when the service kept running (it recovered without a restart).
fn service_alive(mut service: Service) -> anyhow::Result<bool> {
    Ok(service.child.try_wait()?.is_none())
}

// ---------------------------------------------------------------------------------------
// sigkill-sqlite

async fn sigkill_sqlite(binary: &Path) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    let smtp = TestSmtpServer::start().await?;
    let db = RunDb::create(DbKind::Sqlite, dir.path()).await?;
    let mut service = start(binary, &db, dir.path(), &smtp.url()).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let signing = tokio::spawn(burst(
        service.base(),
        "sigkill",
        Duration::from_secs(20),
        stop.clone(),
    ));
    tokio::time::sleep(Duration::from_secs(5)).await;
    service.signal("KILL")?;
    let status = service.wait_exit(Duration::from_secs(10)).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let answers = signing.await??;
    drop(service);

    let lost = lost(&db, &answers).await?;
    let conn = db.connect().await?;
    let integrity = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?
        .unwrap_or_default();
    conn.close().await?;

    // The same file serves again.
    let again = start(binary, &db, dir.path(), &smtp.url()).await?;
    let client = http_client(2)?;
    let page = client
        .get(format!("{}/letters/{DEMO_SLUG}", again.base()))
        .send()
        .await?
        .status()
        .as_u16();
    let ready = client
        .get(format!("{}/readyz", again.base()))
        .send()
        .await?
        .status()
        .as_u16();
    again.signal("TERM")?;
    let mut again = again;
    let _ = again.wait_exit(Duration::from_secs(30)).await?;
    drop(again);
    smtp.stop().await;

    let figures = format!(
        "{} signings, {} acknowledged before SIGKILL ({}), {lost} lost; integrity_check: {integrity}; \
         restart on the same file: letter page {page}, /readyz {ready}",
        answers.len(),
        acknowledged(&answers).len(),
        status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "did not die".into()),
    );
    let pass = lost == 0 && integrity == "ok" && page == 200 && ready == 200;
    Ok(Row {
        scenario: "sigkill-sqlite",
        database: "SQLite",
        pass: verdict("sigkill-sqlite", pass, &figures),
        figures,
    })
}

// ---------------------------------------------------------------------------------------
// sigterm

async fn sigterm(binary: &Path, kind: DbKind) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    let smtp = TestSmtpServer::start().await?;
    let db = RunDb::create(kind, dir.path()).await?;
    let result = async {
        let mut service = start(binary, &db, dir.path(), &smtp.url()).await?;
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let signing = tokio::spawn(burst(
            service.base(),
            "sigterm",
            Duration::from_secs(40),
            stop.clone(),
        ));
        tokio::time::sleep(Duration::from_secs(5)).await;
        let signalled = started.elapsed();
        service.signal("TERM")?;
        let t = Instant::now();
        let status = service.wait_exit(Duration::from_secs(30)).await?;
        let exit_time = t.elapsed();
        stop.store(true, Ordering::SeqCst);
        let answers = signing.await??;
        let tail = service.log_tail();
        drop(service);
        let lost = lost(&db, &answers).await?;
        // In flight: sent before the signal, answered (or not) after it.
        let in_flight: Vec<&Answer> = answers
            .iter()
            .filter(|a| a.sent < signalled && a.ended() >= signalled)
            .collect();
        let in_flight_errors = in_flight.iter().filter(|a| a.status.is_none()).count();
        let after: Vec<&Answer> = answers.iter().filter(|a| a.sent >= signalled).collect();
        let exit_code = status.and_then(|s| s.code());
        let figures = format!(
            "{} signings, {} acknowledged, {lost} lost; in flight at SIGTERM: {} ({}); sent \
             after it: {}; exit {} in {}",
            answers.len(),
            acknowledged(&answers).len(),
            in_flight.len(),
            statuses(&in_flight),
            statuses(&after),
            exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "none (still running or killed)".into()),
            secs(exit_time),
        );
        let pass = lost == 0 && in_flight_errors == 0 && exit_code == Some(0);
        if exit_code != Some(0) {
            println!("service log:\n{tail}");
        }
        Ok::<_, anyhow::Error>(Row {
            scenario: "sigterm",
            database: kind.label(),
            pass: verdict(&format!("sigterm ({})", kind.label()), pass, &figures),
            figures,
        })
    }
    .await;
    db.drop().await;
    smtp.stop().await;
    result
}

// ---------------------------------------------------------------------------------------
// smtp-down

/// Signs `emails` one by one, each from its own address; fails on any other answer than
/// the redirect.
async fn sign_each(
    client: &reqwest::Client,
    base: &str,
    emails: &[String],
    first_address: usize,
) -> anyhow::Result<()> {
    for (i, email) in emails.iter().enumerate() {
        let form = [
            ("kind", "individual".to_string()),
            ("name", format!("Mail Signer {i}")),
            ("email", email.clone()),
            ("country", "FR".to_string()),
            ("version", "1".to_string()),
            ("form_stamp", demo_form_stamp()),
        ];
        let status = client
            .post(format!("{base}/letters/{DEMO_SLUG}/sign"))
            .header("x-forwarded-for", signer_address(first_address + i))
            .form(&form)
            .send()
            .await?
            .status();
        anyhow::ensure!(status == 303, "signing {email} answered {status}");
    }
    Ok(())
}

async fn wait_for(smtp: &TestSmtpServer, n: usize, limit: Duration) -> Vec<ReceivedMessage> {
    smtp.wait_for_messages(n, limit).await
}

async fn smtp_down(binary: &Path, outage: Duration) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    let first = TestSmtpServer::start().await?;
    let port = first.port();
    let db = RunDb::create(DbKind::Sqlite, dir.path()).await?;
    let service = start(binary, &db, dir.path(), &first.url()).await?;
    let base = service.base();
    let client = http_client(4)?;

    // Before: twenty people sign and confirm.
    let early: Vec<String> = (0..20).map(|i| format!("early{i}@example.org")).collect();
    sign_each(&client, &base, &early, 0).await?;
    let before = wait_for(&first, early.len(), Duration::from_secs(60)).await;
    anyhow::ensure!(
        before.len() == early.len(),
        "{} of {} confirmation emails arrived before the outage",
        before.len(),
        early.len()
    );
    for (i, message) in before.iter().enumerate() {
        let link = message
            .links()
            .into_iter()
            .find(|l| l.contains("/confirm/"))
            .context("a confirmation link")?;
        let status = client
            .post(&link)
            .header("x-forwarded-for", signer_address(500 + i))
            .send()
            .await?
            .status();
        anyhow::ensure!(status == 200, "confirming answered {status}");
    }

    // The outage: new signers, and the confirmed ones signing again ("already signed").
    first.stop().await;
    let down_at = Instant::now();
    let late: Vec<String> = (0..40).map(|i| format!("late{i}@example.org")).collect();
    sign_each(&client, &base, &late[..20], 1000).await?;
    sign_each(&client, &base, &early[..10], 2000).await?;
    tokio::time::sleep(outage / 2).await;
    sign_each(&client, &base, &late[20..], 3000).await?;
    sign_each(&client, &base, &early[10..], 4000).await?;
    tokio::time::sleep(outage.saturating_sub(down_at.elapsed())).await;

    // Back on the same port.
    let second = TestSmtpServer::start_on(port, SmtpOptions::default()).await?;
    let up_at = Instant::now();
    let expected = late.len() + early.len();
    let limit = outage * 2 + Duration::from_secs(60);
    let after = wait_for(&second, expected, limit).await;
    let all_delivered = up_at.elapsed();
    // Anything sent twice would arrive within a few worker polls more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after_settled = second.messages();
    let attempts = second.attempts();
    drop(service);
    second.stop().await;

    let mut per_recipient: HashMap<String, usize> = HashMap::new();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for message in before.iter().chain(after_settled.iter()) {
        for to in &message.rcpt_to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
        *per_id
            .entry(message.header("Message-ID").unwrap_or_default())
            .or_default() += 1;
    }
    let missing = late
        .iter()
        .filter(|e| per_recipient.get(*e).copied().unwrap_or(0) == 0)
        .count()
        + early
            .iter()
            .filter(|e| per_recipient.get(*e).copied().unwrap_or(0) < 2)
            .count();
    let twice = late
        .iter()
        .filter(|e| per_recipient.get(*e).copied().unwrap_or(0) > 1)
        .count()
        + early
            .iter()
            .filter(|e| per_recipient.get(*e).copied().unwrap_or(0) > 2)
            .count()
        + per_id.values().filter(|n| **n > 1).count();
    let figures = format!(
        "SMTP down {}; {expected} emails queued meanwhile ({} new signers, {} already \
         signed); after it came back: {} delivered in {}, {attempts} delivery attempts; \
         missing {missing}, duplicated {twice}",
        secs(outage),
        late.len(),
        early.len(),
        after.len(),
        secs(all_delivered),
    );
    let pass = missing == 0 && twice == 0 && after_settled.len() == expected;
    Ok(Row {
        scenario: "smtp-down",
        database: "SQLite",
        pass: verdict("smtp-down", pass, &figures),
        figures,
    })
}

// ---------------------------------------------------------------------------------------
// many-addresses

/// The n-th client address: four in five IPv6 from distinct /64s, the rest IPv4.
fn flood_address(n: usize) -> String {
    if n % 5 == 4 {
        let v4 = n / 5;
        format!(
            "100.{}.{}.{}",
            64 + ((v4 >> 16) & 63),
            (v4 >> 8) & 255,
            v4 & 255
        )
    } else {
        format!("2001:db8:{:x}:{:x}::1", (n >> 16) & 0xffff, n & 0xffff)
    }
}

async fn many_addresses(binary: &Path, addresses: usize) -> anyhow::Result<Row> {
    /// Requests per second at most, so the run stays near two and a half minutes.
    const RATE: usize = 8000;
    const CONNECTIONS: usize = 32;
    const TIME_LIMIT: Duration = Duration::from_secs(150);
    let dir = tempfile::tempdir()?;
    let smtp = TestSmtpServer::start().await?;
    let db = RunDb::create(DbKind::Sqlite, dir.path()).await?;
    let service = start(binary, &db, dir.path(), &smtp.url()).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = service.rss_kib()?;

    let client = http_client(CONNECTIONS)?;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        let (client, base, next) = (client.clone(), service.base(), next.clone());
        tasks.spawn(async move {
            let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
            // Each connection keeps its share of the rate.
            let mut tick = tokio::time::interval(Duration::from_micros(
                (1_000_000 * CONNECTIONS / RATE) as u64,
            ));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                if started.elapsed() > TIME_LIMIT {
                    break;
                }
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n >= addresses {
                    break;
                }
                tick.tick().await;
                // Not a form: counted by the sign limit, refused before the database.
                let status = client
                    .post(format!("{base}/letters/{DEMO_SLUG}/sign"))
                    .header("x-forwarded-for", flood_address(n))
                    .body("x")
                    .send()
                    .await
                    .map(|r| r.status().as_u16().to_string())
                    .unwrap_or_else(|_| "conn-error".into());
                *statuses.entry(status).or_default() += 1;
            }
            statuses
        });
    }
    // Peak memory, sampled while the flood runs.
    let sampler = {
        let (pid, done) = (service.pid(), done.clone());
        tokio::spawn(async move {
            let mut peak = 0u64;
            while !done.load(Ordering::SeqCst) {
                if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    && let Some(kib) = status
                        .lines()
                        .find_map(|l| l.strip_prefix("VmRSS:"))
                        .and_then(|v| v.split_whitespace().next())
                        .and_then(|v| v.parse::<u64>().ok())
                {
                    peak = peak.max(kib);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            peak
        })
    };
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    while let Some(part) = tasks.join_next().await {
        for (k, v) in part? {
            *statuses.entry(k).or_default() += v;
        }
    }
    let flood = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let peak = sampler.await?.max(service.rss_kib()?);
    let sent: usize = statuses.values().sum();
    // A key is forgotten once its limit fully recovered (one request: 6 s at 10 a minute)
    // and a sweep ran (every second here).
    tokio::time::sleep(Duration::from_secs(15)).await;
    let after = service.rss_kib()?;
    let alive = client
        .get(format!("{}/readyz", service.base()))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0);
    drop(service);
    db.drop().await;
    smtp.stop().await;

    let answers = statuses
        .iter()
        .map(|(k, v)| format!("{k}×{v}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mib = |kib: u64| kib as f64 / 1024.0;
    let figures = format!(
        "{sent} distinct addresses in {} ({:.0}/s; answers {answers}); RSS idle {:.1} MiB, \
         peak {:.1} MiB, 15 s after the flood {:.1} MiB ({:.2}× idle); /readyz {alive}",
        secs(flood),
        sent as f64 / flood.as_secs_f64(),
        mib(idle),
        mib(peak),
        mib(after),
        after as f64 / idle as f64,
    );
    let server_errors = statuses
        .iter()
        .filter(|(k, _)| k.starts_with('5') || k.as_str() == "conn-error")
        .map(|(_, v)| v)
        .sum::<usize>();
    let pass = after <= 2 * idle && server_errors == 0 && alive == 200;
    Ok(Row {
        scenario: "many-addresses",
        database: "SQLite",
        pass: verdict("many-addresses", pass, &figures),
        figures,
    })
}

/// A sign-form stamp of the demo letter (the first letter of a fresh database) rendered a
/// minute ago, minted with the services' `FORM_SECRET` as their pages would.
fn demo_form_stamp() -> String {
    undersigned::abuse::FormStamps::new(b"the fault benchmark's form secret")
        .mint(1, chrono::Utc::now() - chrono::Duration::minutes(1))
}
