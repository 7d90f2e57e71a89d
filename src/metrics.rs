//! Prometheus metrics: what operators graph and alert on (requests, signings, the outbox,
//! SMTP results, the count roll-up's lag, rate-limit rejections, webhook attempts).
//!
//! Each application owns its registry (`Metrics`) instead of installing a process-wide
//! recorder, so two applications in one process (the test suite runs dozens) never mix
//! their figures. Counters are bumped through `metrics::with_local_recorder`; the gauges
//! about the database (outbox depth and age, roll-up lag) are read by bounded queries when
//! `/metrics` is scraped, so they cost nothing between scrapes.
//!
//! `/metrics` is off unless the operator turns it on (fail closed): with `metrics_token`
//! it is served on the main address to requests carrying that bearer token; with
//! `metrics_bind` it is served on a separate listener, which must be a loopback address
//! unless `metrics_bind_allow_public` says otherwise. With neither it is a plain 404.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{ConnectionTrait, DbErr, Statement};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

use crate::web::{AppState, WebError};

/// Most pending outbox rows counted at one scrape: past it the gauge says "at least this",
/// and the count stays one short index walk however deep a flood made the queue.
pub const OUTBOX_DEPTH_CAP: i64 = 100_000;

/// How often histograms are compacted (`run_upkeep`), so their memory stays bounded.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// One application's metrics registry.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// A rate limit that refused something, as the `limit` label says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// Signing requests per client address or network (governor, per replica).
    SignAddress,
    /// Confirmation, new-link and withdrawal requests per client address (governor).
    ConfirmAddress,
    /// Staff sign-in attempts per address or per account.
    StaffSignIn,
    /// A letter's signings per minute or a domain's per letter per hour (database).
    SigningDurable,
    /// A signing without a usable proof of work while the letter is under attack.
    ProofOfWork,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::SignAddress => "sign_address",
            LimitKind::ConfirmAddress => "confirm_address",
            LimitKind::StaffSignIn => "staff_sign_in",
            LimitKind::SigningDurable => "signing_durable",
            LimitKind::ProofOfWork => "proof_of_work",
        }
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics { recorder, handle };
        metrics.with(|| {
            metrics::describe_counter!(
                "undersigned_http_requests_total",
                "HTTP requests answered, by matched route template, method and status"
            );
            metrics::describe_histogram!(
                "undersigned_http_request_duration_seconds",
                "Time to answer an HTTP request, by matched route template"
            );
            metrics::describe_counter!(
                "undersigned_signings_total",
                "Signings recorded (new, repeated or resent), by signature kind"
            );
            metrics::describe_counter!(
                "undersigned_confirmations_total",
                "Signatures confirmed by their signer's link, by signature kind"
            );
            metrics::describe_counter!(
                "undersigned_smtp_results_total",
                "Emails handed to the relay, by result class: sent, temporary, permanent"
            );
            metrics::describe_counter!(
                "undersigned_rate_limit_rejections_total",
                "Requests refused by a rate limit, by limit"
            );
            metrics::describe_counter!(
                "undersigned_webhook_attempts_total",
                "Webhook deliveries attempted, by result: delivered, failed, refused"
            );
            metrics::describe_gauge!(
                "undersigned_outbox_pending",
                "Pending outbox rows (counted up to a cap)"
            );
            metrics::describe_gauge!(
                "undersigned_outbox_oldest_due_age_seconds",
                "How long the oldest due pending outbox row has waited past its run time"
            );
            metrics::describe_gauge!(
                "undersigned_count_rollup_lag_seconds",
                "Age of the oldest confirmation not yet folded into the shown counts"
            );
            metrics::describe_counter!(
                "undersigned_write_batches_total",
                "Group-commit transactions committed (signings and confirmations, db::batch)"
            );
            metrics::describe_counter!(
                "undersigned_write_batch_items_total",
                "Signings and confirmations answered from a committed group-commit transaction"
            );
            metrics::describe_counter!(
                "undersigned_write_batches_failed_total",
                "Group-commit transactions that failed and had their items run again alone"
            );
        });
        metrics
    }

    /// Runs `f` with this registry as the recorder of the `metrics` macros.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.recorder, f)
    }

    /// One answered request; `route` is the matched template, never the raw path (paths
    /// carry tokens, and raw paths would make the label set unbounded).
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let (route, method) = (route.to_owned(), method.to_owned());
        self.with(|| {
            metrics::counter!(
                "undersigned_http_requests_total",
                "route" => route.clone(),
                "method" => method,
                "status" => status.to_string()
            )
            .increment(1);
            metrics::histogram!("undersigned_http_request_duration_seconds", "route" => route)
                .record(took.as_secs_f64());
        });
    }

    /// A signing recorded for a signer of `kind` (`individual` or `organisation`).
    pub fn signing(&self, kind: &'static str) {
        self.with(|| metrics::counter!("undersigned_signings_total", "kind" => kind).increment(1));
    }

    /// A signature of `kind` confirmed by its link.
    pub fn confirmation(&self, kind: &'static str) {
        self.with(|| {
            metrics::counter!("undersigned_confirmations_total", "kind" => kind).increment(1)
        });
    }

    /// One email's fate at the relay: `sent`, `temporary` or `permanent`.
    pub fn smtp_result(&self, class: &'static str) {
        self.with(|| {
            metrics::counter!("undersigned_smtp_results_total", "class" => class).increment(1)
        });
    }

    /// A request refused by `limit`.
    pub fn rejected(&self, limit: LimitKind) {
        self.with(|| {
            metrics::counter!("undersigned_rate_limit_rejections_total", "limit" => limit.as_str())
                .increment(1)
        });
    }

    /// One webhook attempt: `delivered`, `failed` or `refused` (a target the SSRF rules
    /// refuse).
    pub fn webhook_attempt(&self, result: &'static str) {
        self.with(|| {
            metrics::counter!("undersigned_webhook_attempts_total", "result" => result).increment(1)
        });
    }

    /// Compacts histograms; call every [`UPKEEP_EVERY`].
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The exposition text, after refreshing the database gauges and the group-commit
    /// writer's counts (`writes`).
    pub async fn render<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        writes: &crate::db::batch::Stats,
    ) -> Result<String, DbErr> {
        use std::sync::atomic::Ordering::Relaxed;
        let gauges = read_gauges(db, now).await?;
        self.with(|| {
            metrics::counter!("undersigned_write_batches_total")
                .absolute(writes.batches.load(Relaxed));
            metrics::counter!("undersigned_write_batch_items_total")
                .absolute(writes.items.load(Relaxed));
            metrics::counter!("undersigned_write_batches_failed_total")
                .absolute(writes.failed.load(Relaxed));
            metrics::gauge!("undersigned_outbox_pending").set(gauges.outbox_pending as f64);
            metrics::gauge!("undersigned_outbox_oldest_due_age_seconds")
                .set(gauges.oldest_due_age_secs);
            metrics::gauge!("undersigned_count_rollup_lag_seconds").set(gauges.rollup_lag_secs);
        });
        Ok(self.handle.render())
    }
}

/// The figures read from the database at a scrape.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Gauges {
    outbox_pending: i64,
    oldest_due_age_secs: f64,
    rollup_lag_secs: f64,
}

/// Three bounded queries: a capped count over the `(status, run_at)` index, the least
/// `run_at` of pending rows (the same index's first entry) and the oldest count delta
/// (the primary key's first entry).
async fn read_gauges<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<Gauges, DbErr> {
    let backend = db.get_database_backend();
    let one = |sql: String, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(
            backend,
            if backend == sea_orm::DbBackend::Postgres {
                sql
            } else {
                sql.replace('$', "?")
            },
            values,
        )
    };
    let depth = db
        .query_one_raw(one(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE status = 'pending' LIMIT $1) AS p"
                .into(),
            vec![OUTBOX_DEPTH_CAP.into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let oldest_due = db
        .query_one_raw(one(
            "SELECT run_at FROM outbox WHERE status = 'pending' AND run_at <= $1 \
             ORDER BY run_at LIMIT 1"
                .into(),
            vec![now.into()],
        ))
        .await?
        .map(|row| row.try_get::<DateTime<Utc>>("", "run_at"))
        .transpose()?;
    let oldest_delta = db
        .query_one_raw(one(
            "SELECT created_at FROM count_deltas ORDER BY id LIMIT 1".into(),
            Vec::new(),
        ))
        .await?
        .map(|row| row.try_get::<DateTime<Utc>>("", "created_at"))
        .transpose()?;
    let age = |at: Option<DateTime<Utc>>| {
        at.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        })
    };
    Ok(Gauges {
        outbox_pending: depth,
        oldest_due_age_secs: age(oldest_due),
        rollup_lag_secs: age(oldest_delta),
    })
}

/// Middleware counting every answered request by route template and status. Added as the
/// outermost route layer, so it sees the status the client gets (timeouts included).
pub async fn track_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The `/metrics` route of the main router: present only with `metrics_token`.
pub fn router(state: &AppState) -> Router<AppState> {
    if state.settings.metrics_token.is_some() {
        Router::new().route("/metrics", get(scrape))
    } else {
        Router::new()
    }
}

/// `/metrics`: the token is checked when one is set (always on the main address; on the
/// separate listener only if set).
async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(token) = &state.settings.metrics_token
        && !bearer_matches(&headers, token.expose_secret())
    {
        return Ok((
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
            WebError::Unauthorized,
        )
            .into_response());
    }
    let text = state
        .metrics
        .render(&state.db, state.clock.now(), state.writer.stats())
        .await
        .map_err(|e| crate::web::database_error(e, "reading the metrics gauges"))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

/// Whether the request's `Authorization: Bearer` token is `expected`, compared in
/// constant time (the length alone may show).
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.trim().as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The separate metrics listener (`metrics_bind`): `/metrics` alone, until `shutdown`.
pub async fn serve_separately(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) {
    let app = Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { WebError::NotFound })
        .layer(axum::middleware::from_fn(crate::web::render_errors))
        .with_state(state);
    let address = listener.local_addr().ok();
    tracing::info!(address = ?address, "metrics served on their own address");
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
    {
        tracing::error!(error = %e, "the metrics listener failed");
    }
}

/// Binds the separate metrics listener, when `metrics_bind` is set.
pub async fn bind(address: Option<SocketAddr>) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    use anyhow::Context;
    match address {
        Some(address) => Ok(Some(
            tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("binding the metrics address {address}"))?,
        )),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_bearer_token_passes() {
        let mut headers = HeaderMap::new();
        assert!(!bearer_matches(&headers, "s3cret"));
        headers.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(bearer_matches(&headers, "s3cret"));
        assert!(!bearer_matches(&headers, "s3cre"));
        headers.insert(header::AUTHORIZATION, "Basic s3cret".parse().unwrap());
        assert!(!bearer_matches(&headers, "s3cret"));
    }

    #[test]
    fn counters_land_in_this_registry_only() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.signing("individual");
        a.rejected(LimitKind::SignAddress);
        let text = a.handle.render();
        assert!(text.contains("undersigned_signings_total{kind=\"individual\"} 1"));
        assert!(text.contains("undersigned_rate_limit_rejections_total{limit=\"sign_address\"} 1"));
        assert!(!b.handle.render().contains("undersigned_signings_total{"));
    }
}
