//! A relay that hangs: one that never greets or never answers a message must cost one
//! retry, not the worker; the others' mail goes out meanwhile; shutdown stays prompt;
//! the lease fits the SMTP timeout; Message-IDs stay unique and stable; and the resend
//! cap counts a link's life from when it was sent.

use std::collections::HashSet;
use std::time::Duration;

use chrono::TimeZone;
use tokio_util::sync::CancellationToken;
use undersigned::entities::{OutboxStatus, outbox};
use undersigned::outbox::Outcome;
use undersigned::{Application, Clock, Settings};

use crate::support::database::TestDatabase;
use crate::support::smtp::{self, Behaviour, SmtpOptions, TestSmtpServer};
use crate::support::{TestApp, individual};

/// Short, so a hung conversation ends quickly in tests.
const SMTP_TIMEOUT: Duration = Duration::from_secs(2);

/// Only guards against a test hanging for good; never a measure of speed.
const GUARD: Duration = Duration::from_secs(60);

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// Signs the test letter as `email` and checks the request was taken.
async fn sign_as(app: &TestApp, name: &str, email: &str) {
    let response = app.sign(&individual(name, email)).await;
    assert_eq!(response.status(), 303, "signing as {email}");
}

/// The outbox row that mails `address` (the payload holds ids only, so go by the
/// signature).
async fn row_for(app: &TestApp, address: &str) -> outbox::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use undersigned::entities::signature;
    let signature = signature::Entity::find()
        .filter(signature::Column::Email.eq(address))
        .one(&app.db)
        .await
        .expect("reading signatures")
        .unwrap_or_else(|| panic!("a signature for {address}"));
    let payload = format!(
        r#"{{"job":"confirmation_email","signature_id":{}}}"#,
        signature.id
    );
    let rows: Vec<outbox::Model> = app
        .outbox()
        .await
        .into_iter()
        .filter(|row| row.payload == payload)
        .collect();
    assert_eq!(rows.len(), 1, "one row for {address}: {rows:#?}");
    rows.into_iter().next().expect("a row")
}

/// Drains the outbox, failing the test instead of hanging if the worker hangs.
async fn drain(app: &TestApp) -> usize {
    tokio::time::timeout(GUARD, app.drain_outbox())
        .await
        .expect("draining ends: a hung relay must not hold the worker")
}

/// A row whose send timed out: back in the queue with the reason and no holder.
fn assert_timed_out_and_waiting(row: &outbox::Model) {
    assert_eq!(row.status, OutboxStatus::Pending, "{row:#?}");
    assert_eq!(row.locked_by, None, "{row:#?}");
    let reason = row.last_error.as_deref().unwrap_or_default();
    assert!(reason.contains("smtp_timeout_secs"), "{row:#?}");
}

#[tokio::test]
async fn a_relay_that_never_greets_costs_a_retry_and_the_email_goes_once_it_answers() {
    let app = TestApp::spawn_with(|s| {
        s.smtp_timeout = SMTP_TIMEOUT;
        s.outbox_retry_base = Duration::from_secs(30);
    })
    .await;
    app.smtp().set_behaviour(Behaviour::NeverGreet);
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    let claimed = app.worker.claim(10).await.expect("claiming");
    assert_eq!(claimed.len(), 1);
    let row = claimed.into_iter().next().expect("a row");
    let outcome = tokio::time::timeout(GUARD, app.worker.process(row))
        .await
        .expect("the send ends although the relay never greets")
        .expect("recording the outcome");
    assert_eq!(outcome, Outcome::Retrying(app.clock.now() + secs(30)));
    let row = row_for(&app, "ada@example.org").await;
    assert_timed_out_and_waiting(&row);
    assert_eq!(row.attempts, 1);
    // The relay never got as far as a MAIL command.
    assert_eq!(app.smtp().attempts(), 0);
    assert!(app.smtp().messages().is_empty());

    // The relay recovers; the retry delivers the email, once.
    app.smtp().set_behaviour(Behaviour::Accept);
    app.clock.advance(secs(30));
    assert_eq!(drain(&app).await, 1);
    let mail = app.wait_for_mail(1).await;
    assert_eq!(mail[0].rcpt_to, vec!["ada@example.org".to_string()]);
    let row = row_for(&app, "ada@example.org").await;
    assert_eq!(row.status, OutboxStatus::Sent, "{row:#?}");
    assert_eq!(row.attempts, 2);
    app.clock.advance(chrono::Duration::days(1));
    assert_eq!(drain(&app).await, 0);
    assert_eq!(app.smtp().messages().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_relay_stalling_on_one_recipient_does_not_hold_back_everyone_else() {
    let app = TestApp::spawn_with(|s| {
        s.smtp_timeout = SMTP_TIMEOUT;
        s.worker_concurrency = 2;
        s.outbox_retry_base = Duration::from_secs(30);
    })
    .await;
    app.smtp().stall_recipient(Some("slow@example.org"));
    // The stalled one is first in the queue, so it is claimed with the first batch.
    sign_as(&app, "Slow Reader", "slow@example.org").await;
    let others: Vec<String> = (0..6).map(|i| format!("signer{i}@example.org")).collect();
    for (i, address) in others.iter().enumerate() {
        sign_as(&app, &format!("Signer {i}"), address).await;
    }

    let worker = app.worker.clone();
    let draining = tokio::spawn(async move { worker.drain().await });
    let mail = app
        .smtp()
        .wait_for_messages(others.len(), Duration::from_secs(30))
        .await;
    // Every other email arrived while the stalled send was still in flight: its row
    // has no outcome yet (a worker waiting for its batch would have recorded the
    // timeout first).
    let slow = row_for(&app, "slow@example.org").await;
    assert_eq!(mail.len(), others.len(), "{mail:#?}");
    assert_eq!(slow.last_error, None, "{slow:#?}");
    assert_eq!(slow.locked_by.as_deref(), Some("test-worker"), "{slow:#?}");
    let recipients: HashSet<String> = mail.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    assert_eq!(recipients, others.iter().cloned().collect::<HashSet<_>>());
    assert_eq!(app.smtp().stalled_messages().len(), 1);

    let handled = tokio::time::timeout(GUARD, draining)
        .await
        .expect("draining ends")
        .expect("the drain task does not panic")
        .expect("draining");
    assert_eq!(handled, others.len() + 1);
    let slow = row_for(&app, "slow@example.org").await;
    assert_timed_out_and_waiting(&slow);
    assert_eq!(slow.attempts, 1);
    for address in &others {
        assert_eq!(row_for(&app, address).await.status, OutboxStatus::Sent);
    }

    // Once the relay answers, the stalled email is retried and delivered once, with
    // the Message-ID the stalled attempt carried (so a receiver that did get the
    // first copy can drop the second).
    app.smtp().stall_recipient(None);
    app.clock.advance(secs(30));
    assert_eq!(drain(&app).await, 1);
    let delivered = app.wait_for_mail(others.len() + 1).await;
    assert_eq!(delivered.len(), others.len() + 1);
    let copies = app.mail_to("slow@example.org");
    assert_eq!(copies.len(), 1);
    let stalled = app.smtp().stalled_messages();
    let first_try = stalled[0].header("Message-ID").expect("a Message-ID");
    assert_eq!(copies[0].header("Message-ID"), Some(first_try));
    let slow = row_for(&app, "slow@example.org").await;
    assert_eq!(slow.status, OutboxStatus::Sent, "{slow:#?}");
    assert_eq!(slow.attempts, 2);
    app.stop().await;
}

#[tokio::test]
async fn a_worker_stuck_on_a_stalled_send_stops_after_shutdown() {
    let app = TestApp::spawn_with(|s| s.smtp_timeout = SMTP_TIMEOUT).await;
    app.smtp().set_behaviour(Behaviour::StallAfterData);
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;

    let shutdown = CancellationToken::new();
    let running = tokio::spawn(app.worker.clone().run(shutdown.clone()));
    let held = app.smtp().wait_for_stalls(1, Duration::from_secs(30)).await;
    assert_eq!(held, 1, "the relay holds the worker's message");
    shutdown.cancel();
    tokio::time::timeout(GUARD, running)
        .await
        .expect("the worker stops although the relay never answers")
        .expect("the worker does not panic");

    // The send ended as a timeout and the row waits for its retry, held by nobody.
    let row = row_for(&app, "ada@example.org").await;
    assert_timed_out_and_waiting(&row);
    assert_eq!(row.attempts, 1);
    assert!(app.smtp().messages().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_lease_too_short_for_the_smtp_timeout_is_refused_at_start() {
    let database = TestDatabase::create().await;
    let settings = Settings {
        database_url: database.url.clone().into(),
        bind: "127.0.0.1:0".parse().expect("an address"),
        run_worker: false,
        smtp_timeout: Duration::from_secs(60),
        outbox_lease: Duration::from_secs(149),
        ..Settings::default()
    };
    let clock = Clock::manual(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .single()
            .expect("a time"),
    );
    let refused = match Application::build(settings.clone(), clock.clone()).await {
        Ok(_) => panic!("an application with a 149 s lease and a 60 s SMTP timeout"),
        Err(e) => e.to_string(),
    };
    assert!(refused.contains("outbox_lease_secs (149 s)"), "{refused}");
    assert!(refused.contains("smtp_timeout_secs (60 s)"), "{refused}");
    assert!(refused.contains("at least 150 s"), "{refused}");

    // One more second and it starts.
    let fits = Settings {
        outbox_lease: Duration::from_secs(150),
        ..settings
    };
    let app = Application::build(fits, clock)
        .await
        .expect("a lease of twice the SMTP timeout plus 30 s is enough");
    app.state().db.clone().close().await.ok();
}

#[tokio::test]
async fn message_ids_differ_between_databases_for_the_same_row_id() {
    let first = TestApp::spawn().await;
    let second = TestApp::spawn().await;
    let mut ids = Vec::new();
    let mut row_ids = Vec::new();
    for app in [&first, &second] {
        sign_as(app, "Ada Lovelace", "ada@example.org").await;
        assert_eq!(drain(app).await, 1);
        let mail = app.wait_for_mail(1).await;
        ids.push(mail[0].header("Message-ID").expect("a Message-ID"));
        row_ids.push(row_for(app, "ada@example.org").await.id);
    }
    // Both fresh databases numbered the row alike; the Message-IDs differ anyway.
    assert_eq!(row_ids[0], row_ids[1]);
    assert_ne!(ids[0], ids[1]);
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn a_link_queued_while_the_relay_was_down_for_a_day_does_not_expire_before_it_is_sent() {
    let port = smtp::free_port();
    let mut app = TestApp::spawn_custom(None, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        s.token_ttl = Duration::from_secs(24 * 3600);
        s.max_confirmation_emails = 1;
        s.outbox_retry_base = Duration::from_secs(30);
    })
    .await;
    let ada = individual("Ada Lovelace", "ada@example.org");
    sign_as(&app, "Ada Lovelace", "ada@example.org").await;
    // Nobody listens: the email waits.
    assert_eq!(drain(&app).await, 1);
    assert_eq!(
        row_for(&app, "ada@example.org").await.status,
        OutboxStatus::Pending
    );

    // A day and an hour later the relay is still down. The link has not been sent, so
    // it has not expired either: signing again (the cap of one email used up) queues
    // nothing more.
    app.clock.advance(secs(25 * 3600));
    let response = app.sign(&ada).await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.outbox().await.len(), 1);

    // The relay is back and the link goes out.
    let server = TestSmtpServer::start_on(port, SmtpOptions::default())
        .await
        .expect("starting SMTP on the port the app uses");
    app.smtp = Some(server);
    assert_eq!(drain(&app).await, 1);
    let sent = app.wait_for_mail(1).await;
    let link = TestApp::confirmation_path(&sent[0]);

    // An hour after sending, the link works, so signing again (with the cap of one
    // email used up) queues nothing, although the email was queued 26 hours ago.
    app.clock.advance(secs(3600));
    let response = app.sign(&ada).await;
    assert_eq!(response.status(), 303);
    assert_eq!(drain(&app).await, 0);
    assert_eq!(app.outbox().await.len(), 1);
    assert_eq!(app.mail_to("ada@example.org").len(), 1);

    // A day after it was sent, the link has expired and the cap starts afresh.
    app.clock.advance(secs(23 * 3600 + 1));
    let response = app.sign(&ada).await;
    assert_eq!(response.status(), 303);
    assert_eq!(drain(&app).await, 1);
    let mail = app.wait_for_mail(2).await;
    assert_eq!(app.mail_to("ada@example.org").len(), 2);
    let fresh = TestApp::confirmation_path(&mail[1]);
    assert_ne!(fresh, link);
    let confirmed = app.post_form(&fresh, &[]).await;
    assert_eq!(confirmed.status(), 200);
    app.stop().await;
}
