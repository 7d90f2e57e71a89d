//! Slow clients against the real server: `/healthz` latency while 1,000 slow header
//! senders hold connections, and the time shutdown takes with them connected.
//!
//! `cargo bench --bench slow_clients` runs on SQLite (the database plays no part here).
//! The slow senders connect from 127.0.0.2 (Linux routes 127.0.0.0/8 to `lo`), send half
//! a header, then one byte a second, and reconnect whenever the server cuts them, as a
//! determined attacker would. The measuring client connects from 127.0.0.1 with a new
//! connection per request, so every request also goes through the accept loop.
//! Requests are paced at 50 a second, so the measurement spans the senders' reconnects.
//! Four runs: no slow senders; 1,000 under the default caps (100 per address, so most
//! are refused and keep reconnecting); 1,000 all admitted (per-address cap raised), the
//! most the server then holds; and the same with a header timeout longer than the
//! shutdown timeout, so only the shutdown timeout ends them.
//! `BENCH_SLOW` and `BENCH_REQUESTS` change the load.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;
use tokio_util::sync::CancellationToken;
use undersigned::{Application, Clock, Settings};

const ATTACKER: &str = "127.0.0.2";

fn main() -> anyhow::Result<()> {
    let slow: usize = env_number("BENCH_SLOW", 1_000);
    let requests: usize = env_number("BENCH_REQUESTS", 200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let defaults = Settings::default();
    println!(
        "slow senders: {slow} from {ATTACKER}; /healthz requests: {requests}, one at a time, \
         each on a new connection from 127.0.0.1"
    );
    println!(
        "shutdown_timeout {} s, max_connections {}\n",
        defaults.shutdown_timeout.as_secs(),
        defaults.max_connections
    );
    println!(
        "| slow senders | per-address cap | header timeout | /healthz p50 | p99 | max | failed | slow connects | shutdown |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let cap = defaults.max_connections_per_address;
    let header = defaults.header_read_timeout;
    let all_in = (slow * 2) as u32;
    runtime.block_on(run(0, cap, header, requests))?;
    runtime.block_on(run(slow, cap, header, requests))?;
    runtime.block_on(run(slow, all_in, header, requests))?;
    runtime.block_on(run(slow, all_in, Duration::from_secs(60), requests))?;
    Ok(())
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn run(
    slow: usize,
    per_address: u32,
    header_read_timeout: Duration,
    requests: usize,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let settings = Settings {
        database_url: format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()).into(),
        bind: "127.0.0.1:0".parse()?,
        base_url: "http://bench.invalid".parse()?,
        mail_dir: dir.path().join("mail"),
        run_worker: false,
        max_connections_per_address: per_address,
        header_read_timeout,
        ..Settings::default()
    };
    let app = Application::build(settings, Clock::System).await?;
    let port = app.port();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));

    // The slow senders; `connects` counts every connection they open.
    let stop = CancellationToken::new();
    let connects = Arc::new(AtomicUsize::new(0));
    let first_round = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::with_capacity(slow);
    for _ in 0..slow {
        senders.push(tokio::spawn(slow_sender(
            port,
            stop.clone(),
            connects.clone(),
            first_round.clone(),
        )));
    }
    // Measure once every sender has connected at least once.
    while first_round.load(Ordering::Relaxed) < slow {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connects_before = connects.load(Ordering::Relaxed);

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut latencies = Vec::with_capacity(requests);
    let mut failed = 0;
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    let measuring = Instant::now();
    for _ in 0..requests {
        pace.tick().await;
        let started = Instant::now();
        match client.get(&url).send().await {
            Ok(r) if r.status().is_success() => latencies.push(started.elapsed()),
            _ => failed += 1,
        }
    }
    let measured_for = measuring.elapsed();
    let slow_connects = connects.load(Ordering::Relaxed) - connects_before;

    let signalled = Instant::now();
    shutdown.cancel();
    server.await??;
    let shutdown_took = signalled.elapsed();
    stop.cancel();
    for sender in senders {
        sender.await.ok();
    }

    let (p50, p99, max) = percentiles(latencies);
    println!(
        "| {slow} | {per_address} | {} s | {p50:.2} ms | {p99:.2} ms | {max:.2} ms | {failed} | {:.0}/s | {:.2} s |",
        header_read_timeout.as_secs(),
        slow_connects as f64 / measured_for.as_secs_f64(),
        shutdown_took.as_secs_f64()
    );
    Ok(())
}

/// Sends half a header, then a byte a second; reconnects when cut, until `stop`.
async fn slow_sender(
    port: u16,
    stop: CancellationToken,
    connects: Arc<AtomicUsize>,
    first_round: Arc<AtomicUsize>,
) {
    let mut counted = false;
    while !stop.is_cancelled() {
        let connected = async {
            let socket = TcpSocket::new_v4()?;
            socket.bind(
                format!("{ATTACKER}:0")
                    .parse()
                    .map_err(std::io::Error::other)?,
            )?;
            socket.connect(([127, 0, 0, 1], port).into()).await
        }
        .await;
        if !counted {
            counted = true;
            first_round.fetch_add(1, Ordering::Relaxed);
        }
        let mut stream = match connected {
            Ok(stream) => stream,
            Err(_) => {
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                }
            }
        };
        connects.fetch_add(1, Ordering::Relaxed);
        if stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nX-Slow: ")
            .await
            .is_err()
        {
            continue;
        }
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            if stream.write_all(b"a").await.is_err() {
                break;
            }
        }
    }
}

fn percentiles(mut latencies: Vec<Duration>) -> (f64, f64, f64) {
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    (at(0.50), at(0.99), at(1.0))
}
