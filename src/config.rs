//! Typed settings, read once at start from an optional TOML file and `UNDERSIGNED_*`
//! environment variables (the environment wins). Nothing else in the service reads the
//! environment.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Prefix of every environment variable the service reads.
pub const ENV_PREFIX: &str = "UNDERSIGNED_";

/// A setting that could not be read; the message names it and where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("unknown setting `{key}` in {origin}")]
    Unknown { key: String, origin: String },
    #[error("setting `{key}` (from {origin}) is invalid: {message}")]
    Invalid {
        key: String,
        origin: String,
        message: String,
    },
    /// Settings that are each valid but unsafe or contradictory together.
    #[error("{0}")]
    Unsafe(String),
    /// Settings each valid on their own that do not fit together.
    #[error("settings do not fit together: {0}")]
    Inconsistent(String),
}

/// What the outbox lease must exceed twice the SMTP timeout by (see `Settings::check`).
pub const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Every setting of the service with its default. Field names are the TOML keys; the
/// environment variable is `UNDERSIGNED_` + the name in upper case. URLs that can hold a
/// password are secrets: `Debug` prints them redacted, so a logged `Settings` leaks nothing.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `sqlite://path?mode=rwc` (the default, created on start) or `postgres://...`.
    pub database_url: SecretString,
    /// Most connections the pool opens.
    pub database_max_connections: u32,
    /// How long a SQLite writer waits for the lock before failing.
    pub sqlite_busy_timeout: Duration,
    /// How long a request waits for a pooled connection (or a new one) before it is
    /// answered 503: an outage fails fast instead of holding every request.
    pub database_acquire_timeout: Duration,
    /// Longest a single statement may run on PostgreSQL (`statement_timeout`).
    pub database_statement_timeout: Duration,
    /// Longest a request may take from its headers to its answer; then it is answered
    /// 503 with Retry-After. Also the limit for a client sending its body.
    pub request_timeout: Duration,
    /// Apply pending migrations when `serve` or `worker` starts.
    pub migrate_on_start: bool,
    /// Address the web server listens on.
    pub bind: SocketAddr,
    /// Public address of the service; every link in an email is built from it.
    pub base_url: Url,
    /// SMTP relay as lettre reads it; `Some` exactly when the `mail` setting is `smtp`.
    /// Without one, mail goes to `mail_dir`.
    pub smtp_url: Option<SecretString>,
    /// Serve the development mailbox: `None` (the `auto` default) serves it only while mail
    /// goes to files and the service listens on a loopback address; `Some(true)` serves it
    /// on any address with file mail (and warns at every start); `Some(false)` never.
    pub dev_mailbox: Option<bool>,
    /// Let file mail run on a non-loopback bind (warned at every start). Without it such a
    /// start is refused: confirmation links would go nowhere a signer can reach.
    pub allow_public_file_mail: bool,
    /// Extra PEM root certificate trusted for the SMTP relay's TLS (private relays).
    pub smtp_ca_file: Option<PathBuf>,
    /// How long one SMTP conversation may take.
    pub smtp_timeout: Duration,
    /// The From of every email, e.g. `Open letters <letters@example.org>`.
    pub mail_from: String,
    /// Where mail is written as .eml files when no SMTP relay is configured.
    pub mail_dir: PathBuf,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a confirmation link works.
    pub token_ttl: Duration,
    /// Most confirmation emails one pending signature gets (the first one included).
    pub max_confirmation_emails: u32,
    /// Least time between two "you have already signed" emails to one signature.
    pub already_signed_email_interval: Duration,
    /// Signing requests per minute from one client address (IPv6 by /64).
    pub sign_rate_per_minute: u32,
    /// Signing requests one address may make in a burst.
    pub sign_burst: u32,
    /// Confirmation and resend requests per minute from one client address.
    pub confirm_rate_per_minute: u32,
    /// Confirmation requests one address may make in a burst.
    pub confirm_burst: u32,
    /// How often idle rate-limit keys are forgotten.
    pub rate_limit_sweep_interval: Duration,
    /// How often confirmed signatures are folded into the shown counts (the lag bound).
    pub count_rollup_interval: Duration,
    /// How often the shown counts are checked against the signatures themselves.
    pub count_reconcile_interval: Duration,
    /// How often the worker closes open letters whose deadline has passed.
    pub deadline_check_interval: Duration,
    /// Run the outbox worker and count roll-up inside `serve`.
    pub run_worker: bool,
    /// How often an idle worker looks for due outbox rows.
    pub outbox_poll_interval: Duration,
    /// How long a claimed outbox row stays with its worker before others may take it.
    pub outbox_lease: Duration,
    /// Attempts before a temporarily failing outbox row is given up.
    pub outbox_max_attempts: u32,
    /// First retry delay; doubled on each attempt, capped at one hour.
    pub outbox_retry_base: Duration,
    /// Outbox rows one worker process sends at the same time.
    pub worker_concurrency: u32,
    /// Group commit (`db::batch`): most signings or confirmations written in one
    /// transaction.
    pub write_batch_max: u32,
    /// How long a writer waits for more work after the first item of a batch arrived.
    pub write_batch_window: Duration,
    /// Writers, each with a transaction of its own at a time; 0 picks one on SQLite (one
    /// writer at a time is all it allows) and four on PostgreSQL.
    pub write_batch_lanes: u32,
    /// Confirmed individuals shown per page of a letter.
    pub individuals_per_page: u32,
    /// `pretty` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `undersigned=debug,info`.
    pub log: String,
    /// Confirmed organisations shown per page of a letter.
    pub organisations_per_page: u32,
    /// How long the rendered first page of a letter is served from memory without asking
    /// the database; zero turns the cache off.
    pub page_cache_ttl: Duration,
    /// How long the letter dashboard's heavy figures (counts by status, the hourly chart,
    /// the last hour's tallies) are reused for the same letter; zero reads them each time.
    pub dashboard_cache_ttl: Duration,
    /// Longest a client may take to send a request's headers; the clock starts when the
    /// server waits for a request, so it also closes a kept-alive connection left idle.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moves either way, and no request is being handled,
    /// for this long is closed: a client that stops reading its response, or (when set
    /// below `header_read_timeout`) a kept-alive connection left idle.
    pub idle_timeout: Duration,
    /// Most connections open at once; more are closed as soon as they are accepted.
    pub max_connections: u32,
    /// Most connections open at once from one client address (IPv6 by /64); peers in
    /// `trusted_proxies` are exempt but count towards `max_connections`.
    pub max_connections_per_address: u32,
    /// After the shutdown signal, how long connections get to finish before they are cut.
    pub shutdown_timeout: Duration,
    /// A staff session unused this long is over.
    pub staff_session_idle: Duration,
    /// A staff session is over this long after sign-in, however busy.
    pub staff_session_absolute: Duration,
    /// Staff sign-in attempts per minute from one client address (IPv6 by /64).
    pub staff_sign_in_per_minute: u32,
    /// Staff sign-in attempts per hour for one account (the email typed).
    pub staff_sign_in_per_account_per_hour: u32,
    /// Days after a letter is closed or delivered when its signers' email addresses, IP
    /// addresses and unpublished contact fields are erased (`privacy::retention`).
    pub retention_days: u32,
    /// How often the retention job looks for what is due.
    pub retention_interval: Duration,
    /// The key of the IP hashes kept after erasure; when unset the service makes one
    /// and keeps it in the database.
    pub ip_hash_key: Option<SecretString>,
    /// Data requests emailed to one address per day.
    pub data_requests_per_day: u32,
    /// Quarantine (`abuse::quarantine`): a confirmation is held when more than this many
    /// others on the same letter came from its /24 (IPv4) or /48 (IPv6) within
    /// `quarantine_burst_minutes`. 0 turns the rule off.
    pub quarantine_burst_per_prefix: u32,
    pub quarantine_burst_minutes: u32,
    /// Quarantine: held when the email domain was first seen on the letter less than
    /// `quarantine_new_domain_hours` ago and the letter has more than this many
    /// signatures from it (big webmail providers excepted). 0 turns the rule off.
    pub quarantine_new_domain_signers: u32,
    pub quarantine_new_domain_hours: u32,
    /// Quarantine: held when the name looks like (same confusable skeleton) the name of
    /// another confirmed or held signature of the same kind on the letter with another
    /// address.
    pub quarantine_skeleton_duplicates: bool,
    /// Signings one letter takes per minute, counted in the database across replicas.
    pub letter_signings_per_minute: u32,
    /// Signings one email domain makes on one letter per hour (database, all replicas).
    pub domain_signings_per_letter_per_hour: u32,
    /// Email domains the per-domain limit leaves alone: big webmail providers that many
    /// genuine signers share (a flood through them still meets the per-letter limit).
    pub domain_limit_exempt: Vec<String>,
    /// Emails queued to one address per day across all letters, so nobody can flood a
    /// victim's inbox through the service.
    pub emails_per_address_per_day: u32,
    /// The in-memory signing quota of an IPv6 /48 and an IPv4 /24, as a multiple of the
    /// quota of one /64 or one IPv4 address (`sign_rate_per_minute`, `sign_burst`).
    pub sign_wide_prefix_factor: u32,
    /// Signings per minute on one letter above which its sign form asks for a proof of
    /// work (under-attack mode).
    pub under_attack_threshold_per_minute: u32,
    /// Least time an automatically switched under-attack mode stays on; it then goes off
    /// once a whole minute passed below half the threshold.
    pub under_attack_min_duration: Duration,
    /// The proof of work's difficulty: the largest number a browser may have to try.
    pub pow_max_number: u64,
    /// How long a signer without JavaScript waits before continuing, under attack.
    pub pow_delay: Duration,
    /// How long a challenge or delay ticket may be used after it was given.
    pub pow_ttl: Duration,
    /// Signatures read per query of an export (keyset pages by id); also what is written
    /// between two reads, so it bounds an export's memory.
    pub export_page_size: u32,
    /// The key that signs the render time carried by each sign form. Unset, a random key
    /// is made at start (and a warning logged): forms rendered before a restart, or by
    /// another replica, are then refused as forged, so set one shared value on every
    /// replica of a real deployment.
    pub form_secret: Option<SecretString>,
    /// A sign form sent sooner than this after it was rendered is shown again with a
    /// request to read the letter first. Zero turns the check off.
    pub sign_min_fill: Duration,
    /// A sign form sent later than this after it was rendered is shown again (fresh).
    pub sign_form_max_age: Duration,
    /// Emails telling signers that a letter was delivered, at most this many a minute for
    /// each delivered letter (queued with evenly spaced send times), so a letter with many
    /// signers neither floods the relay nor trips its limits.
    pub delivery_notices_per_minute: u32,
    /// The disposable-address domains refused at signing, one per line; unset, the list
    /// shipped in `data/disposable_email_blocklist.conf` (compiled in). Read again on
    /// SIGHUP and by the staff button.
    pub disposable_domains_file: Option<PathBuf>,
    /// How often each replica reads the operators' block and allow lists again (a change
    /// made on this replica applies at once).
    pub screening_lists_refresh: Duration,
    // Operations: metrics and webhooks (`crate::metrics`, `crate::webhooks`).
    /// Bearer token that `/metrics` on the main address requires; a secret, never logged.
    /// Unset (and no `metrics_bind`): `/metrics` does not exist.
    pub metrics_token: Option<SecretString>,
    /// A separate address serving `/metrics` alone (loopback unless
    /// `metrics_bind_allow_public`).
    pub metrics_bind: Option<SocketAddr>,
    /// Let `metrics_bind` be a non-loopback address (warned at every start).
    pub metrics_bind_allow_public: bool,
    /// Let webhooks go to `http://` URLs and to loopback, private, link-local and other
    /// non-public addresses (warned at every start). Off, such targets are refused.
    pub webhook_allow_private_targets: bool,
    /// Longest one webhook delivery may take, connect to the end of the answer.
    pub webhook_timeout: Duration,
    /// Interface language of a visitor who chose none and whose browser asks for none of
    /// the offered ones (`templates::LANGUAGES`), e.g. "en".
    pub default_language: String,
    /// Offer the accented pseudo-locales (`en-XA`, and `ar-XB` marked right-to-left) for
    /// checking that every word of the interface is translatable. For development only:
    /// warned at every start.
    pub pseudo_locales: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `pretty` or `json`".into()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        let bind = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);
        Settings {
            database_url: SecretString::from("sqlite://data/undersigned.db?mode=rwc"),
            database_max_connections: 20,
            sqlite_busy_timeout: Duration::from_secs(10),
            database_acquire_timeout: Duration::from_secs(3),
            database_statement_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            migrate_on_start: true,
            bind,
            base_url: base_url_for(bind),
            smtp_url: None,
            dev_mailbox: None,
            allow_public_file_mail: false,
            smtp_ca_file: None,
            smtp_timeout: Duration::from_secs(30),
            mail_from: "undersigned <noreply@undersigned.localhost>".into(),
            mail_dir: PathBuf::from("data/mail"),
            trusted_proxies: Vec::new(),
            token_ttl: Duration::from_secs(7 * 24 * 3600),
            max_confirmation_emails: 3,
            already_signed_email_interval: Duration::from_secs(24 * 3600),
            sign_rate_per_minute: 10,
            sign_burst: 5,
            confirm_rate_per_minute: 30,
            confirm_burst: 10,
            rate_limit_sweep_interval: Duration::from_secs(60),
            count_rollup_interval: Duration::from_secs(1),
            count_reconcile_interval: Duration::from_secs(600),
            deadline_check_interval: Duration::from_secs(15),
            run_worker: true,
            outbox_poll_interval: Duration::from_millis(500),
            outbox_lease: Duration::from_secs(300),
            outbox_max_attempts: 12,
            outbox_retry_base: Duration::from_secs(30),
            worker_concurrency: 4,
            write_batch_max: 64,
            write_batch_window: Duration::from_millis(1),
            write_batch_lanes: 0,
            individuals_per_page: 50,
            log_format: LogFormat::Pretty,
            log: "info".into(),
            organisations_per_page: 100,
            page_cache_ttl: Duration::from_millis(2000),
            dashboard_cache_ttl: Duration::from_secs(5),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            max_connections_per_address: 100,
            shutdown_timeout: Duration::from_secs(20),
            staff_session_idle: Duration::from_secs(8 * 3600),
            staff_session_absolute: Duration::from_secs(7 * 24 * 3600),
            staff_sign_in_per_minute: 5,
            staff_sign_in_per_account_per_hour: 10,
            retention_days: 183,
            retention_interval: Duration::from_secs(3600),
            ip_hash_key: None,
            data_requests_per_day: 3,
            quarantine_burst_per_prefix: 20,
            quarantine_burst_minutes: 10,
            quarantine_new_domain_signers: 50,
            quarantine_new_domain_hours: 24,
            quarantine_skeleton_duplicates: true,
            letter_signings_per_minute: 30_000,
            domain_signings_per_letter_per_hour: 200,
            domain_limit_exempt: [
                "gmail.com",
                "googlemail.com",
                "outlook.com",
                "hotmail.com",
                "live.com",
                "yahoo.com",
                "icloud.com",
                "proton.me",
                "protonmail.com",
                "gmx.de",
                "gmx.net",
                "web.de",
                "orange.fr",
                "free.fr",
                "libero.it",
                "mail.ru",
                "yandex.ru",
            ]
            .map(String::from)
            .to_vec(),
            emails_per_address_per_day: 5,
            sign_wide_prefix_factor: 4,
            under_attack_threshold_per_minute: 3_000,
            under_attack_min_duration: Duration::from_secs(600),
            pow_max_number: 100_000,
            pow_delay: Duration::from_secs(10),
            pow_ttl: Duration::from_secs(600),
            export_page_size: crate::export::PAGE_SIZE,
            form_secret: None,
            sign_min_fill: Duration::from_secs(3),
            sign_form_max_age: Duration::from_secs(24 * 3600),
            delivery_notices_per_minute: 60,
            disposable_domains_file: None,
            screening_lists_refresh: Duration::from_secs(5),
            metrics_token: None,
            metrics_bind: None,
            metrics_bind_allow_public: false,
            webhook_allow_private_targets: false,
            webhook_timeout: Duration::from_secs(10),
            default_language: "en".into(),
            pseudo_locales: false,
        }
    }
}

/// Where a value came from, for error messages.
struct Raw {
    value: String,
    origin: String,
}

impl Settings {
    /// Reads the optional TOML file, then the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        let file = match config_file {
            Some(path) => Some((
                path.to_path_buf(),
                std::fs::read_to_string(path).map_err(|source| ConfigError::ReadFile {
                    path: path.to_path_buf(),
                    source,
                })?,
            )),
            None => None,
        };
        Settings::from_sources(
            file.as_ref().map(|(p, s)| (p.as_path(), s.as_str())),
            std::env::vars(),
        )
    }

    /// Builds settings from a TOML text and environment pairs; unprefixed variables are
    /// ignored, unknown `UNDERSIGNED_*` ones are an error (a typo should not pass silently).
    pub fn from_sources(
        file: Option<(&Path, &str)>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut raw: BTreeMap<String, Raw> = BTreeMap::new();
        if let Some((path, text)) = file {
            let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Toml {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            for (key, value) in table {
                let origin = format!("config file {}", path.display());
                let value = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Array(items) => items
                        .into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                raw.insert(key, Raw { value, origin });
            }
        }
        for (name, value) in vars {
            if let Some(key) = name.strip_prefix(ENV_PREFIX) {
                // The config file's path is read by the command line, not here.
                if key == "CONFIG" {
                    continue;
                }
                let origin = format!("environment variable {name}");
                raw.insert(key.to_ascii_lowercase(), Raw { value, origin });
            }
        }
        let mut s = Settings::default();
        let mut base_url_set = false;
        let mut mail: Option<(MailChoice, String)> = None;
        for (key, Raw { value, origin }) in raw {
            let invalid = |message: String| ConfigError::Invalid {
                key: key.clone(),
                origin: origin.clone(),
                message,
            };
            let v = value.trim();
            match key.as_str() {
                "database_url" => s.database_url = non_empty(v).map_err(invalid)?.into(),
                "database_max_connections" => {
                    s.database_max_connections = positive(v).map_err(invalid)?
                }
                "sqlite_busy_timeout_ms" => s.sqlite_busy_timeout = millis(v).map_err(invalid)?,
                "database_acquire_timeout_ms" => {
                    s.database_acquire_timeout = millis(v).map_err(invalid)?
                }
                "database_statement_timeout_ms" => {
                    s.database_statement_timeout = millis(v).map_err(invalid)?
                }
                "request_timeout_secs" => s.request_timeout = secs(v).map_err(invalid)?,
                "migrate_on_start" => s.migrate_on_start = boolean(v).map_err(invalid)?,
                "bind" => s.bind = parse(v).map_err(invalid)?,
                "base_url" => {
                    s.base_url = base_url(v).map_err(invalid)?;
                    base_url_set = true;
                }
                "mail" => mail = Some((parse(v).map_err(invalid)?, origin.clone())),
                "smtp_url" => s.smtp_url = optional(v).map(SecretString::from),
                "dev_mailbox" => {
                    s.dev_mailbox = match v {
                        "auto" => None,
                        other => Some(boolean(other).map_err(invalid)?),
                    }
                }
                "allow_public_file_mail" => {
                    s.allow_public_file_mail = boolean(v).map_err(invalid)?
                }
                "smtp_ca_file" => s.smtp_ca_file = optional(v).map(PathBuf::from),
                "smtp_timeout_secs" => s.smtp_timeout = secs(v).map_err(invalid)?,
                "mail_from" => {
                    s.mail_from = v
                        .parse::<lettre::message::Mailbox>()
                        .map_err(|e| invalid(format!("not an email address: {e}")))?
                        .to_string()
                }
                "mail_dir" => s.mail_dir = PathBuf::from(non_empty(v).map_err(invalid)?),
                "trusted_proxies" => s.trusted_proxies = cidrs(v).map_err(invalid)?,
                "token_ttl_hours" => {
                    s.token_ttl =
                        Duration::from_secs(u64::from(positive::<u32>(v).map_err(invalid)?) * 3600)
                }
                "max_confirmation_emails" => {
                    s.max_confirmation_emails = positive(v).map_err(invalid)?
                }
                "already_signed_email_interval_hours" => {
                    s.already_signed_email_interval =
                        Duration::from_secs(u64::from(parse::<u32>(v).map_err(invalid)?) * 3600)
                }
                "sign_rate_per_minute" => s.sign_rate_per_minute = positive(v).map_err(invalid)?,
                "sign_burst" => s.sign_burst = positive(v).map_err(invalid)?,
                "confirm_rate_per_minute" => {
                    s.confirm_rate_per_minute = positive(v).map_err(invalid)?
                }
                "confirm_burst" => s.confirm_burst = positive(v).map_err(invalid)?,
                "rate_limit_sweep_secs" => {
                    s.rate_limit_sweep_interval = secs(v).map_err(invalid)?
                }
                "count_rollup_interval_ms" => {
                    s.count_rollup_interval = millis(v).map_err(invalid)?
                }
                "count_reconcile_interval_secs" => {
                    s.count_reconcile_interval = secs(v).map_err(invalid)?
                }
                "deadline_check_interval_ms" => {
                    s.deadline_check_interval = millis(v).map_err(invalid)?
                }
                "run_worker" => s.run_worker = boolean(v).map_err(invalid)?,
                "outbox_poll_interval_ms" => s.outbox_poll_interval = millis(v).map_err(invalid)?,
                "outbox_lease_secs" => s.outbox_lease = secs(v).map_err(invalid)?,
                "outbox_max_attempts" => s.outbox_max_attempts = positive(v).map_err(invalid)?,
                "outbox_retry_base_secs" => s.outbox_retry_base = secs(v).map_err(invalid)?,
                "worker_concurrency" => s.worker_concurrency = positive(v).map_err(invalid)?,
                "write_batch_max" => s.write_batch_max = at_most(v, 1000).map_err(invalid)?,
                "write_batch_window_us" => {
                    s.write_batch_window =
                        Duration::from_micros(parse::<u64>(v).map_err(invalid)?.min(100_000))
                }
                "write_batch_lanes" => {
                    s.write_batch_lanes = parse::<u32>(v).map_err(invalid)?.min(64)
                }
                "individuals_per_page" => {
                    s.individuals_per_page = at_most(v, MAX_PER_PAGE).map_err(invalid)?
                }
                "log_format" => s.log_format = parse(v).map_err(invalid)?,
                "log" => s.log = non_empty(v).map_err(invalid)?,
                "organisations_per_page" => {
                    s.organisations_per_page = at_most(v, MAX_PER_PAGE).map_err(invalid)?
                }
                "page_cache_ttl_ms" => {
                    s.page_cache_ttl = Duration::from_millis(parse::<u64>(v).map_err(invalid)?)
                }
                "dashboard_cache_ttl_ms" => {
                    s.dashboard_cache_ttl = Duration::from_millis(parse::<u64>(v).map_err(invalid)?)
                }
                "header_read_timeout_secs" => s.header_read_timeout = secs(v).map_err(invalid)?,
                "idle_timeout_secs" => s.idle_timeout = secs(v).map_err(invalid)?,
                "max_connections" => s.max_connections = positive(v).map_err(invalid)?,
                "max_connections_per_address" => {
                    s.max_connections_per_address = positive(v).map_err(invalid)?
                }
                "shutdown_timeout_secs" => s.shutdown_timeout = secs(v).map_err(invalid)?,
                "staff_session_idle_minutes" => {
                    s.staff_session_idle =
                        Duration::from_secs(u64::from(positive::<u32>(v).map_err(invalid)?) * 60)
                }
                "staff_session_absolute_hours" => {
                    s.staff_session_absolute =
                        Duration::from_secs(u64::from(positive::<u32>(v).map_err(invalid)?) * 3600)
                }
                "staff_sign_in_per_minute" => {
                    s.staff_sign_in_per_minute = positive(v).map_err(invalid)?
                }
                "staff_sign_in_per_account_per_hour" => {
                    s.staff_sign_in_per_account_per_hour = positive(v).map_err(invalid)?
                }
                "retention_days" => s.retention_days = positive(v).map_err(invalid)?,
                "retention_interval_secs" => s.retention_interval = secs(v).map_err(invalid)?,
                "ip_hash_key" => s.ip_hash_key = optional(v).map(SecretString::from),
                "data_requests_per_day" => {
                    s.data_requests_per_day = positive(v).map_err(invalid)?
                }
                "quarantine_burst_per_prefix" => {
                    s.quarantine_burst_per_prefix = parse(v).map_err(invalid)?
                }
                "quarantine_burst_minutes" => {
                    s.quarantine_burst_minutes = positive(v).map_err(invalid)?
                }
                "quarantine_new_domain_signers" => {
                    s.quarantine_new_domain_signers = parse(v).map_err(invalid)?
                }
                "quarantine_new_domain_hours" => {
                    s.quarantine_new_domain_hours = positive(v).map_err(invalid)?
                }
                "quarantine_skeleton_duplicates" => {
                    s.quarantine_skeleton_duplicates = boolean(v).map_err(invalid)?
                }
                "letter_signings_per_minute" => {
                    s.letter_signings_per_minute = positive(v).map_err(invalid)?
                }
                "domain_signings_per_letter_per_hour" => {
                    s.domain_signings_per_letter_per_hour = positive(v).map_err(invalid)?
                }
                "domain_limit_exempt" => {
                    s.domain_limit_exempt = v
                        .split(',')
                        .map(|d| d.trim().to_ascii_lowercase())
                        .filter(|d| !d.is_empty())
                        .collect()
                }
                "emails_per_address_per_day" => {
                    s.emails_per_address_per_day = positive(v).map_err(invalid)?
                }
                "sign_wide_prefix_factor" => {
                    s.sign_wide_prefix_factor = positive(v).map_err(invalid)?
                }
                "under_attack_threshold_per_minute" => {
                    s.under_attack_threshold_per_minute = positive(v).map_err(invalid)?
                }
                "under_attack_min_duration_secs" => {
                    s.under_attack_min_duration = secs(v).map_err(invalid)?
                }
                "pow_max_number" => s.pow_max_number = positive(v).map_err(invalid)?,
                "pow_delay_secs" => s.pow_delay = secs(v).map_err(invalid)?,
                "pow_ttl_secs" => s.pow_ttl = secs(v).map_err(invalid)?,
                "export_page_size" => {
                    s.export_page_size =
                        at_most(v, crate::export::MAX_PAGE_SIZE).map_err(invalid)?
                }
                "form_secret" => s.form_secret = optional(v).map(SecretString::from),
                "default_language" => {
                    s.default_language = templates::Lang::get(v)
                        .filter(|l| templates::LANGUAGES.iter().any(|o| o.tag == l.tag()))
                        .map(|l| l.tag().to_owned())
                        .ok_or_else(|| {
                            invalid(format!(
                                "not an offered language; one of: {}",
                                templates::LANGUAGES
                                    .iter()
                                    .map(|l| l.tag)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })?
                }
                "pseudo_locales" => s.pseudo_locales = boolean(v).map_err(invalid)?,
                "sign_min_fill_secs" => {
                    s.sign_min_fill = Duration::from_secs(parse::<u64>(v).map_err(invalid)?)
                }
                "sign_form_max_age_hours" => {
                    s.sign_form_max_age =
                        Duration::from_secs(u64::from(positive::<u32>(v).map_err(invalid)?) * 3600)
                }
                "delivery_notices_per_minute" => {
                    s.delivery_notices_per_minute = positive(v).map_err(invalid)?
                }
                "disposable_domains_file" => {
                    s.disposable_domains_file = optional(v).map(PathBuf::from)
                }
                "screening_lists_refresh_secs" => {
                    s.screening_lists_refresh = secs(v).map_err(invalid)?
                }
                "metrics_token" => s.metrics_token = optional(v).map(SecretString::from),
                "metrics_bind" => {
                    s.metrics_bind = optional(v)
                        .map(|v| parse(&v))
                        .transpose()
                        .map_err(invalid)?
                }
                "metrics_bind_allow_public" => {
                    s.metrics_bind_allow_public = boolean(v).map_err(invalid)?
                }
                "webhook_allow_private_targets" => {
                    s.webhook_allow_private_targets = boolean(v).map_err(invalid)?
                }
                "webhook_timeout_secs" => s.webhook_timeout = secs(v).map_err(invalid)?,
                _ => return Err(ConfigError::Unknown { key, origin }),
            }
        }
        if !base_url_set {
            s.base_url = base_url_for(s.bind);
        }
        // Mail is an explicit choice: a relay URL alone does not switch to SMTP, and SMTP
        // without a relay is not quietly turned into files.
        match (mail, s.smtp_url.is_some()) {
            (Some((MailChoice::Smtp, _)), true) | (None | Some((MailChoice::Files, _)), false) => {}
            (Some((MailChoice::Smtp, origin)), false) => {
                return Err(ConfigError::Invalid {
                    key: "mail".into(),
                    origin,
                    message: "`smtp` needs `smtp_url` (the relay to send through)".into(),
                });
            }
            (None | Some((MailChoice::Files, _)), true) => {
                return Err(ConfigError::Unsafe(
                    "`smtp_url` is set but `mail` is `files` (the default): set `mail = \"smtp\"` \
                     to send through the relay, or remove `smtp_url`"
                        .into(),
                ));
            }
        }
        s.check()?;
        Ok(s)
    }

    /// Refuses combinations that would be unsafe on a public address; returns the warnings
    /// to log at every start for unsafe modes the operator asked for explicitly.
    ///
    /// The outbox lease must outlast a send: a worker renews a row's lease just before
    /// sending, and if the lease ran out while the relay still had the message, another
    /// worker would take the row and send it again. A send takes at most `smtp_timeout`;
    /// twice that plus 30 s leaves room for the database steps around it (which can wait
    /// on a busy SQLite) and for clocks of replicas that differ a little.
    pub fn check(&self) -> Result<Vec<String>, ConfigError> {
        let least_lease = self.smtp_timeout * 2 + LEASE_MARGIN;
        if self.outbox_lease < least_lease {
            return Err(ConfigError::Inconsistent(format!(
                "outbox_lease_secs ({} s) must be at least twice smtp_timeout_secs ({} s) \
                 plus {} s, i.e. at least {} s: raise outbox_lease_secs or lower \
                 smtp_timeout_secs",
                self.outbox_lease.as_secs(),
                self.smtp_timeout.as_secs(),
                LEASE_MARGIN.as_secs(),
                least_lease.as_secs_f64().ceil(),
            )));
        }
        // A no-JavaScript signer's ticket must still work when the wait is over.
        if self.pow_delay >= self.pow_ttl {
            return Err(ConfigError::Inconsistent(format!(
                "pow_delay_secs ({} s) must be shorter than pow_ttl_secs ({} s), or a signer \
                 without JavaScript could never continue under attack",
                self.pow_delay.as_secs(),
                self.pow_ttl.as_secs(),
            )));
        }
        let mut warnings = Vec::new();
        if self.uses_file_mail() && !self.bind.ip().is_loopback() {
            if !self.allow_public_file_mail {
                return Err(ConfigError::Unsafe(format!(
                    "mail goes to files but the service listens on {}, which is not a loopback \
                     address: signers could never receive their links. Set `mail = \"smtp\"` \
                     with `smtp_url`, bind to 127.0.0.1, or set `allow_public_file_mail = true` \
                     if you really mean it",
                    self.bind
                )));
            }
            warnings.push(format!(
                "mail goes to files in {} while listening on {} (allow_public_file_mail = true)",
                self.mail_dir.display(),
                self.bind
            ));
        }
        if self.serves_dev_mailbox() && !self.bind.ip().is_loopback() {
            warnings.push(format!(
                "the development mailbox at /dev/mailbox shows every email, addresses and live \
                 confirmation links included, to anyone who reaches {} (dev_mailbox = true)",
                self.bind
            ));
        }
        // Operations (`crate::metrics`, `crate::webhooks`).
        let least_lease = self.webhook_timeout * 2 + LEASE_MARGIN;
        if self.outbox_lease < least_lease {
            return Err(ConfigError::Inconsistent(format!(
                "outbox_lease_secs ({} s) must be at least twice webhook_timeout_secs ({} s) \
                 plus {} s: raise outbox_lease_secs or lower webhook_timeout_secs",
                self.outbox_lease.as_secs(),
                self.webhook_timeout.as_secs(),
                LEASE_MARGIN.as_secs(),
            )));
        }
        if let Some(bind) = self.metrics_bind
            && !bind.ip().is_loopback()
        {
            if !self.metrics_bind_allow_public {
                return Err(ConfigError::Unsafe(format!(
                    "metrics_bind {bind} is not a loopback address: anyone who reaches it \
                     could read the metrics. Bind it to 127.0.0.1, protect /metrics with \
                     metrics_token instead, or set metrics_bind_allow_public = true if a \
                     firewall guards it"
                )));
            }
            warnings.push(format!(
                "metrics are served on {bind}, which is not a loopback address \
                 (metrics_bind_allow_public = true)"
            ));
        }
        if self.webhook_allow_private_targets {
            warnings.push(
                "webhooks may go to http:// URLs and to loopback and private addresses \
                 (webhook_allow_private_targets = true): staff can make the service send \
                 requests into its own network"
                    .into(),
            );
        }
        if self.pseudo_locales {
            warnings.push(
                "the accented pseudo-locales en-XA and ar-XB are offered to every visitor \
                 (pseudo_locales = true); they are for checking translations"
                    .to_owned(),
            );
        }
        Ok(warnings)
    }

    /// True when mail goes to files (the `mail` setting is `files`).
    pub fn uses_file_mail(&self) -> bool {
        self.smtp_url.is_none()
    }

    /// True when `/dev/mailbox` exists: file mail, and either a loopback bind or an
    /// explicit `dev_mailbox = true`.
    pub fn serves_dev_mailbox(&self) -> bool {
        self.uses_file_mail()
            && self
                .dev_mailbox
                .unwrap_or_else(|| self.bind.ip().is_loopback())
    }

    /// The database URL, for connecting (never for logs: see `db::redact`).
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The SMTP relay URL, for the transport (never for logs).
    pub fn smtp_url(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(|u| u.expose_secret())
    }
}

/// Where mail goes: the `mail` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MailChoice {
    Files,
    Smtp,
}

impl FromStr for MailChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "files" => Ok(MailChoice::Files),
            "smtp" => Ok(MailChoice::Smtp),
            _ => Err("expected `files` or `smtp`".into()),
        }
    }
}

/// The public address matching a bind address, for a service run on one machine.
fn base_url_for(bind: SocketAddr) -> Url {
    let host = if bind.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        bind.ip()
    };
    let text = format!("http://{}", SocketAddr::new(host, bind.port()));
    // A socket address always makes a valid http URL; fall back to the default anyway.
    Url::parse(&text).unwrap_or_else(|_| {
        Url::parse("http://127.0.0.1:3000").unwrap_or_else(|_| unreachable!("constant URL"))
    })
}

fn parse<T: FromStr>(v: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    v.parse::<T>().map_err(|e| e.to_string())
}

fn positive<T: FromStr + Default + PartialEq>(v: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let n = parse::<T>(v)?;
    if n == T::default() {
        return Err("must be greater than zero".into());
    }
    Ok(n)
}

/// Most rows one page of a public list may show: a page is one query and one render, and
/// a bound here keeps both small whatever an operator types.
pub const MAX_PER_PAGE: u32 = 200;

fn at_most(v: &str, max: u32) -> Result<u32, String> {
    let n = positive::<u32>(v)?;
    if n > max {
        return Err(format!("must be at most {max}"));
    }
    Ok(n)
}

fn secs(v: &str) -> Result<Duration, String> {
    Ok(Duration::from_secs(positive::<u64>(v)?))
}

fn millis(v: &str) -> Result<Duration, String> {
    Ok(Duration::from_millis(positive::<u64>(v)?))
}

fn boolean(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn non_empty(v: &str) -> Result<String, String> {
    if v.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(v.to_string())
    }
}

fn optional(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_string())
}

fn base_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("expected an http:// or https:// address".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    Ok(url)
}

fn cidrs(v: &str) -> Result<Vec<IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{p}` is not an IP address or CIDR range"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let s = Settings::from_sources(None, env(&[("HOME", "/root")])).unwrap();
        assert_eq!(s.bind.port(), 3000);
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:3000/");
        assert!(s.uses_file_mail());
    }

    #[test]
    fn environment_overrides_the_file() {
        let file =
            "bind = \"127.0.0.1:4000\"\nsign_burst = 7\ntrusted_proxies = [\"10.0.0.0/8\"]\n";
        let s = Settings::from_sources(
            Some((Path::new("x.toml"), file)),
            env(&[("UNDERSIGNED_SIGN_BURST", "9")]),
        )
        .unwrap();
        assert_eq!(s.sign_burst, 9);
        assert_eq!(s.bind.port(), 4000);
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:4000/");
        assert_eq!(s.trusted_proxies.len(), 1);
    }

    #[test]
    fn a_bad_setting_names_itself() {
        let err = Settings::from_sources(
            None,
            env(&[("UNDERSIGNED_TRUSTED_PROXIES", "10.0.0.0/8, nonsense")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("trusted_proxies"), "{err}");
        assert!(err.contains("UNDERSIGNED_TRUSTED_PROXIES"), "{err}");
        assert!(err.contains("nonsense"), "{err}");
    }

    #[test]
    fn an_unknown_variable_is_refused() {
        let err = Settings::from_sources(None, env(&[("UNDERSIGNED_DATABSE_URL", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("databse_url"), "{err}");
    }

    #[test]
    fn mail_is_an_explicit_choice() {
        let relay = (
            "UNDERSIGNED_SMTP_URL",
            "smtp://user:pw@relay.example.org:25",
        );
        let err = Settings::from_sources(None, env(&[relay]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mail = \"smtp\""), "{err}");
        let err = Settings::from_sources(None, env(&[("UNDERSIGNED_MAIL", "smtp")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("smtp_url"), "{err}");
        let s = Settings::from_sources(None, env(&[relay, ("UNDERSIGNED_MAIL", "smtp")])).unwrap();
        assert!(!s.uses_file_mail() && !s.serves_dev_mailbox());
        assert_eq!(s.smtp_url(), Some("smtp://user:pw@relay.example.org:25"));
    }

    #[test]
    fn file_mail_on_a_public_bind_is_refused_unless_asked_for() {
        let public = ("UNDERSIGNED_BIND", "0.0.0.0:3000");
        let err = Settings::from_sources(None, env(&[public]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("allow_public_file_mail"), "{err}");
        let s = Settings::from_sources(
            None,
            env(&[public, ("UNDERSIGNED_ALLOW_PUBLIC_FILE_MAIL", "true")]),
        )
        .unwrap();
        // Allowed, warned, and still no mailbox on a public address unless asked for too.
        assert_eq!(s.check().unwrap().len(), 1);
        assert!(!s.serves_dev_mailbox());
        let s = Settings::from_sources(
            None,
            env(&[
                public,
                ("UNDERSIGNED_ALLOW_PUBLIC_FILE_MAIL", "true"),
                ("UNDERSIGNED_DEV_MAILBOX", "true"),
            ]),
        )
        .unwrap();
        assert!(s.serves_dev_mailbox());
        assert_eq!(s.check().unwrap().len(), 2);
    }

    #[test]
    fn the_mailbox_is_served_by_default_only_on_loopback() {
        let s = Settings::from_sources(None, env(&[])).unwrap();
        assert!(s.serves_dev_mailbox());
        assert!(s.check().unwrap().is_empty());
        let off =
            Settings::from_sources(None, env(&[("UNDERSIGNED_DEV_MAILBOX", "false")])).unwrap();
        assert!(!off.serves_dev_mailbox());
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_MAIL", "smtp"),
                ("UNDERSIGNED_SMTP_URL", "smtp://user:hunter2@relay:25"),
                ("UNDERSIGNED_DATABASE_URL", "postgres://u:sekrit@db/x"),
            ]),
        )
        .unwrap();
        let printed = format!("{s:?}");
        assert!(
            !printed.contains("hunter2") && !printed.contains("sekrit"),
            "{printed}"
        );
    }

    #[test]
    fn the_screening_settings_are_read_and_the_form_secret_is_not_printed() {
        let defaults = Settings::default();
        assert!(defaults.form_secret.is_none());
        assert_eq!(defaults.sign_min_fill, Duration::from_secs(3));
        assert_eq!(defaults.sign_form_max_age, Duration::from_secs(24 * 3600));
        let s = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_FORM_SECRET", "correct-horse-battery"),
                ("UNDERSIGNED_SIGN_MIN_FILL_SECS", "0"),
                ("UNDERSIGNED_SIGN_FORM_MAX_AGE_HOURS", "2"),
                (
                    "UNDERSIGNED_DISPOSABLE_DOMAINS_FILE",
                    "/etc/undersigned/disposable.conf",
                ),
                ("UNDERSIGNED_SCREENING_LISTS_REFRESH_SECS", "30"),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.form_secret.as_ref().map(|f| f.expose_secret()),
            Some("correct-horse-battery")
        );
        assert!(s.sign_min_fill.is_zero());
        assert_eq!(s.sign_form_max_age, Duration::from_secs(2 * 3600));
        assert_eq!(
            s.disposable_domains_file.as_deref(),
            Some(Path::new("/etc/undersigned/disposable.conf"))
        );
        assert_eq!(s.screening_lists_refresh, Duration::from_secs(30));
        assert!(!format!("{s:?}").contains("correct-horse-battery"));
        // A maximum age of zero would refuse every form.
        assert!(
            Settings::from_sources(None, env(&[("UNDERSIGNED_SIGN_FORM_MAX_AGE_HOURS", "0")]))
                .is_err()
        );
    }

    #[test]
    fn page_sizes_are_bounded_and_the_page_cache_can_be_off() {
        let s = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_INDIVIDUALS_PER_PAGE", "200"),
                ("UNDERSIGNED_ORGANISATIONS_PER_PAGE", "7"),
                ("UNDERSIGNED_PAGE_CACHE_TTL_MS", "0"),
                ("UNDERSIGNED_DASHBOARD_CACHE_TTL_MS", "0"),
            ]),
        )
        .unwrap();
        assert!(s.dashboard_cache_ttl.is_zero());
        assert_eq!(s.individuals_per_page, 200);
        assert_eq!(s.organisations_per_page, 7);
        assert!(s.page_cache_ttl.is_zero());
        let err = Settings::from_sources(None, env(&[("UNDERSIGNED_INDIVIDUALS_PER_PAGE", "201")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 200"), "{err}");
        assert!(
            Settings::from_sources(None, env(&[("UNDERSIGNED_ORGANISATIONS_PER_PAGE", "0")]))
                .is_err()
        );
    }

    #[test]
    fn a_lease_shorter_than_two_smtp_timeouts_and_a_margin_is_refused() {
        let err = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_SMTP_TIMEOUT_SECS", "60"),
                ("UNDERSIGNED_OUTBOX_LEASE_SECS", "149"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("outbox_lease_secs (149 s)"), "{err}");
        assert!(err.contains("smtp_timeout_secs (60 s)"), "{err}");
        assert!(err.contains("at least 150 s"), "{err}");
        let fits = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_SMTP_TIMEOUT_SECS", "60"),
                ("UNDERSIGNED_OUTBOX_LEASE_SECS", "150"),
            ]),
        )
        .unwrap();
        assert_eq!(fits.outbox_lease, Duration::from_secs(150));
    }

    #[test]
    fn a_delay_the_ticket_does_not_outlive_is_refused() {
        let refused = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_POW_DELAY_SECS", "600"),
                ("UNDERSIGNED_POW_TTL_SECS", "600"),
            ]),
        );
        assert!(
            matches!(refused, Err(ConfigError::Inconsistent(ref m)) if m.contains("pow_delay_secs")),
            "{refused:?}"
        );
        let ok = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_POW_DELAY_SECS", "5"),
                (
                    "UNDERSIGNED_DOMAIN_LIMIT_EXEMPT",
                    "Big.Example, other.example",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(ok.pow_delay, Duration::from_secs(5));
        assert_eq!(ok.domain_limit_exempt, ["big.example", "other.example"]);
    }

    #[test]
    fn zero_rates_are_refused() {
        assert!(
            Settings::from_sources(None, env(&[("UNDERSIGNED_SIGN_RATE_PER_MINUTE", "0")]))
                .is_err()
        );
        assert!(
            Settings::from_sources(None, env(&[("UNDERSIGNED_MAIL_FROM", "not an address")]))
                .is_err()
        );
    }

    #[test]
    fn connection_limits_must_be_positive() {
        for key in [
            "HEADER_READ_TIMEOUT_SECS",
            "IDLE_TIMEOUT_SECS",
            "MAX_CONNECTIONS",
            "MAX_CONNECTIONS_PER_ADDRESS",
            "SHUTDOWN_TIMEOUT_SECS",
        ] {
            let var = format!("UNDERSIGNED_{key}");
            let err = Settings::from_sources(None, env(&[(var.as_str(), "0")]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(&key.to_ascii_lowercase()), "{err}");
            assert!(err.contains("greater than zero"), "{err}");
        }
        let s = Settings::from_sources(
            None,
            env(&[
                ("UNDERSIGNED_MAX_CONNECTIONS", "500"),
                ("UNDERSIGNED_SHUTDOWN_TIMEOUT_SECS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(s.max_connections, 500);
        assert_eq!(s.shutdown_timeout, Duration::from_secs(3));
    }

    #[test]
    fn the_default_language_is_an_offered_one_and_pseudo_locales_are_warned() {
        let s =
            Settings::from_sources(None, env(&[("UNDERSIGNED_DEFAULT_LANGUAGE", "FR")])).unwrap();
        assert_eq!(s.default_language, "fr");
        assert!(!s.pseudo_locales);
        for refused in ["de", "en-XA", ""] {
            let err =
                Settings::from_sources(None, env(&[("UNDERSIGNED_DEFAULT_LANGUAGE", refused)]))
                    .unwrap_err()
                    .to_string();
            assert!(
                err.contains("default_language") && err.contains("en, fr"),
                "{err}"
            );
        }
        let s =
            Settings::from_sources(None, env(&[("UNDERSIGNED_PSEUDO_LOCALES", "true")])).unwrap();
        assert!(s.pseudo_locales);
        assert!(
            s.check()
                .unwrap()
                .iter()
                .any(|w| w.contains("pseudo_locales"))
        );
    }
}
