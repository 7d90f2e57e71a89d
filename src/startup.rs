//! Building and running the application: the web server and, beside it, the background
//! tasks (outbox worker, count roll-up and reconciliation, closing letters at their
//! deadline, rate-limit sweep).

use std::sync::Arc;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::abuse::{FormStamps, RateLimits, ScreeningLists};
use crate::auth::{SignInLimits, sessions};
use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::outbox::{Worker, worker_id};
use crate::store::counts;
use crate::web::{self, AppState, DashboardCache, PageCache};

/// A built application: database connected (and migrated), port bound, not yet serving.
pub struct Application {
    listener: tokio::net::TcpListener,
    state: AppState,
    mailer: Mailer,
    /// The separate `/metrics` listener (`metrics_bind`), if any.
    metrics_listener: Option<tokio::net::TcpListener>,
}

impl Application {
    /// Connects, migrates when `migrate_on_start`, and binds `bind` (port 0 picks a free
    /// port, which tests read back with `port()`).
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Application> {
        warn_unsafe_modes(&settings)?;
        crate::serve::raise_open_file_limit(&settings);
        let db = connect_and_migrate(&settings).await?;
        let mailer = Mailer::from_settings(&settings)?;
        let listener = tokio::net::TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("binding {}", settings.bind))?;
        let lists = Arc::new(ScreeningLists::new(&settings));
        lists
            .refresh(&db)
            .await
            .context("reading the screening lists")?;
        let stamps = FormStamps::load(&db, &settings)
            .await
            .context("reading the sign-form key")?;
        let metrics_listener = crate::metrics::bind(settings.metrics_bind).await?;
        let writer = crate::db::batch::Writer::start(
            db.clone(),
            crate::db::batch::BatchSettings::from_settings(&settings, db.get_database_backend()),
        );
        let state = AppState {
            writer,
            metrics: Arc::new(crate::metrics::Metrics::new()),
            db,
            limits: Arc::new(RateLimits::new(&settings)),
            pages: Arc::new(PageCache::new(&settings)),
            staff_limits: Arc::new(SignInLimits::new(&settings)),
            dashboards: Arc::new(DashboardCache::new(&settings)),
            shares: Arc::default(),
            stamps: Arc::new(stamps),
            lists,
            settings: Arc::new(settings),
            clock,
        };
        Ok(Application {
            listener,
            state,
            mailer,
            metrics_listener,
        })
    }

    /// The port of the separate metrics listener (`metrics_bind`), if there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// A worker on this application's outbox (tests drive one by hand).
    pub fn worker(&self, id: &str) -> Worker {
        Worker::new(
            self.state.db.clone(),
            self.mailer.clone(),
            self.state.settings.clone(),
            self.state.clock.clone(),
            id,
        )
        .with_metrics(self.state.metrics.clone())
    }

    /// Serves until `shutdown` fires, then finishes in-flight requests (cutting
    /// connections still open after `shutdown_timeout`), lets the background tasks finish
    /// what they hold, and returns.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let Application {
            listener,
            state,
            mailer,
            metrics_listener,
        } = self;
        let mut background = JoinSet::new();
        spawn_metrics(&mut background, &state, metrics_listener, &shutdown);
        if state.settings.run_worker {
            spawn_background(&mut background, &state, &mailer, &shutdown);
        }
        spawn_sweep(&mut background, &state, &shutdown);
        spawn_hangup(&mut background, &state, &shutdown);
        let settings = state.settings.clone();
        let app = web::router(state);
        crate::serve::serve(listener, app, &settings, shutdown.clone()).await;
        shutdown.cancel();
        while background.join_next().await.is_some() {}
        Ok(())
    }
}

/// On SIGHUP, reads the disposable-domain list again (`ScreeningLists::reload_disposable`,
/// which the staff button calls too). Not on other platforms.
fn spawn_hangup(tasks: &mut JoinSet<()>, state: &AppState, shutdown: &CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; reload the lists from the workspace");
                return;
            }
        };
        let lists = state.lists.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    got = hangups.recv() => {
                        if got.is_none() {
                            return;
                        }
                        if let Err(e) = lists.reload_disposable() {
                            tracing::error!(error = %e, "SIGHUP: the disposable-domain list was not reloaded; the old one stays");
                        }
                    }
                }
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (tasks, state, shutdown);
}

/// Refuses unsafe settings (also for settings built in code, which skip the loader) and
/// logs a warning for each unsafe mode the operator asked for, at every start.
fn warn_unsafe_modes(settings: &Settings) -> anyhow::Result<()> {
    for warning in settings.check()? {
        tracing::warn!("unsafe setting: {warning}");
    }
    Ok(())
}

/// Connects to the database and applies pending migrations if the settings say so.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = crate::db::connect(settings).await?;
    if settings.migrate_on_start {
        Migrator::up(&db, None)
            .await
            .context("applying database migrations")?;
        // Rows from before the canonical address existed (see the migration
        // m20261129_220000_signer_identity); a no-op once done.
        let filled = crate::abuse::quarantine::backfill(&db)
            .await
            .context("filling in canonical addresses and name skeletons")?;
        if filled > 0 {
            tracing::info!(filled, "filled in canonical addresses and name skeletons");
        }
    }
    Ok(db)
}

/// The outbox worker and the count roll-up and reconciliation loops.
pub fn spawn_background(
    tasks: &mut JoinSet<()>,
    state: &AppState,
    mailer: &Mailer,
    shutdown: &CancellationToken,
) {
    let worker = Worker::new(
        state.db.clone(),
        mailer.clone(),
        state.settings.clone(),
        state.clock.clone(),
        worker_id(),
    )
    .with_metrics(state.metrics.clone());
    tasks.spawn(worker.run(shutdown.clone()));

    let (db, clock) = (state.db.clone(), state.clock.clone());
    spawn_periodic(
        tasks,
        state.settings.count_rollup_interval,
        shutdown,
        move || {
            let (db, clock) = (db.clone(), clock.clone());
            async move {
                if let Err(e) = counts::roll_up(&db, clock.now()).await {
                    tracing::error!(error = %e, "count roll-up failed");
                }
            }
        },
    );
    let (db, clock) = (state.db.clone(), state.clock.clone());
    spawn_periodic(
        tasks,
        state.settings.count_reconcile_interval,
        shutdown,
        move || {
            let (db, clock) = (db.clone(), clock.clone());
            async move {
                if let Err(e) = counts::reconcile(&db, clock.now()).await {
                    tracing::error!(error = %e, "count reconciliation failed");
                }
            }
        },
    );
    let (db, clock) = (state.db.clone(), state.clock.clone());
    let timeouts = sessions::Timeouts::from_settings(&state.settings);
    spawn_periodic(tasks, STAFF_SESSION_SWEEP, shutdown, move || {
        let (db, clock) = (db.clone(), clock.clone());
        async move {
            match sessions::sweep_expired(&db, timeouts, clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired staff sessions deleted"),
                Err(e) => tracing::error!(error = %e, "sweeping staff sessions failed"),
            }
        }
    });
    // Old windows of the durable limits and expired used proofs (`abuse::durable`).
    let (db, clock) = (state.db.clone(), state.clock.clone());
    spawn_periodic(tasks, DURABLE_LIMITS_SWEEP, shutdown, move || {
        let (db, clock) = (db.clone(), clock.clone());
        async move {
            match crate::abuse::durable::sweep(&db, clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "old limit counters and proofs deleted"),
                Err(e) => tracing::error!(error = %e, "sweeping limit counters failed"),
            }
        }
    });
    // Letters whose deadline has passed take nothing already (`accepts_signatures`); this
    // makes their status say so.
    let (db, clock) = (state.db.clone(), state.clock.clone());
    spawn_periodic(
        tasks,
        state.settings.deadline_check_interval,
        shutdown,
        move || {
            let (db, clock) = (db.clone(), clock.clone());
            async move {
                match crate::letters::close_past_deadline(&db, clock.now()).await {
                    Ok(closed) if !closed.is_empty() => {
                        tracing::info!(letters = ?closed, "letters closed at their deadline");
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "closing letters past their deadline failed")
                    }
                }
            }
        },
    );
    // Webhook attempts are kept for staff a few weeks (`crate::webhooks`).
    let (db, clock) = (state.db.clone(), state.clock.clone());
    spawn_periodic(
        tasks,
        state.settings.retention_interval,
        shutdown,
        move || {
            let (db, clock) = (db.clone(), clock.clone());
            async move {
                let before =
                    clock.now() - chrono::Duration::days(crate::webhooks::ATTEMPTS_KEPT_DAYS);
                match crate::webhooks::purge_attempts(&db, before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "old webhook attempts deleted"),
                    Err(e) => tracing::error!(error = %e, "deleting old webhook attempts failed"),
                }
            }
        },
    );
    // Deliveries: seal those due (deadline passed, goal reached), start sealed ones, and
    // queue the next notices to signers at their rate (`crate::delivery::tick`).
    let (db, clock, settings) = (
        state.db.clone(),
        state.clock.clone(),
        state.settings.clone(),
    );
    spawn_periodic(
        tasks,
        state.settings.deadline_check_interval,
        shutdown,
        move || {
            let (db, clock, settings) = (db.clone(), clock.clone(), settings.clone());
            async move {
                match crate::delivery::tick(&db, &settings, clock.now()).await {
                    Ok(report) if report != crate::delivery::TickReport::default() => {
                        tracing::info!(?report, "deliveries advanced");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "advancing deliveries failed"),
                }
            }
        },
    );
    // Privacy: erase personal data past its retention and purge old links and outbox rows.
    let (db, clock, settings) = (
        state.db.clone(),
        state.clock.clone(),
        state.settings.clone(),
    );
    spawn_periodic(tasks, settings.retention_interval, shutdown, move || {
        let (db, clock, settings) = (db.clone(), clock.clone(), settings.clone());
        async move {
            if let Err(e) = crate::privacy::retention::run(&db, &settings, clock.now()).await {
                tracing::error!(error = %e, "retention job failed");
            }
        }
    });
}

/// How often old limit counters and used proofs are deleted.
const DURABLE_LIMITS_SWEEP: std::time::Duration = std::time::Duration::from_secs(600);

/// How often expired staff sessions are deleted.
const STAFF_SESSION_SWEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Runs `job` every `every` until `shutdown`; a slow run delays the next instead of
/// piling runs up.
fn spawn_periodic<F, Fut>(
    tasks: &mut JoinSet<()>,
    every: std::time::Duration,
    shutdown: &CancellationToken,
    mut job: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let stop = shutdown.clone();
    tasks.spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tick.tick() => job().await,
            }
        }
    });
}

/// Forgets idle rate-limit keys now and then so a flood of addresses cannot grow memory
/// without bound.
fn spawn_sweep(tasks: &mut JoinSet<()>, state: &AppState, shutdown: &CancellationToken) {
    let limits = state.limits.clone();
    let staff_limits = state.staff_limits.clone();
    spawn_periodic(
        tasks,
        state.settings.rate_limit_sweep_interval,
        shutdown,
        move || {
            let kept = limits.sweep();
            staff_limits.sweep();
            async move { tracing::debug!(kept, "rate-limit keys swept") }
        },
    );
}

/// Runs the background tasks alone (`undersigned worker`), until `shutdown`.
pub async fn run_worker(
    settings: Settings,
    clock: Clock,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    warn_unsafe_modes(&settings)?;
    let db = connect_and_migrate(&settings).await?;
    let mailer = Mailer::from_settings(&settings)?;
    let metrics_listener = crate::metrics::bind(settings.metrics_bind).await?;
    let writer = crate::db::batch::Writer::start(
        db.clone(),
        crate::db::batch::BatchSettings::from_settings(&settings, db.get_database_backend()),
    );
    let state = AppState {
        writer,
        metrics: Arc::new(crate::metrics::Metrics::new()),
        db,
        limits: Arc::new(RateLimits::new(&settings)),
        pages: Arc::new(PageCache::new(&settings)),
        staff_limits: Arc::new(SignInLimits::new(&settings)),
        dashboards: Arc::new(DashboardCache::new(&settings)),
        shares: Arc::default(),
        // The worker renders no forms: any key does.
        stamps: Arc::new(FormStamps::random()),
        lists: Arc::new(ScreeningLists::new(&settings)),
        settings: Arc::new(settings),
        clock,
    };
    let mut tasks = JoinSet::new();
    spawn_metrics(&mut tasks, &state, metrics_listener, &shutdown);
    spawn_background(&mut tasks, &state, &mailer, &shutdown);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// The metrics' upkeep and, with `metrics_bind`, their own listener (`crate::metrics`).
fn spawn_metrics(
    tasks: &mut JoinSet<()>,
    state: &AppState,
    listener: Option<tokio::net::TcpListener>,
    shutdown: &CancellationToken,
) {
    let metrics = state.metrics.clone();
    spawn_periodic(tasks, crate::metrics::UPKEEP_EVERY, shutdown, move || {
        metrics.upkeep();
        async {}
    });
    if let Some(listener) = listener {
        tasks.spawn(crate::metrics::serve_separately(
            listener,
            state.clone(),
            shutdown.clone(),
        ));
    }
}
