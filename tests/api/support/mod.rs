//! The test harness: each test gets its own database (SQLite file, or a fresh PostgreSQL
//! database when `TEST_DATABASE_URL` is set), its own SMTP server, and the real
//! application on a real port.
#![allow(dead_code)]

pub mod database;
pub mod sibling;
pub mod smtp;
pub mod staff;

use std::time::Duration;

use chrono::TimeZone;
use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use undersigned::entities::{LetterStatus, outbox};
use undersigned::outbox::Worker;
use undersigned::store::letters::{self, NewLetter, NewTarget};
use undersigned::{Application, Clock, Settings};

use database::TestDatabase;
use smtp::{ReceivedMessage, TestSmtpServer};

/// Where every link in test emails points; the harness swaps it for the real address,
/// which shows the links come from the setting and not from the request.
pub const BASE_URL: &str = "https://letters.example.org";

/// The slug of the open letter every test app starts with.
pub const LETTER: &str = "free-the-prisoners";

/// A running application and everything around it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: DatabaseConnection,
    /// The app's group-commit writer (`db::batch`), for its figures.
    pub writer: undersigned::db::batch::Writer,
    pub clock: Clock,
    pub smtp: Option<TestSmtpServer>,
    pub client: reqwest::Client,
    pub worker: Worker,
    pub settings: Settings,
    pub mail_dir: tempfile::TempDir,
    /// The port of the separate metrics listener, with `metrics_bind`.
    pub metrics_port: Option<u16>,
    shutdown: CancellationToken,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    database: TestDatabase,
}

/// The fields of a signing, by form field name.
pub type Fields = Vec<(&'static str, String)>;

/// The `form_secret` of every test app, so tests can mint sign-form stamps.
pub const FORM_SECRET: &str = "the test harness's form secret";

/// When every test app's clock starts.
pub fn start_time() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("a time")
}

/// A sign-form stamp for letter `letter_id` rendered at `at`, as the app would mint it.
pub fn stamp(letter_id: i64, at: chrono::DateTime<chrono::Utc>) -> String {
    undersigned::abuse::FormStamps::new(FORM_SECRET.as_bytes()).mint(letter_id, at)
}

/// A page with the values of its sign forms' `form_stamp` fields blanked, to compare
/// pages rendered at different times.
pub fn without_form_stamps(page: &str) -> String {
    const FIELD: &str = "name=\"form_stamp\" value=\"";
    let mut out = String::with_capacity(page.len());
    let mut rest = page;
    while let Some(at) = rest.find(FIELD) {
        let value = at + FIELD.len();
        out.push_str(&rest[..value]);
        let end = rest[value..].find('"').map_or(rest.len(), |e| value + e);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The stamp `individual()` and `organisation()` carry: the harness letter (the first
/// letter of every test database), rendered a minute before the clock starts. Good for
/// a day of test time; `post_form` swaps it for a fresh stamp of the letter posted to.
pub fn default_stamp() -> String {
    stamp(1, start_time() - chrono::Duration::minutes(1))
}

impl TestApp {
    /// The app with an SMTP server and generous rate limits.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// The app after `configure` has adjusted the settings.
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let smtp = TestSmtpServer::start()
            .await
            .expect("starting the SMTP server");
        let url = smtp.url();
        Self::spawn_custom(Some(smtp), |s| {
            s.smtp_url = Some(url.into());
            configure(s);
        })
        .await
    }

    /// The app as `configure` leaves the settings, with `smtp` kept for the test.
    pub async fn spawn_custom(
        smtp: Option<TestSmtpServer>,
        configure: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let database = TestDatabase::create().await;
        let mail_dir = tempfile::tempdir().expect("a mail directory");
        let mut settings = Settings {
            database_url: database.url.clone().into(),
            database_max_connections: 10,
            bind: "127.0.0.1:0".parse().expect("an address"),
            base_url: BASE_URL.parse().expect("a URL"),
            smtp_url: None,
            mail_dir: mail_dir.path().to_path_buf(),
            run_worker: false,
            sign_rate_per_minute: 10_000,
            sign_burst: 10_000,
            confirm_rate_per_minute: 10_000,
            confirm_burst: 10_000,
            // One test client stands in for many people, as with the rate limits above;
            // tests of the cap set their own.
            max_connections_per_address: 10_000,
            // One client address, one email domain and a few names stand in for many
            // people here too: the quarantine rules are off, and `identity.rs` turns
            // them on.
            quarantine_burst_per_prefix: 0,
            quarantine_new_domain_signers: 0,
            quarantine_skeleton_duplicates: false,
            // Likewise for the durable limits and the under-attack mode (one minute of the
            // manual clock can hold a whole test); `limits.rs` sets its own.
            letter_signings_per_minute: 1_000_000,
            domain_signings_per_letter_per_hour: 1_000_000,
            emails_per_address_per_day: 1_000_000,
            under_attack_threshold_per_minute: 1_000_000,
            outbox_retry_base: Duration::from_secs(30),
            smtp_timeout: Duration::from_secs(10),
            // Tests read a page right after changing what it shows, without moving the
            // clock; the tests of the page cache turn it on.
            page_cache_ttl: Duration::ZERO,
            dashboard_cache_ttl: Duration::ZERO,
            form_secret: Some(FORM_SECRET.into()),
            ..Settings::default()
        };
        configure(&mut settings);
        let clock = Clock::manual(start_time());
        let app = Application::build(settings.clone(), clock.clone())
            .await
            .expect("building the application");
        let port = app.port();
        let metrics_port = app.metrics_port();
        let db = app.state().db.clone();
        let writer = app.state().writer.clone();
        let worker = app.worker("test-worker");
        letters::create(
            &db,
            NewLetter {
                slug: LETTER.into(),
                title: "Free the prisoners of conscience".into(),
                summary: "A test letter.".into(),
                body: "We ask you to **act**.".into(),
                language: "en".into(),
                status: LetterStatus::Open,
                goal: Some(1000),
                deadline: None,
                individuals_may_sign: true,
                organisations_may_sign: true,
                organisations_need_approval: false,
                targets: vec![
                    NewTarget::new("European Council", "council@example.org"),
                    NewTarget::new("European Commission", "commission@example.org"),
                ],
            },
            clock.now(),
        )
        .await
        .expect("creating the test letter");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(app.run_until_stopped(shutdown.clone()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .build()
            .expect("an HTTP client");
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            db,
            writer,
            clock,
            smtp,
            client,
            worker,
            settings,
            mail_dir,
            metrics_port,
            shutdown,
            server: Some(server),
            database,
        }
    }

    pub fn smtp(&self) -> &TestSmtpServer {
        self.smtp.as_ref().expect("this app has an SMTP server")
    }

    /// Delivers everything due in the outbox, as the worker would.
    pub async fn drain_outbox(&self) -> usize {
        self.worker.drain().await.expect("draining the outbox")
    }

    /// Folds confirmations into the shown counts, as the worker would.
    pub async fn roll_up(&self) {
        undersigned::store::counts::roll_up(&self.db, self.clock.now())
            .await
            .expect("rolling up counts");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("a GET request")
    }

    /// Posts a form. A sign form carrying [`default_stamp`] gets a fresh stamp of the
    /// letter it goes to, rendered a minute ago by the test clock (the one place the
    /// harness stands in for a person who read the page first); any other stamp, or
    /// none, is sent as it is.
    pub async fn post_form(&self, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
        let fields = self.stamped(path, fields).await;
        self.client
            .post(self.url(path))
            .form(&fields)
            .send()
            .await
            .expect("a POST request")
    }

    /// `fields` with the harness's default sign-form stamp replaced by one minted a minute
    /// ago by the test clock for the letter `path` signs (whatever the clock has done), as
    /// a reader who opened the page a minute ago would send it.
    pub async fn stamped<'a>(
        &self,
        path: &str,
        fields: &[(&'a str, String)],
    ) -> Vec<(&'a str, String)> {
        let mut fields = fields.to_vec();
        if let Some(slug) = path
            .strip_prefix("/letters/")
            .and_then(|p| p.strip_suffix("/sign"))
        {
            let default = default_stamp();
            if let Some((_, value)) = fields
                .iter_mut()
                .find(|(k, v)| *k == "form_stamp" && *v == default)
                && let Ok(Some(letter)) = letters::find_by_slug(&self.db, slug).await
            {
                *value = stamp(letter.id, self.clock.now() - chrono::Duration::minutes(1));
            }
        }
        fields
    }

    /// Posts the individual form of the test letter.
    pub async fn sign(&self, fields: &[(&str, String)]) -> reqwest::Response {
        self.post_form(&format!("/letters/{LETTER}/sign"), fields)
            .await
    }

    /// The public page of the test letter, as text.
    pub async fn letter_page(&self) -> String {
        let response = self.get(&format!("/letters/{LETTER}")).await;
        assert_eq!(response.status(), 200);
        response.text().await.expect("a page")
    }

    /// The JSON of the test letter.
    pub async fn letter_json(&self) -> serde_json::Value {
        let response = self.get(&format!("/api/letters/{LETTER}")).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON")
    }

    /// Waits for `n` messages in all on the SMTP server.
    pub async fn wait_for_mail(&self, n: usize) -> Vec<ReceivedMessage> {
        let messages = self
            .smtp()
            .wait_for_messages(n, Duration::from_secs(10))
            .await;
        assert!(
            messages.len() >= n,
            "expected {n} messages, got {}",
            messages.len()
        );
        messages
    }

    /// Messages received for one address.
    pub fn mail_to(&self, address: &str) -> Vec<ReceivedMessage> {
        self.smtp()
            .messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == address))
            .collect()
    }

    /// The path of the confirmation link in a message (the host is `BASE_URL`).
    pub fn confirmation_path(message: &ReceivedMessage) -> String {
        let link = message
            .links()
            .into_iter()
            .find(|l| l.contains("/confirm/"))
            .expect("a confirmation link in the message");
        link.strip_prefix(BASE_URL)
            .unwrap_or_else(|| panic!("link {link} does not start with {BASE_URL}"))
            .to_string()
    }

    /// All outbox rows, oldest first.
    pub async fn outbox(&self) -> Vec<outbox::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        outbox::Entity::find()
            .order_by_asc(outbox::Column::Id)
            .all(&self.db)
            .await
            .expect("reading the outbox")
    }

    /// Fires the shutdown signal without waiting for the server (see `server_stopped`).
    pub fn signal_shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Waits for the server task to end after `signal_shutdown`; `guard` only keeps a
    /// broken shutdown from hanging the test for ever.
    pub async fn server_stopped(&mut self, guard: Duration) -> anyhow::Result<()> {
        let server = self.server.take().expect("the server is running");
        tokio::time::timeout(guard, server)
            .await
            .expect("the server stops within the guard after the shutdown signal")
            .expect("the server task did not panic")
    }

    /// Stops the server and drops the database.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let ended = tokio::time::timeout(Duration::from_secs(10), server)
                .await
                .expect("the server stops within 10 seconds of the shutdown signal")
                .expect("the server task did not panic");
            ended.expect("the server ended without error");
        }
        self.db.clone().close().await.ok();
        if let Some(smtp) = self.smtp.take() {
            smtp.stop().await;
        }
    }
}

/// A valid individual signing for `email`.
pub fn individual(name: &str, email: &str) -> Fields {
    vec![
        ("kind", "individual".into()),
        ("name", name.into()),
        ("email", email.into()),
        ("country", "FR".into()),
        ("city", "Lyon".into()),
        ("occupation", "Teacher".into()),
        ("show_publicly", "on".into()),
        // The version of the letter's text the form was shown with (see `versions.rs`).
        ("version", "1".into()),
        ("form_stamp", default_stamp()),
    ]
}

/// A valid organisation signing.
pub fn organisation(org: &str, contact: &str, email: &str) -> Fields {
    vec![
        ("kind", "organisation".into()),
        ("organisation_name", org.into()),
        ("country", "DE".into()),
        ("website", "https://rights.example.org".into()),
        ("name", contact.into()),
        ("email", email.into()),
        ("role", "Director".into()),
        ("version", "1".into()),
        ("form_stamp", default_stamp()),
    ]
}

/// The fields with one of them replaced (or added).
pub fn with(mut fields: Fields, name: &'static str, value: &str) -> Fields {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value.to_string()));
    fields
}
