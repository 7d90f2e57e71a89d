//! What every row of the limits bench needs: a database per measurement, the service as
//! a process of its own, and an open-loop load at a fixed arrival rate.

// Not every row uses every helper here.
#![allow(dead_code)]

use std::future::Future;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use sea_orm::{ConnectionTrait, Database};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

/// One database kind the bench runs on.
pub struct Env {
    /// "SQLite" or "PostgreSQL".
    pub label: &'static str,
    /// The server's admin URL (PostgreSQL), or None for SQLite.
    admin: Option<String>,
    dir: tempfile::TempDir,
    made: Mutex<Vec<String>>,
    /// The signing rate the service kept up with in this environment's signing row, for
    /// the rows that need a load it keeps up with (memory).
    signing_rate: Mutex<Option<f64>>,
}

impl Env {
    /// SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set; `BENCH_ONLY=sqlite` or
    /// `BENCH_ONLY=postgres` keeps one of them.
    pub async fn all() -> anyhow::Result<Vec<Env>> {
        let only = std::env::var("BENCH_ONLY")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut all = Self::configured()?;
        all.retain(|env| match only.as_str() {
            "sqlite" => !env.is_postgres(),
            "postgres" | "postgresql" => env.is_postgres(),
            _ => true,
        });
        Ok(all)
    }

    fn configured() -> anyhow::Result<Vec<Env>> {
        let mut all = vec![Env {
            label: "SQLite",
            admin: None,
            dir: tempfile::tempdir()?,
            made: Mutex::new(Vec::new()),
            signing_rate: Mutex::new(None),
        }];
        if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
            all.push(Env {
                label: "PostgreSQL",
                admin: Some(admin),
                dir: tempfile::tempdir()?,
                made: Mutex::new(Vec::new()),
                signing_rate: Mutex::new(None),
            });
        }
        Ok(all)
    }

    pub fn is_postgres(&self) -> bool {
        self.admin.is_some()
    }

    /// A scratch directory that lives as long as this environment.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The URL of a new, empty database named after `name`.
    pub async fn fresh_database(&self, name: &str) -> anyhow::Result<String> {
        match &self.admin {
            None => Ok(format!(
                "sqlite://{}/{name}.db?mode=rwc",
                self.dir.path().display()
            )),
            Some(admin) => {
                let db = format!("undersigned_limits_{name}_{:08x}", rand::random::<u32>());
                let conn = Database::connect(admin).await?;
                conn.execute_unprepared(&format!("CREATE DATABASE \"{db}\""))
                    .await?;
                conn.close().await?;
                self.made.lock().await.push(db.clone());
                let mut url = url::Url::parse(admin)?;
                url.set_path(&format!("/{db}"));
                Ok(url.to_string())
            }
        }
    }

    /// Notes the signing rate the service kept up with here.
    pub async fn set_signing_rate(&self, rate: f64) {
        *self.signing_rate.lock().await = Some(rate);
    }

    /// The signing rate noted by [`Env::set_signing_rate`], if any.
    pub async fn signing_rate(&self) -> Option<f64> {
        *self.signing_rate.lock().await
    }

    /// Drops the databases this environment made.
    pub async fn finish(&self) -> anyhow::Result<()> {
        if let Some(admin) = &self.admin {
            let conn = Database::connect(admin).await?;
            for db in self.made.lock().await.drain(..) {
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                    .await?;
            }
            conn.close().await?;
        }
        Ok(())
    }
}

/// The release binary, run as `serve` or `worker` with settings from `UNDERSIGNED_*`.
pub struct Service {
    child: Child,
    pub port: u16,
    pub base: String,
    /// The PostgreSQL database it runs on (None on SQLite), for its server's CPU.
    postgres_database: Option<String>,
}

impl Service {
    /// Starts `undersigned <command>` on `database_url` with `settings` (name, value pairs
    /// as in the TOML file, e.g. ("run_worker", "false")) and waits for `/healthz`.
    /// Migrations run on start.
    pub async fn start(
        command: &str,
        database_url: &str,
        settings: &[(&str, String)],
    ) -> anyhow::Result<Service> {
        let port = free_port()?;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_undersigned"));
        cmd.arg(command)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("UNDERSIGNED_DATABASE_URL", database_url)
            .env("UNDERSIGNED_BIND", format!("127.0.0.1:{port}"))
            .env("UNDERSIGNED_BASE_URL", "http://bench.invalid")
            .env("UNDERSIGNED_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (name, value) in settings {
            cmd.env(format!("UNDERSIGNED_{}", name.to_ascii_uppercase()), value);
        }
        let child = cmd.spawn()?;
        let service = Service {
            child,
            port,
            base: format!("http://127.0.0.1:{port}"),
            postgres_database: postgres_database(database_url),
        };
        if command == "serve" {
            service.wait_healthy().await?;
        }
        Ok(service)
    }

    async fn wait_healthy(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "the service did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The process id, for reading its memory and CPU in /proc.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory of the process, in MiB, from /proc.
    pub fn rss_mib(&self) -> anyhow::Result<f64> {
        let pid = self
            .pid()
            .ok_or_else(|| anyhow::anyhow!("the service exited"))?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no VmRSS for {pid}"))?;
        Ok(kib / 1024.0)
    }

    /// CPU seconds (user + system) the process has used, from /proc.
    pub fn cpu_secs(&self) -> anyhow::Result<f64> {
        let pid = self
            .pid()
            .ok_or_else(|| anyhow::anyhow!("the service exited"))?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        Ok(stat_cpu_secs(&stat))
    }

    /// Stops the process (SIGKILL: the bench has what it needs by then).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// What an open-loop run saw.
#[derive(Debug)]
pub struct LoadResult {
    /// Requests sent (every one that was due).
    pub sent: u64,
    /// Requests that succeeded.
    pub ok: u64,
    /// Successes per second over the run, from the first send to the last answer.
    pub throughput: f64,
    /// Latency from when each request was due (not when it went out), so a stalled
    /// service is charged for the requests that waited: no coordinated omission.
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl LoadResult {
    /// True when the service kept up: nearly everything succeeded and the tail stayed
    /// under `p99_ceiling`.
    pub fn kept_up(&self, p99_ceiling: Duration) -> bool {
        self.sent > 0
            && self.ok as f64 >= 0.99 * self.sent as f64
            && self.p99_ms <= p99_ceiling.as_secs_f64() * 1000.0
    }
}

/// Sends `request(i)` at `rate` per second for `duration`, each at its due time whether or
/// not earlier ones have been answered (at most `max_in_flight` outstanding; a request
/// that finds no slot is counted as sent and failed). `request` returns whether it
/// succeeded.
pub async fn open_loop<F, Fut>(
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
    request: F,
) -> anyhow::Result<LoadResult>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let histogram = Arc::new(std::sync::Mutex::new(Histogram::<u64>::new_with_bounds(
        1,
        600_000_000,
        3,
    )?));
    let ok = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let slots = Arc::new(tokio::sync::Semaphore::new(max_in_flight));
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let fut = request(i);
        let (histogram, ok) = (histogram.clone(), ok.clone());
        tasks.spawn(async move {
            let succeeded = fut.await;
            let micros = due.elapsed().as_micros().max(1) as u64;
            drop(permit);
            if succeeded {
                ok.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                SUCCEEDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if let Ok(mut h) = histogram.lock() {
                let _ = h.record(micros);
            }
        });
        // Reap finished tasks as we go so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let ok = ok.load(std::sync::atomic::Ordering::Relaxed);
    let h = histogram
        .lock()
        .map_err(|_| anyhow::anyhow!("latency histogram poisoned"))?;
    Ok(LoadResult {
        sent: total,
        ok,
        throughput: ok as f64 / elapsed,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
    })
}

/// A number from the environment (`BENCH_*`), or `full` (or `quick` under `BENCH_QUICK=1`).
pub fn setting(name: &str, full: f64, quick: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if is_quick() { quick } else { full })
}

/// Whether the row group `name` runs: `BENCH_ROWS` (a comma-separated list of signing,
/// hot, confirming, pages, mail, memory) keeps only those named; unset, all run.
pub fn wants(name: &str) -> bool {
    match std::env::var("BENCH_ROWS") {
        Ok(list) if !list.trim().is_empty() => list.split(',').any(|r| r.trim() == name),
        _ => true,
    }
}

/// The planner's statistics after a bulk load, as autovacuum would gather them before
/// long: without them PostgreSQL plans the quarantine checks on a large letter as if
/// the table were empty.
pub async fn analyze(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// `BENCH_QUICK=1`: short durations, for trying the bench out rather than for figures.
pub fn is_quick() -> bool {
    std::env::var("BENCH_QUICK").is_ok_and(|v| v != "0" && !v.is_empty())
}

/// A duration in seconds from the environment, as [`setting`].
pub fn seconds(name: &str, full: f64, quick: f64) -> Duration {
    Duration::from_secs_f64(setting(name, full, quick).max(0.1))
}

/// Settings every service run of the bench shares: requests come through a trusted proxy
/// (127.0.0.1) that names each client in `X-Forwarded-For`, the per-address connection
/// cap fits one load generator behind that proxy, scripted signers may send the form at
/// once (the stamp is still checked), and the per-letter limits are raised to fit the
/// run. Everything else keeps its default.
pub fn service_settings(mail_dir: &std::path::Path) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("trusted_proxies", "127.0.0.1/32".into()),
        ("sign_min_fill_secs", "0".into()),
        ("max_connections_per_address", "100000".into()),
        ("letter_signings_per_minute", "10000000".into()),
        ("under_attack_threshold_per_minute", "10000000".into()),
        ("mail_dir", mail_dir.display().to_string()),
    ];
    settings.extend(extra_settings());
    settings
}

/// Settings from `BENCH_SETTINGS` ("name=value,name=value"), for trying a setting (say
/// `write_batch_lanes=8`) without changing the bench. Names are leaked: a few per run.
fn extra_settings() -> Vec<(&'static str, String)> {
    std::env::var("BENCH_SETTINGS")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| {
            let name: &'static str = Box::leak(name.trim().to_string().into_boxed_str());
            (name, value.trim().to_string())
        })
        .collect()
}

/// Runs `undersigned migrate` on `database_url` and waits for it.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let status = Command::new(env!("CARGO_BIN_EXE_undersigned"))
        .arg("migrate")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("UNDERSIGNED_DATABASE_URL", database_url)
        .env("UNDERSIGNED_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .await?;
    anyhow::ensure!(status.success(), "`undersigned migrate` failed: {status}");
    Ok(())
}

/// A connection of the bench's own to a database the service uses, opened the way the
/// service opens it (WAL and synchronous=NORMAL on SQLite).
pub async fn connect(
    database_url: &str,
    max_connections: u32,
) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let settings = undersigned::Settings {
        database_url: database_url.to_string().into(),
        database_max_connections: max_connections,
        database_acquire_timeout: Duration::from_secs(60),
        database_statement_timeout: Duration::from_secs(600),
        sqlite_busy_timeout: Duration::from_secs(60),
        ..undersigned::Settings::default()
    };
    undersigned::db::connect(&settings).await
}

/// Creates an open letter that individuals and organisations may sign; returns its id.
pub async fn create_letter(db: &sea_orm::DatabaseConnection, slug: &str) -> anyhow::Result<i64> {
    use undersigned::store::letters::{self, NewLetter};
    // A body of the length of a real appeal, so rendering it costs what it costs.
    let paragraph = "We, the undersigned organisations, call on the institutions named \
        below to make lasting reforms a condition of every agreement, and to say so \
        **in public**. See [the appeal](https://example.org/appeal) for the sources.";
    let body = (0..12)
        .map(|i| format!("## Part {i}\n\n{paragraph}\n\n- one point\n- another point\n"))
        .collect::<Vec<_>>()
        .join("\n");
    let letter = letters::create(
        db,
        NewLetter {
            summary: "For measuring.".into(),
            ..crate::common::letter(slug, &format!("Benchmark letter {slug}"), body)
        },
        chrono::Utc::now(),
    )
    .await?;
    Ok(letter.id)
}

/// The HTTP client of the load: no redirects (a signing answers 303), a large pool.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4096)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The render-time stamp of a letter's sign form, as the older benches read it.
pub use crate::common::form_stamp;

/// A client address of its own /24 for every `per_address` requests, so each address
/// stays within its burst and each network within the per-prefix rules.
pub fn client_ip(i: u64, per_address: u64) -> String {
    let k = i / per_address.max(1);
    format!(
        "10.{}.{}.{}",
        (k / 250) % 250,
        k % 250,
        1 + (k / 62_500) % 250
    )
}

/// The highest arrival rate a path kept up with, and what the load saw there.
#[derive(Debug)]
pub struct Sustained {
    /// Requests per second offered at the highest step kept; 0 when none was kept.
    pub rate: f64,
    pub at: LoadResult,
}

/// Steps the arrival rate up from `start` by `BENCH_STEP_FACTOR` (1.25) per step of
/// `BENCH_STEP_SECS` (5 s) until the path no longer keeps up (≥ 99 % ok and p99 under
/// `BENCH_P99_MS`, 250 ms; a missed step is tried once more after a pause; a start that
/// is already too high comes down by two steps at a time), then tries once between the last rate kept and the first
/// missed. `request(i)` gets a number unique over the whole climb.
pub async fn step_up<F, Fut>(label: &str, start: f64, request: F) -> anyhow::Result<Sustained>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let factor = setting("BENCH_STEP_FACTOR", 1.25, 1.5).max(1.01);
    let step = seconds("BENCH_STEP_SECS", 5.0, 2.0);
    let ceiling = Duration::from_secs_f64(setting("BENCH_P99_MS", 250.0, 250.0) / 1000.0);
    let max_steps = setting("BENCH_MAX_STEPS", 25.0, 12.0) as usize;
    let max_in_flight = setting("BENCH_MAX_IN_FLIGHT", 2048.0, 2048.0) as usize;
    let next = std::sync::atomic::AtomicU64::new(0);
    let mut rate = start.max(1.0);
    let mut best: Option<Sustained> = None;
    let mut missed: Option<(f64, LoadResult)> = None;
    let mut retried = false;
    let offset = |n: &std::sync::atomic::AtomicU64, count: u64| {
        n.fetch_add(count, std::sync::atomic::Ordering::Relaxed)
    };
    for _ in 0..max_steps {
        let base = offset(&next, (rate * step.as_secs_f64()).round() as u64 + 1);
        let result = open_loop(rate, step, max_in_flight, |i| request(base + i)).await?;
        eprintln!(
            "  {label}: {rate:.0}/s offered, {:.0}/s ok, p50 {:.1} ms, p99 {:.1} ms, {}/{} ok",
            result.throughput, result.p50_ms, result.p99_ms, result.ok, result.sent
        );
        if result.kept_up(ceiling) {
            best = Some(Sustained { rate, at: result });
            retried = false;
            if missed.is_some() {
                // Found on the way down: the first rate missed is above.
                break;
            }
            rate *= factor;
        } else if !retried {
            // One miss may be a hiccup of a shared machine: after a pause, the same
            // rate once more.
            retried = true;
            tokio::time::sleep(step).await;
        } else {
            missed = Some((rate, result));
            retried = false;
            if best.is_some() {
                break;
            }
            // The start was already too high: come down.
            rate /= factor * factor;
            tokio::time::sleep(step).await;
        }
    }
    // One more step halfway (geometrically) between the last kept and the first missed.
    if let (Some(kept), Some((miss, _))) = (&best, &missed) {
        let between = (kept.rate * miss).sqrt();
        // A pause lets the backlog of the missed step drain first.
        tokio::time::sleep(step).await;
        let base = offset(&next, (between * step.as_secs_f64()).round() as u64 + 1);
        let result = open_loop(between, step, max_in_flight, |i| request(base + i)).await?;
        eprintln!(
            "  {label}: {between:.0}/s offered, {:.0}/s ok, p50 {:.1} ms, p99 {:.1} ms, {}/{} ok",
            result.throughput, result.p50_ms, result.p99_ms, result.ok, result.sent
        );
        if result.kept_up(ceiling) {
            best = Some(Sustained {
                rate: between,
                at: result,
            });
        }
    }
    match (best, missed) {
        (Some(best), _) => Ok(best),
        (None, Some((_, at))) => Ok(Sustained { rate: 0.0, at }),
        (None, None) => anyhow::bail!("{label}: no step ran"),
    }
}

/// A rough capacity, from `concurrency` requests at a time for `duration` (closed loop):
/// where the open-loop climb starts (half of it), so it needs few steps.
pub async fn probe<F, Fut>(concurrency: usize, duration: Duration, request: F) -> f64
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    use futures::StreamExt;
    let start = Instant::now();
    let done = futures::stream::iter(0u64..)
        .take_while(|_| std::future::ready(start.elapsed() < duration))
        .map(&request)
        .buffer_unordered(concurrency)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    SUCCEEDED.fetch_add(done as u64, std::sync::atomic::Ordering::Relaxed);
    done as f64 / start.elapsed().as_secs_f64()
}

/// Successful requests of every load so far (probes and open-loop steps), so a row can
/// tell how much service CPU one request took.
static SUCCEEDED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Lines "what: CPU per request" for the report, in the order measured.
static CPU_NOTES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A service's CPU time (and its PostgreSQL server's) and the successful requests so
/// far, to measure from.
pub struct CpuMark {
    cpu_secs: f64,
    postgres_cpu_secs: Option<f64>,
    succeeded: u64,
}

impl Service {
    /// Where to measure CPU per request from.
    pub fn cpu_mark(&self) -> CpuMark {
        CpuMark {
            cpu_secs: self.cpu_secs().unwrap_or(0.0),
            postgres_cpu_secs: self.postgres_database.as_deref().map(postgres_cpu_secs),
            succeeded: SUCCEEDED.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Notes the service's CPU per successful request since `mark` (every load step of a
    /// climb, each run near or at the service's limit), and its PostgreSQL server's, for
    /// the capacity model.
    pub fn note_cpu_since(&self, what: &str, mark: CpuMark) {
        let done = SUCCEEDED
            .load(std::sync::atomic::Ordering::Relaxed)
            .saturating_sub(mark.succeeded);
        let cpu = self.cpu_secs().unwrap_or(0.0) - mark.cpu_secs;
        note_cpu(what, cpu, done);
        if let (Some(database), Some(before)) =
            (self.postgres_database.as_deref(), mark.postgres_cpu_secs)
        {
            note_postgres_cpu(what, postgres_cpu_secs(database) - before, done);
        }
    }
}

/// The database name of a PostgreSQL URL; None for any other database.
pub fn postgres_database(url: &str) -> Option<String> {
    if !url.starts_with("postgres") {
        return None;
    }
    let path = url.rsplit_once('/')?.1;
    Some(path.split('?').next().unwrap_or(path).to_string())
}

/// CPU seconds (user + system) the local PostgreSQL server spent for `database`: its
/// backends connected to that database, plus the server's shared processes (WAL writer,
/// checkpointer, background writer, autovacuum), which work for every database but on a
/// bench machine mostly for the one under load. A backend is told by its process title
/// (`postgres: 15/main: user database host(port) state`). Backends that exit before the
/// end of a measure lose their time, so measure over a pool that stays connected.
pub fn postgres_cpu_secs(database: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let ours = format!(" {database} ");
    let shared = [
        "walwriter",
        "checkpointer",
        "background writer",
        "autovacuum",
    ];
    let mut total = 0.0;
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if comm.trim() != "postgres" {
            continue;
        }
        let title = std::fs::read(path.join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        if !title.contains(&ours) && !shared.iter().any(|s| title.contains(s)) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(path.join("stat")) {
            total += stat_cpu_secs(&stat);
        }
    }
    total
}

/// utime + stime of a /proc/<pid>/stat line, in seconds.
fn stat_cpu_secs(stat: &str) -> f64 {
    // Fields after the command name (which may hold spaces) start after ") ".
    let Some((_, rest)) = stat.rsplit_once(") ") else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> f64 { fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0.0) };
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    (ticks(11) + ticks(12)) / 100.0
}

/// Notes `cpu_secs` of PostgreSQL CPU spent on `done` requests.
pub fn note_postgres_cpu(what: &str, cpu_secs: f64, done: u64) {
    note(what, "PostgreSQL", cpu_secs, done);
}

/// Notes `cpu_secs` of service CPU spent on `done` requests (or emails).
pub fn note_cpu(what: &str, cpu_secs: f64, done: u64) {
    note(what, "service", cpu_secs, done);
}

/// Prints and keeps one CPU note: `whose` CPU per request over `done` requests.
fn note(what: &str, whose: &str, cpu_secs: f64, done: u64) {
    if done == 0 {
        return;
    }
    let line = format!(
        "{what}: {:.3} ms of {whose} CPU each ({done} in {cpu_secs:.1} s)",
        cpu_secs * 1000.0 / done as f64
    );
    eprintln!("  {line}");
    if let Ok(mut notes) = CPU_NOTES.lock() {
        notes.push(line);
    }
}

/// The CPU notes so far.
pub fn cpu_notes() -> Vec<String> {
    CPU_NOTES.lock().map(|n| n.clone()).unwrap_or_default()
}
