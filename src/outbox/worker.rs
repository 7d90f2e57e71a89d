//! The outbox worker: claims due rows with a lease, carries them out, and records the
//! result. Several workers (threads or replicas) can share one outbox.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use tokio_util::sync::CancellationToken;

use super::Job;
use super::jobs;
use crate::clock::{Clock, span};
use crate::config::Settings;
use crate::entities::{OutboxStatus, outbox};
use crate::mail::{Mailer, SendError};

/// What became of one claimed row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Will be tried again at the given time.
    Retrying(DateTime<Utc>),
    /// Given up; the reason is in `last_error`.
    Failed,
    /// The row was no longer ours (its lease ran out and another worker took it).
    Lost,
}

/// One worker process's handle on the outbox.
#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    mailer: Mailer,
    settings: Arc<Settings>,
    clock: Clock,
    id: String,
}

impl Worker {
    /// `id` tells workers apart in `locked_by`; make it unique per process.
    pub fn new(
        db: DatabaseConnection,
        mailer: Mailer,
        settings: Arc<Settings>,
        clock: Clock,
        id: impl Into<String>,
    ) -> Worker {
        Worker {
            db,
            mailer,
            settings,
            clock,
            id: id.into(),
        }
    }

    /// Claims up to `limit` due rows for this worker, in one statement.
    ///
    /// The due rows are chosen in a materialised CTE, evaluated exactly once; on
    /// PostgreSQL it takes them `FOR UPDATE SKIP LOCKED`, so two workers never wait for
    /// or take the same row. The update repeats the lease test, so a row is not taken
    /// twice even where the lock clause does not exist: SQLite has one writer at a time.
    pub async fn claim(&self, limit: u64) -> Result<Vec<outbox::Model>, DbErr> {
        let now = self.clock.now();
        let lease = span(self.settings.outbox_lease);
        let backend = self.db.get_database_backend();
        let lock = if backend == DbBackend::Postgres {
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "WITH due AS MATERIALIZED ( \
                SELECT id FROM outbox \
                WHERE status = 'pending' AND run_at <= $1 \
                  AND (locked_until IS NULL OR locked_until < $1) \
                ORDER BY run_at, id LIMIT $2 {lock}) \
             UPDATE outbox SET locked_by = $3, locked_until = $4, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM due) AND status = 'pending' \
               AND (locked_until IS NULL OR locked_until < $1) \
             RETURNING *"
        );
        let sql = if backend == DbBackend::Postgres {
            sql
        } else {
            // SQLite numbers its parameters ?1, ?2, ...
            sql.replace('$', "?")
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [
                now.into(),
                limit.into(),
                self.id.clone().into(),
                (now + lease).into(),
            ],
        );
        let mut rows = outbox::Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await?;
        rows.sort_by_key(|r| (r.run_at, r.id));
        Ok(rows)
    }

    /// Extends this worker's lease on a row just before acting on it; false when the
    /// row is no longer this worker's (its lease ran out and another worker took it).
    async fn still_mine(&self, row: &outbox::Model) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let lease = span(self.settings.outbox_lease);
        let renewed = outbox::Entity::update_many()
            .col_expr(outbox::Column::LockedUntil, Expr::value(now + lease))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::LockedBy.eq(self.id.clone()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .exec(&self.db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Carries out one claimed row and records what happened.
    pub async fn process(&self, row: outbox::Model) -> Result<Outcome, DbErr> {
        // A worker that stalled past its lease must not send what another has sent.
        if !self.still_mine(&row).await? {
            return Ok(Outcome::Lost);
        }
        let result = match serde_json::from_str::<Job>(&row.payload) {
            Ok(job) => jobs::run(
                &job,
                &row,
                &self.db,
                &self.mailer,
                &self.settings,
                &self.clock,
            )
            .await
            .map_err(|e| match e {
                jobs::JobError::Send(send) => send,
                jobs::JobError::Database(db) => SendError::Temporary(format!("database: {db}")),
            }),
            Err(e) => Err(SendError::Permanent(format!("unreadable payload: {e}"))),
        };
        let now = self.clock.now();
        let mine = outbox::Column::Id
            .eq(row.id)
            .and(outbox::Column::LockedBy.eq(self.id.clone()));
        let (outcome, update) = match result {
            Ok(()) => (
                Outcome::Sent,
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
                    .col_expr(outbox::Column::FinishedAt, Expr::value(Some(now)))
                    .col_expr(
                        outbox::Column::LastError,
                        Expr::value(Option::<String>::None),
                    ),
            ),
            Err(SendError::Temporary(reason))
                if (row.attempts as u32) < self.settings.outbox_max_attempts =>
            {
                let at = now + self.backoff(row.attempts);
                tracing::warn!(outbox_id = row.id, attempts = row.attempts, %reason, retry_at = %at, "outbox job failed; will retry");
                (
                    Outcome::Retrying(at),
                    outbox::Entity::update_many()
                        .col_expr(outbox::Column::RunAt, Expr::value(at))
                        .col_expr(outbox::Column::LastError, Expr::value(Some(reason))),
                )
            }
            Err(SendError::Temporary(reason) | SendError::Permanent(reason)) => {
                tracing::error!(outbox_id = row.id, attempts = row.attempts, %reason, "outbox job failed for good");
                (
                    Outcome::Failed,
                    outbox::Entity::update_many()
                        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Failed))
                        .col_expr(outbox::Column::FinishedAt, Expr::value(Some(now)))
                        .col_expr(outbox::Column::LastError, Expr::value(Some(reason))),
                )
            }
        };
        let done = update
            .col_expr(
                outbox::Column::LockedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(mine)
            .exec(&self.db)
            .await?;
        Ok(if done.rows_affected == 1 {
            outcome
        } else {
            Outcome::Lost
        })
    }

    /// Claims and carries out one batch; returns how many rows it handled.
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        let rows = self
            .claim(u64::from(self.settings.worker_concurrency))
            .await?;
        let count = rows.len();
        let mut tasks = tokio::task::JoinSet::new();
        for row in rows {
            let worker = self.clone();
            tasks.spawn(async move { worker.process(row).await });
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "recording an outbox result failed"),
                Err(e) => tracing::error!(error = %e, "an outbox task panicked"),
            }
        }
        Ok(count)
    }

    /// Runs batches until nothing is due; returns how many rows were handled. Tests use
    /// this to deliver mail deterministically.
    pub async fn drain(&self) -> Result<usize, DbErr> {
        let mut total = 0;
        loop {
            let n = self.run_once().await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Gives back rows this worker claimed but did not finish, so others need not wait
    /// for the lease to run out (on shutdown).
    pub async fn release_claims(&self) -> Result<u64, DbErr> {
        let result = outbox::Entity::update_many()
            .col_expr(
                outbox::Column::LockedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(outbox::Column::LockedBy.eq(self.id.clone()))
            .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }

    /// The worker loop: polls while idle, drains while busy, stops at `shutdown` after the
    /// batch in hand and then releases what it still holds.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(worker = %self.id, "outbox worker started");
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            // A batch, once claimed, is finished even when shutdown comes meanwhile:
            // abandoning a send half-way could make the relay deliver it twice. Each
            // send is bounded by the SMTP timeout.
            let handled = self.run_once().await;
            let idle = match handled {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => {
                    tracing::error!(error = %e, "claiming outbox rows failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(self.settings.outbox_poll_interval) => {}
                }
            }
        }
        match self.release_claims().await {
            Ok(n) => tracing::info!(worker = %self.id, released = n, "outbox worker stopped"),
            Err(e) => tracing::error!(error = %e, "releasing outbox claims failed"),
        }
    }

    /// Exponential backoff from `outbox_retry_base`, capped at one hour.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let base = std::cmp::max(self.settings.outbox_retry_base.as_secs(), 1);
        let exponent = std::cmp::min(u32::try_from(attempts.saturating_sub(1)).unwrap_or(0), 16);
        let secs = std::cmp::min(base.saturating_mul(1u64 << exponent), 3600);
        chrono::Duration::seconds(i64::try_from(secs).unwrap_or(3600))
    }
}

/// A worker id unique enough across replicas and restarts.
pub fn worker_id() -> String {
    format!(
        "worker-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}
