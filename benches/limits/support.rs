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
}

impl Env {
    /// SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set.
    pub async fn all() -> anyhow::Result<Vec<Env>> {
        let mut all = vec![Env {
            label: "SQLite",
            admin: None,
            dir: tempfile::tempdir()?,
            made: Mutex::new(Vec::new()),
        }];
        if let Ok(admin) = std::env::var("TEST_DATABASE_URL") {
            all.push(Env {
                label: "PostgreSQL",
                admin: Some(admin),
                dir: tempfile::tempdir()?,
                made: Mutex::new(Vec::new()),
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
        // Fields after the command name (which may hold spaces) start after ") ".
        let rest = stat
            .rsplit_once(") ")
            .map(|(_, r)| r)
            .ok_or_else(|| anyhow::anyhow!("unreadable /proc/{pid}/stat"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> f64 { fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0.0) };
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
        Ok((ticks(11) + ticks(12)) / 100.0)
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
