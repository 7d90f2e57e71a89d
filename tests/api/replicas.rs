//! Beyond one machine: three `undersigned serve` replicas and two `undersigned worker`s,
//! each a process of its own, on one database (a fresh PostgreSQL database with
//! `TEST_DATABASE_URL`, one SQLite file otherwise) and one SMTP server. Signers sign on
//! one replica, confirm on another and sign again on a third; every signature must be
//! counted once and every email sent once, whichever process handled what.
//!
//! What each repeat must produce, by `store::signatures::record` with the default caps
//! (three confirmation emails per pending signature, one "already signed" email a day):
//! - a repeat while the signature is pending queues exactly one more confirmation email
//!   (the second of three), whichever of the two requests inserted the row;
//! - two simultaneous repeats after confirming, on two replicas, queue exactly one
//!   "already signed" email between them (a conditional update decides);
//! - confirming with both links at once, on two replicas, counts the signer once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use undersigned::entities::{LetterStatus, OutboxStatus, SignatureStatus, outbox, signature};
use undersigned::store::letters::{self, NewLetter, NewTarget};

use crate::support::database::TestDatabase;
use crate::support::smtp::{ReceivedMessage, TestSmtpServer};
use crate::support::{BASE_URL, FORM_SECRET, TestApp, individual, stamp, with};

const SLUG: &str = "replicas-letter";
/// Distinct people signing.
const SIGNERS: usize = 300;
/// Requests in flight at once, across the three replicas.
const IN_FLIGHT: usize = 24;
/// How long the processes get for anything (starting, mail arriving, counts settling):
/// generous, for a loaded 2-core machine; none of it is a measurement.
const DEADLINE: Duration = Duration::from_secs(90);

fn email(i: usize) -> String {
    format!("signer{i}@replicas.example.org")
}

/// Signed a second time, on another replica, while still pending.
fn repeats_while_pending(i: usize) -> bool {
    i.is_multiple_of(4)
}

/// Signs again after confirming, on two other replicas at once.
fn repeats_after_confirming(i: usize) -> bool {
    i.is_multiple_of(5)
}

fn is_confirmation(message: &ReceivedMessage) -> bool {
    message.subject().starts_with("Confirm your signature")
}

fn is_already_signed(message: &ReceivedMessage) -> bool {
    message.subject().starts_with("You have already signed")
}

/// One `undersigned` process, killed when dropped (the test ended or failed).
struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

/// The five processes, with the directory of their logs; on a failed test their logs'
/// last lines are printed, which is where a replica's own error shows.
struct Fleet {
    replicas: Vec<Replica>,
    workers: Vec<Process>,
    dir: tempfile::TempDir,
}

struct Replica {
    process: Process,
    address: String,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let processes = self
            .replicas
            .iter_mut()
            .map(|r| &mut r.process)
            .chain(self.workers.iter_mut());
        for process in processes {
            // kill_on_drop would do it too; killing here first keeps the logs complete
            // before they are printed.
            let _ = process.child.start_kill();
            if std::thread::panicking() {
                let log = std::fs::read_to_string(&process.log).unwrap_or_default();
                let lines: Vec<&str> = log.lines().collect();
                let tail = lines[lines.len().saturating_sub(30)..].join("\n");
                eprintln!("---- last lines of {} ----\n{tail}", process.name);
            }
        }
    }
}

/// The settings every process gets: only `UNDERSIGNED_*` variables, as an operator would
/// set them, with generous limits (one test client stands in for hundreds of people).
fn command(database_url: &str, smtp_url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_undersigned"));
    command.args(args).current_dir(dir).kill_on_drop(true);
    // Settings of the surrounding environment are not this test's.
    for (name, _) in std::env::vars() {
        if name.starts_with(undersigned::config::ENV_PREFIX) {
            command.env_remove(name);
        }
    }
    let settings = [
        ("DATABASE_URL", database_url),
        ("DATABASE_MAX_CONNECTIONS", "8"),
        ("DATABASE_ACQUIRE_TIMEOUT_MS", "30000"),
        ("SQLITE_BUSY_TIMEOUT_MS", "30000"),
        ("MIGRATE_ON_START", "false"),
        ("BIND", "127.0.0.1:0"),
        ("BASE_URL", BASE_URL),
        ("MAIL", "smtp"),
        ("SMTP_URL", smtp_url),
        ("SMTP_TIMEOUT_SECS", "20"),
        ("FORM_SECRET", FORM_SECRET),
        ("LOG", "warn"),
        ("SIGN_RATE_PER_MINUTE", "1000000"),
        ("SIGN_BURST", "1000000"),
        ("CONFIRM_RATE_PER_MINUTE", "1000000"),
        ("CONFIRM_BURST", "1000000"),
        ("MAX_CONNECTIONS_PER_ADDRESS", "10000"),
        ("QUARANTINE_BURST_PER_PREFIX", "0"),
        ("QUARANTINE_NEW_DOMAIN_SIGNERS", "0"),
        ("QUARANTINE_SKELETON_DUPLICATES", "false"),
        ("LETTER_SIGNINGS_PER_MINUTE", "1000000"),
        ("DOMAIN_SIGNINGS_PER_LETTER_PER_HOUR", "1000000"),
        ("EMAILS_PER_ADDRESS_PER_DAY", "1000000"),
        ("UNDER_ATTACK_THRESHOLD_PER_MINUTE", "1000000"),
        ("OUTBOX_POLL_INTERVAL_MS", "100"),
        ("COUNT_ROLLUP_INTERVAL_MS", "200"),
    ];
    for (key, value) in settings {
        command.env(format!("{}{key}", undersigned::config::ENV_PREFIX), value);
    }
    command
}

impl Fleet {
    /// Applies the migrations with `undersigned migrate`, as an operator would before
    /// starting the service.
    async fn migrate(database_url: &str, smtp_url: &str) {
        let dir = tempfile::tempdir().expect("a directory for `undersigned migrate`");
        let migrate = command(database_url, smtp_url, dir.path(), &["migrate"])
            .stdout(Stdio::null())
            .output();
        let migrated = tokio::time::timeout(DEADLINE, migrate)
            .await
            .expect("`undersigned migrate` ends in time")
            .expect("running `undersigned migrate`");
        assert!(
            migrated.status.success(),
            "`undersigned migrate` failed: {}",
            String::from_utf8_lossy(&migrated.stderr)
        );
    }

    /// Starts the two workers and the three replicas, and waits until each replica
    /// listens.
    async fn start(database_url: &str, smtp_url: &str) -> Fleet {
        let dir = tempfile::tempdir().expect("a directory for the processes");
        let mut fleet = Fleet {
            replicas: Vec::new(),
            workers: Vec::new(),
            dir,
        };
        for n in 0..2 {
            let name = format!("worker-{n}");
            let log = fleet.dir.path().join(format!("{name}.log"));
            let child = command(database_url, smtp_url, fleet.dir.path(), &["worker"])
                .stdout(Stdio::null())
                .stderr(log_file(&log))
                .spawn()
                .expect("starting `undersigned worker`");
            fleet.workers.push(Process { name, child, log });
        }
        for n in 0..3 {
            let name = format!("serve-{n}");
            let log = fleet.dir.path().join(format!("{name}.log"));
            let mut command = command(database_url, smtp_url, fleet.dir.path(), &["serve"]);
            command.env(
                format!("{}RUN_WORKER", undersigned::config::ENV_PREFIX),
                "false",
            );
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(log_file(&log))
                .spawn()
                .expect("starting `undersigned serve`");
            let stdout = child.stdout.take().expect("the replica's stdout");
            // Pushed before waiting for the port, so a replica that never gets there is
            // still killed and its log printed.
            fleet.replicas.push(Replica {
                process: Process { name, child, log },
                address: String::new(),
            });
            let port = tokio::time::timeout(DEADLINE, listening_port(stdout))
                .await
                .expect("the replica says where it listens in time")
                .expect("the replica says where it listens");
            if let Some(replica) = fleet.replicas.last_mut() {
                replica.address = format!("http://127.0.0.1:{port}");
            }
        }
        fleet
    }

    fn replica(&self, n: usize) -> &str {
        &self.replicas[n % self.replicas.len()].address
    }
}

fn log_file(path: &Path) -> Stdio {
    std::fs::File::create(path)
        .expect("a log file for a process")
        .into()
}

/// Reads the replica's stdout up to "... (port N)" and keeps draining it afterwards, so a
/// full pipe never blocks the replica.
async fn listening_port(stdout: tokio::process::ChildStdout) -> Option<u16> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(port) = line
            .strip_prefix("undersigned is listening on ")
            .and_then(|rest| rest.rsplit_once("(port "))
            .and_then(|(_, port)| port.strip_suffix(')'))
            .and_then(|port| port.parse().ok())
        {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Some(port);
        }
    }
    None
}

/// Runs `requests` with at most `IN_FLIGHT` at once; each yields (what, HTTP status).
async fn run_all<F>(requests: Vec<F>) -> Vec<(String, u16)>
where
    F: std::future::Future<Output = (String, u16)>,
{
    futures::stream::iter(requests)
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await
}

async fn post_sign(client: &reqwest::Client, replica: &str, letter_id: i64, i: usize) -> u16 {
    // A reader who opened the page a minute ago, on the processes' own (system) clock.
    let fields = with(
        individual(&format!("Signer {i}"), &email(i)),
        "form_stamp",
        &stamp(letter_id, chrono::Utc::now() - chrono::Duration::minutes(1)),
    );
    client
        .post(format!("{replica}/letters/{SLUG}/sign"))
        .form(&fields)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// Waits until `expected` messages have come and the outbox holds nothing pending (so
/// nothing more is on its way), then checks that exactly `expected` came; returns them.
async fn settle_mail(
    db: &DatabaseConnection,
    smtp: &TestSmtpServer,
    expected: usize,
) -> Vec<ReceivedMessage> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let arrived = smtp.wait_for_messages(expected, DEADLINE).await.len();
    assert!(
        arrived >= expected,
        "{arrived} messages on the SMTP server, expected {expected}"
    );
    loop {
        let pending = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .count(db)
            .await
            .expect("reading the outbox");
        if pending == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{pending} outbox rows still pending"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let messages = smtp.messages();
    assert_eq!(
        messages.len(),
        expected,
        "messages on the SMTP server once the outbox is empty"
    );
    messages
}

/// Polls every replica's public counter until each shows `expected` or the deadline
/// passes; returns what each showed last.
async fn counts_settle(client: &reqwest::Client, fleet: &Fleet, expected: u64) -> Vec<u64> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let mut shown = Vec::new();
        for replica in &fleet.replicas {
            let json: serde_json::Value = client
                .get(format!(
                    "{}/api/v1/letters/{SLUG}/count.json",
                    replica.address
                ))
                .send()
                .await
                .expect("a counter request")
                .json()
                .await
                .expect("the counter's JSON");
            shown.push(json["total_signatures"].as_u64().unwrap_or(u64::MAX));
        }
        if shown.iter().all(|&n| n == expected) || tokio::time::Instant::now() >= deadline {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_and_two_workers_count_every_signature_once_and_send_every_email_once() {
    let database = TestDatabase::create().await;
    let smtp = TestSmtpServer::start().await.expect("an SMTP server");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(IN_FLIGHT)
        .build()
        .expect("an HTTP client");

    // Migrations by `undersigned migrate`, then the letter through the library, as a staff
    // member would have published it, before any replica starts.
    Fleet::migrate(&database.url, &smtp.url()).await;
    let db = sea_orm::Database::connect(&database.url)
        .await
        .expect("connecting to the test database");
    let letter = letters::create(
        &db,
        NewLetter {
            slug: SLUG.into(),
            title: "Many replicas, one count".into(),
            summary: "A letter signed through several processes.".into(),
            body: "We ask you to **count** us once.".into(),
            language: "en".into(),
            status: LetterStatus::Open,
            goal: Some(1000),
            deadline: None,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            targets: vec![NewTarget::new("European Council", "council@example.org")],
        },
        chrono::Utc::now(),
    )
    .await
    .expect("creating the letter");
    let fleet = Fleet::start(&database.url, &smtp.url()).await;

    // 1. Everyone signs on replica i % 3; some sign again at the same time on the next.
    let mut requests = Vec::new();
    for i in 0..SIGNERS {
        let mut tries = vec![i % 3];
        if repeats_while_pending(i) {
            tries.push(i + 1);
        }
        for replica in tries {
            let (client, address) = (&client, fleet.replica(replica));
            requests.push(async move {
                let status = post_sign(client, address, letter.id, i).await;
                (format!("signing {i} on {address}"), status)
            });
        }
    }
    for (what, status) in run_all(requests).await {
        assert_eq!(status, 303, "{what}");
    }
    let repeaters = (0..SIGNERS).filter(|&i| repeats_while_pending(i)).count();
    let messages = settle_mail(&db, &smtp, SIGNERS + repeaters).await;
    let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in &messages {
        assert!(is_confirmation(message), "{}", message.subject());
        assert_eq!(message.rcpt_to.len(), 1, "one recipient per message");
        links
            .entry(message.rcpt_to[0].clone())
            .or_default()
            .push(TestApp::confirmation_path(message));
    }
    for i in 0..SIGNERS {
        let expected = 1 + usize::from(repeats_while_pending(i));
        let got = links.get(&email(i)).map_or(0, Vec::len);
        assert_eq!(got, expected, "confirmation emails to {}", email(i));
    }

    // 2. Each signer opens their link and confirms on another replica than the one they
    // signed on; those with two links use both at once, on two replicas.
    let mut requests = Vec::new();
    for i in 0..SIGNERS {
        for (n, path) in links[&email(i)].iter().enumerate() {
            let (client, address) = (&client, fleet.replica(i + 1 + n));
            requests.push(async move {
                let url = format!("{address}{path}");
                let shown = client
                    .get(&url)
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                if shown != 200 {
                    return (format!("opening the link of {i} on {address}"), shown);
                }
                let status = client
                    .post(&url)
                    .send()
                    .await
                    .map_or(0, |r| r.status().as_u16());
                (format!("confirming {i} on {address}"), status)
            });
        }
    }
    for (what, status) in run_all(requests).await {
        assert_eq!(status, 200, "{what}");
    }

    // 3. Some sign again, confirmed now, on the two other replicas at the same time.
    let mut requests = Vec::new();
    for i in (0..SIGNERS).filter(|&i| repeats_after_confirming(i)) {
        for replica in [i + 1, i + 2] {
            let (client, address) = (&client, fleet.replica(replica));
            requests.push(async move {
                let status = post_sign(client, address, letter.id, i).await;
                (format!("signing {i} again on {address}"), status)
            });
        }
    }
    for (what, status) in run_all(requests).await {
        assert_eq!(status, 303, "{what}");
    }
    let late_repeaters = (0..SIGNERS)
        .filter(|&i| repeats_after_confirming(i))
        .count();
    let messages = settle_mail(&db, &smtp, SIGNERS + repeaters + late_repeaters).await;

    // The public count on every replica, after the workers' roll-up.
    let shown = counts_settle(&client, &fleet, SIGNERS as u64).await;
    assert_eq!(
        shown,
        vec![SIGNERS as u64; 3],
        "each replica's public count"
    );

    // Every signer has one row, confirmed once; the roll-up agrees with the rows.
    let rows = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter.id))
        .all(&db)
        .await
        .expect("reading the signatures");
    assert_eq!(rows.len(), SIGNERS, "one signature per person");
    let emails: BTreeSet<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(emails.len(), SIGNERS, "distinct signers");
    for row in &rows {
        assert_eq!(row.status, SignatureStatus::Confirmed, "{}", row.email);
        assert!(row.confirmed_at.is_some(), "{}", row.email);
    }
    let drifts = undersigned::store::counts::reconcile(&db, chrono::Utc::now())
        .await
        .expect("reconciling the counts");
    assert!(drifts.is_empty(), "the shown counts drifted: {drifts:?}");

    // Every email once: distinct Message-IDs, the right kinds per person, and as many
    // messages as the outbox recorded as sent (none failed, none left).
    let ids: BTreeSet<String> = messages
        .iter()
        .map(|m| m.header("Message-ID").expect("a Message-ID"))
        .collect();
    assert_eq!(ids.len(), messages.len(), "a message was sent twice");
    for i in 0..SIGNERS {
        let to: Vec<&ReceivedMessage> = messages
            .iter()
            .filter(|m| m.rcpt_to == [email(i)])
            .collect();
        let confirmations = to.iter().filter(|m| is_confirmation(m)).count();
        let already = to.iter().filter(|m| is_already_signed(m)).count();
        assert_eq!(
            confirmations,
            1 + usize::from(repeats_while_pending(i)),
            "confirmation emails to {}",
            email(i)
        );
        assert_eq!(
            already,
            usize::from(repeats_after_confirming(i)),
            "\"already signed\" emails to {}",
            email(i)
        );
        assert_eq!(
            to.len(),
            confirmations + already,
            "other mail to {}",
            email(i)
        );
    }
    let rows = outbox::Entity::find()
        .all(&db)
        .await
        .expect("reading the outbox");
    let sent = rows
        .iter()
        .filter(|r| r.status == OutboxStatus::Sent)
        .count();
    assert_eq!(sent, rows.len(), "every outbox row was sent");
    assert_eq!(messages.len(), sent, "messages received = outbox rows sent");

    drop(fleet);
    db.close().await.ok();
    smtp.stop().await;
}
