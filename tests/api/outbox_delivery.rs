//! Delivering the outbox: retries with backoff on temporary failures, recorded permanent
//! failures, several workers on one outbox, leases of workers that died, TLS with
//! credentials, what the email looks like, and where the confirmation token is kept.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use sea_orm::EntityTrait;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use undersigned::domain::ConfirmationToken;
use undersigned::entities::{OutboxStatus, confirmation_token, outbox, signature};
use undersigned::mail::Mailer;
use undersigned::outbox::{Outcome, Worker};

use crate::support::smtp::{self, Behaviour, SmtpOptions, TestCertificate, TestSmtpServer};
use crate::support::{BASE_URL, LETTER, TestApp, individual};

/// Another worker process on the app's outbox, with its own mailer.
fn another_worker(app: &TestApp, id: &str) -> Worker {
    let mailer = Mailer::from_settings(&app.settings).expect("a mailer from the settings");
    Worker::new(
        app.db.clone(),
        mailer,
        Arc::new(app.settings.clone()),
        app.clock.clone(),
        id,
    )
}

/// Signs the test letter as `email` and checks the request was taken.
async fn sign_as(app: &TestApp, name: &str, email: &str) {
    let response = app.sign(&individual(name, email)).await;
    assert_eq!(response.status(), 303, "signing as {email}");
}

/// The single outbox row of a test that queued one email.
async fn the_row(app: &TestApp) -> outbox::Model {
    let mut rows = app.outbox().await;
    assert_eq!(rows.len(), 1, "expected one outbox row: {rows:#?}");
    rows.remove(0)
}

/// How long until the row is due, by the app's clock.
fn due_in(app: &TestApp, row: &outbox::Model) -> chrono::Duration {
    row.run_at - app.clock.now()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// The raw token in a confirmation email's link.
fn token_in(message: &smtp::ReceivedMessage) -> String {
    let path = TestApp::confirmation_path(message);
    path.strip_prefix("/confirm/")
        .unwrap_or_else(|| panic!("{path} is not a confirmation path"))
        .to_string()
}

#[tokio::test]
async fn an_email_waits_while_smtp_refuses_connections_and_is_sent_once_it_is_back() {
    let port = smtp::free_port();
    let mut app = TestApp::spawn_custom(None, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        s.outbox_retry_base = Duration::from_secs(30);
    })
    .await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    // Nobody listens: the attempt fails, temporarily.
    assert_eq!(app.drain_outbox().await, 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Pending, "{row:#?}");
    assert_eq!(row.attempts, 1);
    assert!(
        row.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{row:#?}"
    );
    assert_eq!(due_in(&app, &row), secs(30));
    assert_eq!(row.locked_by, None);

    // The relay comes back, but the row waits for its backoff.
    let server = TestSmtpServer::start_on(port, SmtpOptions::default())
        .await
        .expect("starting SMTP on the port the app uses");
    app.smtp = Some(server);
    app.clock.advance(secs(29));
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().attempts(), 0);
    assert!(app.smtp().messages().is_empty());

    app.clock.advance(secs(2));
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail[0].rcpt_to, vec!["ada@example.org".to_string()]);
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().messages().len(), 1);
    assert_eq!(app.smtp().attempts(), 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
    assert_eq!(row.attempts, 2);
    assert_eq!(row.last_error, None);
    assert_eq!(row.locked_by, None);
    assert!(row.finished_at.is_some());
    app.stop().await;
}

#[tokio::test]
async fn a_451_reply_is_retried_with_doubling_delays_until_the_relay_accepts() {
    let app = TestApp::spawn_with(|s| s.outbox_retry_base = Duration::from_secs(30)).await;
    app.smtp().set_behaviour(Behaviour::TemporaryFailure);
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    for (attempt, delay) in [(1, 30), (2, 60), (3, 120)] {
        assert_eq!(app.drain_outbox().await, 1, "attempt {attempt}");
        let row = the_row(&app).await;
        assert_eq!(row.status, OutboxStatus::Pending, "{row:#?}");
        assert_eq!(row.attempts, attempt);
        assert_eq!(
            due_in(&app, &row),
            secs(delay),
            "delay after attempt {attempt}"
        );
        let reason = row.last_error.clone().unwrap_or_default();
        assert!(reason.contains("451"), "{reason}");
        // Not due yet: nothing happens.
        app.clock.advance(secs(delay - 1));
        assert_eq!(app.drain_outbox().await, 0);
        assert_eq!(app.smtp().attempts(), attempt as usize);
        app.clock.advance(secs(1));
    }

    app.smtp().set_behaviour(Behaviour::Accept);
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail[0].rcpt_to, vec!["ada@example.org".to_string()]);
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().messages().len(), 1);
    assert_eq!(app.smtp().attempts(), 4);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
    assert_eq!(row.attempts, 4);
    assert_eq!(row.last_error, None);
    app.stop().await;
}

#[tokio::test]
async fn temporary_failures_give_up_after_the_configured_number_of_attempts() {
    let app = TestApp::spawn_with(|s| {
        s.outbox_retry_base = Duration::from_secs(30);
        s.outbox_max_attempts = 3;
    })
    .await;
    app.smtp().set_behaviour(Behaviour::TemporaryFailure);
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    for attempt in 1..=2 {
        assert_eq!(app.drain_outbox().await, 1);
        let row = the_row(&app).await;
        assert_eq!(
            row.status,
            OutboxStatus::Pending,
            "attempt {attempt}: {row:#?}"
        );
        app.clock.advance(due_in(&app, &row));
    }
    assert_eq!(app.drain_outbox().await, 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Failed, "{row:#?}");
    assert_eq!(row.attempts, 3);
    let reason = row.last_error.clone().unwrap_or_default();
    assert!(reason.contains("451"), "{reason}");
    assert!(row.finished_at.is_some());
    assert_eq!(row.locked_by, None);

    // Given up for good: even a relay that would accept now gets nothing.
    app.smtp().set_behaviour(Behaviour::Accept);
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().attempts(), 3);
    assert!(app.smtp().messages().is_empty());
    assert_eq!(the_row(&app).await.status, OutboxStatus::Failed);
    app.stop().await;
}

#[tokio::test]
async fn a_550_reply_is_recorded_as_a_permanent_failure_and_not_retried() {
    let app = TestApp::spawn().await;
    app.smtp().set_behaviour(Behaviour::PermanentFailure);
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    assert_eq!(app.drain_outbox().await, 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Failed, "{row:#?}");
    assert_eq!(row.attempts, 1);
    let reason = row.last_error.clone().unwrap_or_default();
    assert!(reason.contains("550"), "{reason}");
    assert!(row.finished_at.is_some());

    app.smtp().set_behaviour(Behaviour::Accept);
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().attempts(), 1);
    assert!(app.smtp().messages().is_empty());
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Failed);
    assert_eq!(row.attempts, 1);
    app.stop().await;
}

#[tokio::test]
async fn two_workers_draining_one_outbox_send_every_email_exactly_once() {
    let app = TestApp::spawn().await;
    let addresses: Vec<String> = (0..40).map(|i| format!("signer{i}@example.org")).collect();
    for (i, address) in addresses.iter().enumerate() {
        sign_as(&app, &format!("Signer {i}"), address).await;
    }
    assert_eq!(app.outbox().await.len(), 40);

    let other = another_worker(&app, "other");
    let (mine, theirs) = tokio::join!(app.worker.drain(), other.drain());
    let (mine, theirs) = (mine.expect("draining"), theirs.expect("draining"));
    assert_eq!(mine + theirs, 40, "rows handled: {mine} + {theirs}");

    let mail = app.wait_for_mail(40).await;
    assert_eq!(mail.len(), 40);
    assert_eq!(app.smtp().attempts(), 40);
    let recipients: HashSet<String> = mail.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    let expected: HashSet<String> = addresses.into_iter().collect();
    assert_eq!(recipients, expected);
    for row in app.outbox().await {
        assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
        assert_eq!(row.attempts, 1, "{row:#?}");
        assert_eq!(row.locked_by, None);
    }
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(other.drain().await.expect("draining"), 0);
    assert_eq!(app.smtp().messages().len(), 40);
    app.stop().await;
}

#[tokio::test]
async fn rows_claimed_by_a_worker_that_died_are_sent_by_another_once_the_lease_runs_out() {
    let app = TestApp::spawn().await;
    let addresses = ["a@example.org", "b@example.org", "c@example.org"];
    for address in addresses {
        sign_as(&app, "Someone", address).await;
    }
    let lease = chrono::Duration::from_std(app.settings.outbox_lease).expect("a lease");

    // Worker A claims everything, then "dies".
    let claimed = app.worker.claim(10).await.expect("claiming");
    assert_eq!(claimed.len(), 3);
    for row in app.outbox().await {
        assert_eq!(row.locked_by.as_deref(), Some("test-worker"));
        assert_eq!(row.locked_until, Some(app.clock.now() + lease));
        assert_eq!(row.attempts, 1);
    }

    // Worker B leaves them alone while the lease holds.
    let b = another_worker(&app, "other");
    assert_eq!(b.drain().await.expect("draining"), 0);
    app.clock.advance(lease - secs(1));
    assert_eq!(b.drain().await.expect("draining"), 0);
    assert_eq!(app.smtp().attempts(), 0);

    // Past the lease, B sends each of them once.
    app.clock.advance(secs(2));
    assert_eq!(b.drain().await.expect("draining"), 3);
    let mail = app.wait_for_mail(3).await;
    assert_eq!(mail.len(), 3);
    for address in addresses {
        assert_eq!(app.mail_to(address).len(), 1, "mail to {address}");
    }
    for row in app.outbox().await {
        assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
        assert_eq!(row.attempts, 2);
        assert_eq!(row.locked_by, None);
    }
    assert_eq!(b.drain().await.expect("draining"), 0);
    assert_eq!(app.smtp().messages().len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_does_not_send_a_second_copy() {
    let app = TestApp::spawn().await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    // A claims the row and stalls past its lease; B takes it over and sends it.
    let stale = app.worker.claim(10).await.expect("claiming");
    assert_eq!(stale.len(), 1);
    let lease = chrono::Duration::from_std(app.settings.outbox_lease).expect("a lease");
    app.clock.advance(lease + secs(1));
    let b = another_worker(&app, "other");
    assert_eq!(b.drain().await.expect("draining"), 1);
    app.wait_for_mail(1).await;
    let sent = the_row(&app).await;
    assert_eq!(sent.status, OutboxStatus::Sent);

    // A wakes up and carries on with the row it no longer holds.
    let outcome = app
        .worker
        .process(stale.into_iter().next().expect("a row"))
        .await
        .expect("processing");
    let copies = app.mail_to("ada@example.org").len();
    assert_eq!(copies, 1, "the email arrived {copies} times");
    assert_eq!(outcome, Outcome::Lost);
    assert_eq!(the_row(&app).await, sent);
    app.stop().await;
}

#[tokio::test]
async fn a_claim_takes_no_more_rows_than_asked_for() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        sign_as(&app, "Someone", &format!("signer{i}@example.org")).await;
    }
    let b = another_worker(&app, "other");
    assert_eq!(app.worker.claim(2).await.expect("claiming").len(), 2);
    assert_eq!(b.claim(2).await.expect("claiming").len(), 2);
    assert_eq!(app.worker.claim(2).await.expect("claiming").len(), 1);
    assert_eq!(b.claim(2).await.expect("claiming").len(), 0);
    let rows = app.outbox().await;
    let held_by = |id: &str| {
        rows.iter()
            .filter(|r| r.locked_by.as_deref() == Some(id))
            .count()
    };
    assert_eq!(
        (held_by("test-worker"), held_by("other")),
        (3, 2),
        "{rows:#?}"
    );
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:#?}");
    app.stop().await;
}

#[tokio::test]
async fn released_claims_can_be_sent_by_another_worker_at_once() {
    let app = TestApp::spawn().await;
    let addresses = ["a@example.org", "b@example.org", "c@example.org"];
    sign_as(&app, "Someone", addresses[0]).await;
    sign_as(&app, "Someone", addresses[1]).await;
    assert_eq!(app.worker.claim(10).await.expect("claiming").len(), 2);
    sign_as(&app, "Someone", addresses[2]).await;
    let b = another_worker(&app, "other");
    let held_by_b = b.claim(10).await.expect("claiming");
    assert_eq!(held_by_b.len(), 1);

    // A shuts down and gives back only its own two rows.
    assert_eq!(app.worker.release_claims().await.expect("releasing"), 2);
    let rows = app.outbox().await;
    let free = rows.iter().filter(|r| r.locked_by.is_none()).count();
    let b_holds = rows
        .iter()
        .filter(|r| r.locked_by.as_deref() == Some("other"))
        .count();
    assert_eq!((free, b_holds), (2, 1), "{rows:#?}");
    assert!(rows.iter().all(|r| r.status == OutboxStatus::Pending));

    // Without moving the clock, B sends all of them, each once.
    assert_eq!(
        b.process(held_by_b.into_iter().next().expect("a row"))
            .await
            .expect("processing"),
        Outcome::Sent
    );
    assert_eq!(b.drain().await.expect("draining"), 2);
    app.wait_for_mail(3).await;
    for address in addresses {
        assert_eq!(app.mail_to(address).len(), 1, "mail to {address}");
    }
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|r| r.status == OutboxStatus::Sent)
    );
    assert_eq!(app.drain_outbox().await, 0);
    assert_eq!(app.smtp().messages().len(), 3);
    app.stop().await;
}

/// A relay that requires STARTTLS and the login mailer / "s3cret pass", with its
/// self-signed certificate written to a file for `smtp_ca_file` (the directory is
/// returned to keep it alive).
async fn starttls_relay() -> (TestSmtpServer, tempfile::TempDir, std::path::PathBuf) {
    let certificate = TestCertificate::localhost().expect("a certificate");
    let ca_dir = tempfile::tempdir().expect("a directory");
    let ca_file = ca_dir.path().join("relay-ca.pem");
    std::fs::write(&ca_file, &certificate.cert_pem).expect("writing the certificate");
    let server = TestSmtpServer::start_with(SmtpOptions {
        tls: Some(certificate),
        credentials: Some(("mailer".into(), "s3cret pass".into())),
    })
    .await
    .expect("starting SMTP");
    (server, ca_dir, ca_file)
}

#[tokio::test]
async fn mail_goes_over_starttls_with_the_configured_credentials() {
    let (server, _ca_dir, ca_file) = starttls_relay().await;
    let url = server.url();
    let app = TestApp::spawn_custom(Some(server), |s| {
        s.smtp_url = Some(url.into());
        s.smtp_ca_file = Some(ca_file.clone());
    })
    .await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].over_tls);
    assert_eq!(mail[0].authenticated_as.as_deref(), Some("mailer"));
    assert_eq!(mail[0].rcpt_to, vec!["ada@example.org".to_string()]);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_smtp_password_is_recorded_as_a_permanent_failure() {
    let (server, _ca_dir, ca_file) = starttls_relay().await;
    let url = format!(
        "smtp://mailer:wrong@localhost:{}?tls=required",
        server.port()
    );
    assert_ne!(url, server.url());
    let app = TestApp::spawn_custom(Some(server), |s| {
        s.smtp_url = Some(url.into());
        s.smtp_ca_file = Some(ca_file.clone());
    })
    .await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    assert_eq!(app.drain_outbox().await, 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Failed, "{row:#?}");
    assert_eq!(row.attempts, 1);
    let reason = row.last_error.clone().unwrap_or_default();
    assert!(reason.contains("535"), "{reason}");
    assert!(!reason.contains("wrong"), "the password leaked: {reason}");

    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(app.drain_outbox().await, 0);
    assert!(app.smtp().messages().is_empty());
    assert_eq!(the_row(&app).await.attempts, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_confirmation_email_is_multipart_from_the_configured_sender_with_a_stable_message_id() {
    let app = TestApp::spawn_with(|s| {
        s.mail_from = "Open Letters <letters@example.org>".into();
        s.outbox_retry_base = Duration::from_secs(30);
    })
    .await;
    app.smtp().set_behaviour(Behaviour::TemporaryFailure);
    let response = app
        .client
        .post(app.url(&format!("/letters/{LETTER}/sign")))
        .header(reqwest::header::HOST, "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .form(&individual("Ada Lovelace", "ada@example.org"))
        .send()
        .await
        .expect("a POST request");
    assert_eq!(response.status(), 303);

    // The first attempt fails; the retry of the same row delivers.
    assert_eq!(app.drain_outbox().await, 1);
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Pending);
    app.smtp().set_behaviour(Behaviour::Accept);
    app.clock.advance(due_in(&app, &row));
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail.len(), 1);
    let message = &mail[0];
    let row = the_row(&app).await;
    assert_eq!(row.status, OutboxStatus::Sent);
    assert_eq!(row.attempts, 2);

    let parsed = message.parsed();
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let parts: Vec<&str> = parsed
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(parts, ["text/plain", "text/html"]);

    let configured: Mailbox = app.settings.mail_from.parse().expect("a mailbox");
    let from: Mailbox = message
        .header("From")
        .expect("a From header")
        .parse()
        .expect("a From mailbox");
    assert_eq!(from, configured);
    assert_eq!(message.mail_from, "letters@example.org");

    let host = url::Url::parse(BASE_URL).expect("a URL");
    let host = host.host_str().expect("a host");
    let key = row
        .message_key
        .clone()
        .expect("a message key minted with the row");
    assert_eq!(key.len(), 16, "{key}");
    assert_eq!(
        message.header("Message-ID").as_deref(),
        Some(format!("<{}.{key}.{}@{host}>", row.id, row.kind).as_str())
    );
    assert_eq!(row.kind, "confirmation_email");

    // Links come from the setting, not from the request's Host.
    let path = TestApp::confirmation_path(message);
    assert!(message.html_body().contains(&format!("{BASE_URL}{path}")));
    for body in [message.text_body(), message.html_body()] {
        assert!(!body.contains("evil.example"), "{body}");
    }
    assert!(
        message
            .links()
            .iter()
            .all(|link| link.starts_with(BASE_URL)),
        "{:?}",
        message.links()
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_hash_of_the_confirmation_token_is_stored() {
    let app = TestApp::spawn().await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;
    assert_eq!(app.drain_outbox().await, 1);
    let mail = app.wait_for_mail(1).await;
    let token = token_in(&mail[0]);
    let hash = ConfirmationToken::parse(&token)
        .expect("a well-formed token in the link")
        .hash();
    assert_ne!(hash, token);

    let signatures = signature::Entity::find()
        .all(&app.db)
        .await
        .expect("reading signatures");
    assert_eq!(signatures.len(), 1);
    let tokens = confirmation_token::Entity::find()
        .all(&app.db)
        .await
        .expect("reading tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].token_hash, hash);
    assert_eq!(tokens[0].signature_id, signatures[0].id);

    let stored = format!("{tokens:?}\n{signatures:?}\n{:?}", app.outbox().await);
    assert!(
        !stored.contains(&token),
        "the raw token is stored: {stored}"
    );

    // The stored hash is the one the link is checked against.
    let confirmed = app.post_form(&format!("/confirm/{token}"), &[]).await;
    assert_eq!(confirmed.status(), 200);
    let signature = signature::Entity::find_by_id(signatures[0].id)
        .one(&app.db)
        .await
        .expect("reading the signature")
        .expect("the signature");
    assert!(signature.confirmed_at.is_some(), "{signature:#?}");
    app.stop().await;
}

/// An SMTP relay that takes a whole message and then holds back its "250" until given a
/// permit: it catches a worker in the middle of a send. It counts a message as delivered
/// once the final "." arrived, as a real relay commits it before answering.
struct HeldSmtp {
    port: u16,
    received: mpsc::UnboundedReceiver<()>,
    release: Arc<Semaphore>,
    delivered: Arc<std::sync::atomic::AtomicUsize>,
    accept_loop: JoinHandle<()>,
}

impl HeldSmtp {
    async fn start() -> HeldSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding");
        let port = listener.local_addr().expect("an address").port();
        let (sender, received) = mpsc::unbounded_channel();
        let release = Arc::new(Semaphore::new(0));
        let delivered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let accept_loop = tokio::spawn({
            let (release, delivered) = (release.clone(), delivered.clone());
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let session =
                        held_session(stream, sender.clone(), release.clone(), delivered.clone());
                    tokio::spawn(async move { _ = session.await });
                }
            }
        });
        HeldSmtp {
            port,
            received,
            release,
            delivered,
            accept_loop,
        }
    }

    fn delivered(&self) -> usize {
        self.delivered.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for HeldSmtp {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn held_session(
    stream: TcpStream,
    received: mpsc::UnboundedSender<()>,
    release: Arc<Semaphore>,
    delivered: Arc<std::sync::atomic::AtomicUsize>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    write.write_all(b"220 localhost ESMTP held\r\n").await?;
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250 localhost",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            "DATA" => {
                write.write_all(b"354 Go ahead\r\n").await?;
                loop {
                    line.clear();
                    if read.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                }
                delivered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                _ = received.send(());
                if let Ok(permit) = release.acquire().await {
                    permit.forget();
                }
                "250 2.0.0 Queued"
            }
            _ => "250 2.0.0 OK",
        };
        write.write_all(format!("{answer}\r\n").as_bytes()).await?;
    }
}

#[tokio::test]
async fn a_worker_told_to_stop_mid_send_finishes_the_send_and_records_it() {
    let mut relay = HeldSmtp::start().await;
    let port = relay.port;
    let app = TestApp::spawn_custom(None, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
    })
    .await;
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    let worker = another_worker(&app, "stopping");
    let shutdown = CancellationToken::new();
    let mut running = tokio::spawn(worker.run(shutdown.clone()));
    tokio::time::timeout(Duration::from_secs(10), relay.received.recv())
        .await
        .expect("the worker sends the message")
        .expect("the relay is running");

    // Shutdown comes while the relay has the message but has not answered yet. A worker
    // that finishes the batch in hand cannot stop before the answer.
    shutdown.cancel();
    let stopped_early = tokio::time::timeout(Duration::from_millis(300), &mut running)
        .await
        .is_ok();
    relay.release.add_permits(100);
    if !stopped_early {
        tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the worker stops")
            .expect("the worker does not panic");
    }

    // The send is recorded, so another worker does not send the message again.
    let row = the_row(&app).await;
    let sent_again = app.drain_outbox().await;
    assert_eq!(
        (sent_again, relay.delivered()),
        (0, 1),
        "the message was sent again; the row when the worker stopped: {row:#?}"
    );
    assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
    assert_eq!(row.attempts, 1);
    assert_eq!(row.locked_by, None);
    app.stop().await;
}
