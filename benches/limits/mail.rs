//! Row P5 of the limits bench: the outbox worker keeps up with signing.
//!
//! - **drain**: the outbox is filled with confirmation emails (signing over HTTP with the
//!   worker off), then `undersigned worker` sends them over pooled SMTP to a sink of the
//!   bench's own; its rate is compared with a plain pooled lettre loop sending as many
//!   messages of the same size, at the same concurrency, to the same sink, in the same run.
//! - **sustained**: 60 s of signing at a fixed rate with `serve` running its worker; the
//!   figure is how long after the last signing the outbox was empty.
//!
//! `BENCH_MAIL_EMAILS` (default 4000), `BENCH_MAIL_CONCURRENCY` (8), `BENCH_MAIL_RATE`
//! (signings/s of the sustained run, 200) and `BENCH_MAIL_SECS` (60) change the load.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use lettre::message::{Mailbox, MultiPart, SinglePart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use undersigned::entities::LetterStatus;
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::report::Measured;
use crate::support::{Env, Service, open_loop};

const SLUG: &str = "mail-bench";

pub async fn run(env: &Env) -> anyhow::Result<Vec<Measured>> {
    let emails = env_number("BENCH_MAIL_EMAILS", 4000);
    let concurrency = env_number("BENCH_MAIL_CONCURRENCY", 8);
    let rate = env_number("BENCH_MAIL_RATE", 200);
    let secs = env_number("BENCH_MAIL_SECS", 60);
    let mut rows = Vec::new();
    rows.push(drain(env, emails, concurrency).await?);
    rows.push(
        sustained(
            env,
            rate as f64,
            Duration::from_secs(secs as u64),
            concurrency,
        )
        .await?,
    );
    Ok(rows)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The drain rate of `undersigned worker` against a plain pooled lettre loop.
async fn drain(env: &Env, emails: usize, concurrency: usize) -> anyhow::Result<Measured> {
    let sink = Sink::start().await?;
    let settings = service_settings(&sink, concurrency, false);
    let MailTarget {
        url,
        serve,
        db,
        signer,
    } = MailTarget::start(env, "mail_drain", &settings).await?;
    let signed: usize = futures::stream::iter(0..emails as u64)
        .map(|i| signer.sign(i))
        .buffer_unordered(32)
        .filter(|ok| futures::future::ready(*ok))
        .count()
        .await;
    serve.stop().await?;
    anyhow::ensure!(signed == emails, "{signed} of {emails} signings succeeded");
    anyhow::ensure!(
        pending(&db).await? == emails as i64,
        "the outbox does not hold {emails} pending emails"
    );

    // The service: the worker process, from its first message to its last.
    let database = crate::support::postgres_database(&url);
    let postgres_before = database.as_deref().map(crate::support::postgres_cpu_secs);
    let worker = Service::start("worker", &url, &settings).await?;
    let sent = sink
        .wait_for(emails as u64, Duration::from_secs(600))
        .await?;
    let label = format!("{} worker, emails drained", env.label);
    crate::support::note_cpu(&label, worker.cpu_secs()?, emails as u64);
    if let (Some(database), Some(before)) = (database.as_deref(), postgres_before) {
        let spent = crate::support::postgres_cpu_secs(database) - before;
        crate::support::note_postgres_cpu(&label, spent, emails as u64);
    }
    // The sink counts a message before the worker hears its 250 and marks the row: give
    // the worker a moment to mark the last ones before it is stopped and checked.
    let marked_by = Instant::now() + Duration::from_secs(10);
    while pending(&db).await? > 0 && Instant::now() < marked_by {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.stop().await?;
    let service_rate = sent.rate();
    let size = sent.mean_size();
    anyhow::ensure!(
        pending(&db).await? == 0,
        "the worker left pending rows after sending every email"
    );
    db.close().await?;

    // The limit: lettre alone, as many messages of the same size to the same sink.
    sink.reset();
    lettre_loop(&sink, emails, concurrency, size).await?;
    let plain = sink
        .wait_for(emails as u64, Duration::from_secs(600))
        .await?;
    let plain_rate = plain.rate();
    println!(
        "P5 drain, {}: {emails} emails of ~{size} bytes, {concurrency} at once: worker {service_rate:.0}/s, lettre {plain_rate:.0}/s",
        env.label
    );
    Ok(Measured {
        name: "P5 emails drained".into(),
        database: env.label.into(),
        value: service_rate,
        baseline: plain_rate,
        baseline_name: format!("pooled lettre loop, {concurrency} at once"),
        unit: "/s".into(),
        p50_ms: None,
        p99_ms: None,
        goal: 0.7,
        lower_is_better: false,
    })
}

/// Signing at `rate` for `duration` with `serve` sending as it goes; how long the outbox
/// took to empty after the last signing.
async fn sustained(
    env: &Env,
    rate: f64,
    duration: Duration,
    concurrency: usize,
) -> anyhow::Result<Measured> {
    let sink = Sink::start().await?;
    let settings = service_settings(&sink, concurrency, true);
    let MailTarget {
        serve, db, signer, ..
    } = MailTarget::start(env, "mail_sustained", &settings).await?;
    let load = open_loop(rate, duration, 2048, |i| signer.sign(i)).await?;
    let last_signing = Instant::now();
    let deadline = last_signing + Duration::from_secs(600);
    while pending(&db).await? > 0 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the outbox was not empty 10 minutes after the load"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained_after = last_signing.elapsed().as_secs_f64();
    let sent = sink.wait_for(load.ok, Duration::from_secs(30)).await?;
    serve.stop().await?;
    db.close().await?;
    println!(
        "P5 sustained, {}: {} of {} signings at {rate:.0}/s over {} s ({:.0}/s), {} emails; outbox empty {drained_after:.2} s after the last signing",
        env.label,
        load.ok,
        load.sent,
        duration.as_secs(),
        load.throughput,
        sent.count,
    );
    anyhow::ensure!(
        load.ok as f64 >= 0.99 * load.sent as f64,
        "the service did not keep the signing rate: {} of {} succeeded",
        load.ok,
        load.sent
    );
    Ok(Measured {
        name: format!(
            "P5 outbox empty after {rate:.0} signings/s for {} s",
            duration.as_secs()
        ),
        database: env.label.into(),
        // In milliseconds against one second, so the ratio reads as seconds.
        value: drained_after * 1000.0,
        baseline: 1000.0,
        baseline_name: "one second; goal: a few".into(),
        unit: " ms".into(),
        p50_ms: Some(load.p50_ms),
        p99_ms: Some(load.p99_ms),
        goal: 5.0,
        lower_is_better: true,
    })
}

/// The service's settings: SMTP to the sink, limits that let a bench's signers through
/// (each request from its own client address, through a trusted proxy, as behind a load
/// balancer), the worker on or off.
fn service_settings(
    sink: &Sink,
    concurrency: usize,
    run_worker: bool,
) -> Vec<(&'static str, String)> {
    vec![
        ("mail", "smtp".into()),
        ("smtp_url", format!("smtp://127.0.0.1:{}", sink.port)),
        ("worker_concurrency", concurrency.to_string()),
        ("run_worker", run_worker.to_string()),
        ("trusted_proxies", "127.0.0.1/32".into()),
        ("sign_min_fill_secs", "0".into()),
        ("under_attack_threshold_per_minute", "10000000".into()),
        ("letter_signings_per_minute", "10000000".into()),
    ]
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()?)
}

async fn create_letter(db: &DatabaseConnection) -> anyhow::Result<()> {
    letters::create(
        db,
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
    Ok(())
}

/// `serve` on a fresh database holding the bench letter, with `settings`, and a signer
/// for it.
struct MailTarget {
    url: String,
    serve: Service,
    db: DatabaseConnection,
    signer: Signer,
}

impl MailTarget {
    async fn start(
        env: &Env,
        name: &str,
        settings: &[(&'static str, String)],
    ) -> anyhow::Result<MailTarget> {
        let url = env.fresh_database(name).await?;
        let serve = Service::start("serve", &url, settings).await?;
        let db = Database::connect(&url).await?;
        create_letter(&db).await?;
        let client = http_client()?;
        let stamp = Arc::new(crate::support::form_stamp(&client, &serve.base, SLUG).await?);
        let base = Arc::new(serve.base.clone());
        Ok(MailTarget {
            url,
            serve,
            db,
            signer: Signer {
                client,
                base,
                stamp,
            },
        })
    }
}

/// What signing the bench letter needs.
struct Signer {
    client: reqwest::Client,
    base: Arc<String>,
    stamp: Arc<String>,
}

impl Signer {
    /// Signer `i` signs (see [`sign`]).
    fn sign(&self, i: u64) -> impl std::future::Future<Output = bool> + Send + 'static {
        sign(
            self.client.clone(),
            self.base.clone(),
            self.stamp.clone(),
            i,
        )
    }
}

/// Signer `i` signs, from a client address of its own; true on the redirect that follows
/// a signing.
async fn sign(client: reqwest::Client, base: Arc<String>, stamp: Arc<String>, i: u64) -> bool {
    let client_ip = format!("10.{}.{}.1", (i / 250) % 250, i % 250);
    let form = [
        ("kind", "individual".to_string()),
        ("name", format!("Signer {i}")),
        // Spread over a thousand domains, as real signers are.
        ("email", format!("signer{i}@org{}.example", i % 1000)),
        ("country", "FR".to_string()),
        ("version", "1".to_string()),
        ("form_stamp", stamp.to_string()),
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

/// Outbox rows not yet sent or given up.
async fn pending(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// The plain pooled lettre loop: `count` messages of about `size` bytes (plain text and
/// HTML, as the service's), `concurrency` at a time, through one pooled transport.
async fn lettre_loop(
    sink: &Sink,
    count: usize,
    concurrency: usize,
    size: usize,
) -> anyhow::Result<()> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(sink.port)
        .build();
    let from: Mailbox = "Undersigned <noreply@bench.invalid>".parse()?;
    // Half the body in each part, less what the headers and MIME boundaries take.
    let part = "x".repeat(size.saturating_sub(900) / 2);
    let failed = futures::stream::iter(0..count)
        .map(|i| {
            let (transport, from, part) = (transport.clone(), from.clone(), part.clone());
            async move {
                let message = Message::builder()
                    .from(from)
                    .to(format!("signer{i}@org{}.example", i % 1000).parse()?)
                    .subject("Please confirm your signature")
                    .message_id(Some(format!("<{i}.bench@bench.invalid>")))
                    .multipart(
                        MultiPart::alternative()
                            .singlepart(
                                SinglePart::builder()
                                    .header(header::ContentType::TEXT_PLAIN)
                                    .body(part.clone()),
                            )
                            .singlepart(
                                SinglePart::builder()
                                    .header(header::ContentType::TEXT_HTML)
                                    .body(part),
                            ),
                    )?;
                transport.send(message).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(concurrency)
        .filter(|r| futures::future::ready(r.is_err()))
        .count()
        .await;
    anyhow::ensure!(failed == 0, "{failed} of {count} lettre sends failed");
    Ok(())
}

/// An SMTP sink: speaks enough SMTP for lettre (EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT), counts messages and their bytes, and discards them.
struct Sink {
    port: u16,
    counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Counts {
    messages: AtomicU64,
    bytes: AtomicU64,
    /// Microseconds since `epoch` of the first and of the latest message.
    first_us: AtomicU64,
    last_us: AtomicU64,
    epoch: std::sync::OnceLock<Instant>,
}

/// What the sink had received when it was asked.
struct Received {
    count: u64,
    bytes: u64,
    /// From the first message to the last.
    span: Duration,
}

impl Received {
    /// Messages per second, from the first to the last (the first one starts the clock).
    fn rate(&self) -> f64 {
        let secs = self.span.as_secs_f64();
        if secs > 0.0 {
            self.count.saturating_sub(1) as f64 / secs
        } else {
            0.0
        }
    }

    fn mean_size(&self) -> usize {
        usize::try_from(self.bytes / self.count.max(1)).unwrap_or(0)
    }
}

impl Sink {
    async fn start() -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let counts = Arc::new(Counts::default());
        let _ = counts.epoch.set(Instant::now());
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counts = shared.clone();
                tokio::spawn(async move {
                    let _ = converse(stream, &counts).await;
                });
            }
        });
        Ok(Sink { port, counts, task })
    }

    fn reset(&self) {
        for n in [
            &self.counts.messages,
            &self.counts.bytes,
            &self.counts.first_us,
            &self.counts.last_us,
        ] {
            n.store(0, Ordering::SeqCst);
        }
    }

    /// Waits until `count` messages have arrived.
    async fn wait_for(&self, count: u64, within: Duration) -> anyhow::Result<Received> {
        let deadline = Instant::now() + within;
        loop {
            let messages = self.counts.messages.load(Ordering::SeqCst);
            if messages >= count {
                let first = self.counts.first_us.load(Ordering::SeqCst);
                let last = self.counts.last_us.load(Ordering::SeqCst);
                return Ok(Received {
                    count: messages,
                    bytes: self.counts.bytes.load(Ordering::SeqCst),
                    span: Duration::from_micros(last.saturating_sub(first)),
                });
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the sink received {messages} of {count} messages"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One SMTP conversation. Commands are answered in order, so pipelined commands work.
async fn converse(stream: tokio::net::TcpStream, counts: &Counts) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    // Linux delays an ACK up to 40 ms; a sender whose last segment waits for it (Nagle)
    // would be measured against the sink's timer rather than its own speed. Quick-ack
    // mode lapses by itself, so it is set again after every read.
    // Only when the buffer has been used up, so once per read from the socket.
    let quickack = |read: &BufReader<tokio::net::tcp::OwnedReadHalf>| {
        if read.buffer().is_empty() {
            let _ = socket2::SockRef::from(read.get_ref().as_ref()).set_tcp_quickack(true);
        }
    };
    let mut read = BufReader::new(read);
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        quickack(&read);
        let verb = line
            .get(..4)
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        match verb.as_slice() {
            b"EHLO" => write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?,
            b"QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            b"DATA" => {
                write.write_all(b"354 go on\r\n").await?;
                let mut bytes = 0u64;
                loop {
                    line.clear();
                    if read.read_until(b'\n', &mut line).await? == 0 {
                        return Ok(());
                    }
                    quickack(&read);
                    if line == b".\r\n" {
                        break;
                    }
                    bytes += line.len() as u64;
                }
                let epoch = counts.epoch.get().copied().unwrap_or_else(Instant::now);
                let now = epoch.elapsed().as_micros() as u64;
                counts.bytes.fetch_add(bytes, Ordering::SeqCst);
                let _ =
                    counts
                        .first_us
                        .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
                counts.last_us.fetch_max(now, Ordering::SeqCst);
                counts.messages.fetch_add(1, Ordering::SeqCst);
                write.write_all(b"250 queued\r\n").await?;
            }
            // HELO, MAIL, RCPT, RSET, NOOP and anything else.
            _ => write.write_all(b"250 ok\r\n").await?,
        }
    }
}
