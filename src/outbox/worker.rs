//! The outbox worker: claims due rows with a lease, carries them out, and records the
//! result. Several workers (threads or replicas) can share one outbox.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};
use tokio::task::{JoinHandle, JoinSet};
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
    /// Where SMTP results and webhook attempts are counted (`crate::metrics`).
    metrics: Option<Arc<crate::metrics::Metrics>>,
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
            metrics: None,
        }
    }

    /// This worker, counting its results in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Worker {
        self.metrics = Some(metrics);
        self
    }

    /// Claims up to `limit` due rows for this worker, in one statement.
    ///
    /// The due rows are chosen in a materialised CTE, evaluated exactly once; on
    /// PostgreSQL it takes them `FOR UPDATE SKIP LOCKED`, so two workers never wait for
    /// or take the same row. The update repeats the lease test, so a row is not taken
    /// twice even where the lock clause does not exist: SQLite has one writer at a time.
    pub async fn claim(&self, limit: u64) -> Result<Vec<outbox::Model>, DbErr> {
        self.claim_marking(limit, &[]).await
    }

    /// Marks the rows in `sent` as sent (as `mark_sent` does) and claims up to `limit`
    /// due rows: on PostgreSQL in one statement, the mark being a data-modifying CTE of
    /// the claim (the claim cannot take a row being marked: those are leased to this
    /// worker); on SQLite, which has no such CTE, in two. `sent` is emptied on success.
    async fn mark_and_claim(
        &self,
        sent: &mut Vec<i64>,
        limit: u64,
    ) -> Result<Vec<outbox::Model>, DbErr> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            self.mark_sent(sent).await?;
            return self.claim(limit).await;
        }
        let rows = self.claim_marking(limit, sent).await?;
        sent.clear();
        Ok(rows)
    }

    /// The claim, marking `sent` as sent in the same statement (PostgreSQL only; empty
    /// elsewhere).
    async fn claim_marking(&self, limit: u64, sent: &[i64]) -> Result<Vec<outbox::Model>, DbErr> {
        let now = self.clock.now();
        let lease = span(self.settings.outbox_lease);
        let backend = self.db.get_database_backend();
        let lock = if backend == DbBackend::Postgres {
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        // The ids are numbers, written into the text as such.
        let done = if sent.is_empty() || backend != DbBackend::Postgres {
            String::new()
        } else {
            let ids: Vec<String> = sent.iter().map(i64::to_string).collect();
            format!(
                "done AS (UPDATE outbox SET status = 'sent', finished_at = $1, \
                   last_error = NULL, locked_by = NULL, locked_until = NULL \
                 WHERE id IN ({}) AND locked_by = $3), ",
                ids.join(",")
            )
        };
        let sql = format!(
            "WITH {done}due AS MATERIALIZED ( \
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

    /// Carries out one claimed row and records what happened. The row's lease is renewed
    /// first, so a row claimed long ago (its lease may have run out and another worker
    /// taken it) is not sent twice; the worker's own loop skips that step, as it acts on
    /// a row right after claiming it (see `carry_out`).
    pub async fn process(&self, row: outbox::Model) -> Result<Outcome, DbErr> {
        // A worker that stalled past its lease must not send what another has sent.
        if !self.still_mine(&row).await? {
            return Ok(Outcome::Lost);
        }
        let result = self.run_job(&row).await;
        self.record(&row, result).await
    }

    /// Runs the row's job; the error says whether a retry can help.
    async fn run_job(&self, row: &outbox::Model) -> Result<(), SendError> {
        match serde_json::from_str::<Job>(&row.payload) {
            Ok(job) => jobs::run(
                &job,
                row,
                &self.db,
                &self.mailer,
                &self.settings,
                &self.clock,
                self.metrics.as_deref(),
            )
            .await
            .map_err(job_error),
            Err(e) => Err(SendError::Permanent(format!("unreadable payload: {e}"))),
        }
    }

    /// Carries out a row the loop has just claimed, with its email if the batch made it
    /// ahead (`jobs::prepare_confirmations`). A sent row is handed back to be marked with
    /// the others of its batch (`mark_sent`); a failure is recorded at once.
    async fn carry_out(
        &self,
        row: outbox::Model,
        ready: Option<jobs::Ready>,
    ) -> Result<Done, DbErr> {
        let result = match ready {
            Some(ready) => jobs::send_ready(
                &row,
                ready,
                &self.mailer,
                &self.settings,
                self.metrics.as_deref(),
            )
            .await
            .map_err(job_error),
            None => self.run_job(&row).await,
        };
        match result {
            Ok(()) => Ok(Done::Sent(row.id)),
            Err(e) => self.record(&row, Err(e)).await.map(|_| Done::Recorded),
        }
    }

    /// Marks these rows, sent by this worker, as sent, in one statement. A row that is
    /// no longer this worker's (its lease ran out and another took it) is left alone.
    async fn mark_sent(&self, ids: &mut Vec<i64>) -> Result<(), DbErr> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let marked = outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
            .col_expr(outbox::Column::FinishedAt, Expr::value(Some(now)))
            .col_expr(
                outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                outbox::Column::LockedBy,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                outbox::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(outbox::Column::Id.is_in(ids.iter().copied()))
            .filter(outbox::Column::LockedBy.eq(self.id.clone()))
            .exec(&self.db)
            .await?;
        if marked.rows_affected < ids.len() as u64 {
            tracing::warn!(
                sent = ids.len(),
                marked = marked.rows_affected,
                "some sent outbox rows were no longer this worker's"
            );
        }
        ids.clear();
        Ok(())
    }

    /// Records the result of a row's job: sent, a retry with backoff, or failed for good.
    async fn record(
        &self,
        row: &outbox::Model,
        result: Result<(), SendError>,
    ) -> Result<Outcome, DbErr> {
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

    /// Carries out everything due, up to `worker_concurrency` sends at a time, until
    /// nothing is due and nothing is in flight; returns how many rows were handled.
    /// Tests use this to deliver mail deterministically.
    pub async fn drain(&self) -> Result<usize, DbErr> {
        self.pump(&CancellationToken::new(), Until::Idle).await
    }

    /// Keeps up to `worker_concurrency` rows in flight and claims more as each one ends,
    /// so a send stalled on a hung relay holds one slot, never the rest of the queue.
    ///
    /// The database work is done per batch, not per email, and beside the sends, not
    /// between them: a **turn** marks every row sent since the last turn, claims rows in
    /// one statement (on PostgreSQL the mark and the claim are one statement) and makes
    /// the batch's confirmation emails together (`jobs::prepare_confirmations`), while the
    /// sends of the rows already claimed go on. The turn claims for the free slots plus
    /// up to [`AHEAD`] batches of `worker_concurrency` rows ahead, so a slot that frees
    /// finds its next email made and each turn's statements serve many emails. A row
    /// claimed ahead normally waits a few sends' time; one that waited past half its
    /// lease (every slot hung on the relay, say) has its lease renewed before it is sent,
    /// as `process` does, and is left alone if another worker took it meanwhile.
    /// Under load, batches grow with the load. A sent row waits for the next turn to be
    /// marked; if the process dies in between, the row is sent again once its lease runs
    /// out, as it would if it died between sending and marking one row.
    ///
    /// At `shutdown` it stops claiming, lets the turn and the sends in flight end (see
    /// `finish`) and marks what was sent; rows claimed ahead and not started go back with
    /// `release_claims`.
    async fn pump(&self, shutdown: &CancellationToken, until: Until) -> Result<usize, DbErr> {
        let slots = usize::try_from(self.settings.worker_concurrency)
            .unwrap_or(1)
            .max(1);
        let mut in_flight = JoinSet::new();
        let mut ahead: VecDeque<(Claimed, tokio::time::Instant)> = VecDeque::new();
        let mut turn: Option<JoinHandle<Turn>> = None;
        // When the turn in progress began: its rows were claimed after this.
        let mut turn_started = tokio::time::Instant::now();
        let mut sent = Vec::new();
        let mut handled = 0;
        let mut failure = None;
        // The last turn claimed fewer rows than it asked for: nothing else is due now.
        let mut nothing_more_due = false;
        loop {
            // Every free slot takes the next email made ahead.
            while in_flight.len() < slots {
                let Some(((row, made), claimed_at)) = ahead.pop_front() else {
                    break;
                };
                let worker = self.clone();
                if claimed_at.elapsed() < self.settings.outbox_lease / 2 {
                    in_flight.spawn(async move { worker.carry_out(row, made).await });
                } else {
                    in_flight
                        .spawn(async move { worker.process(row).await.map(|_| Done::Recorded) });
                }
            }
            let stopping = shutdown.is_cancelled() || failure.is_some();
            if stopping && turn.is_none() {
                self.finish(&mut in_flight, &mut sent).await;
                if let Err(e) = self.mark_sent(&mut sent).await {
                    tracing::error!(error = %e, "marking sent outbox rows failed");
                    failure.get_or_insert(e);
                }
                return failure.map_or(Ok(handled), Err);
            }
            let want = ((AHEAD + 1) * slots).saturating_sub(in_flight.len() + ahead.len());
            if turn.is_none() && !stopping && want > 0 && !nothing_more_due {
                let worker = self.clone();
                let marking = std::mem::take(&mut sent);
                turn_started = tokio::time::Instant::now();
                turn = Some(tokio::spawn(
                    async move { worker.turn(marking, want).await },
                ));
            }
            if until == Until::Idle
                && nothing_more_due
                && turn.is_none()
                && in_flight.is_empty()
                && ahead.is_empty()
            {
                if sent.is_empty() {
                    return Ok(handled);
                }
                // What was sent since the last turn is marked before the drain ends.
                self.mark_sent(&mut sent).await?;
                continue;
            }
            let poll = until == Until::Shutdown && nothing_more_due && turn.is_none();
            tokio::select! {
                _ = shutdown.cancelled(), if !stopping => {}
                done = async {
                    match turn.as_mut() {
                        Some(handle) => Some(handle.await),
                        None => None,
                    }
                }, if turn.is_some() => {
                    turn = None;
                    let Some(done) = done else { continue };
                    match done {
                        Ok(Turn { unmarked, claimed: Ok((asked, rows)) }) => {
                            sent.extend(unmarked);
                            nothing_more_due = rows.len() < asked;
                            handled += rows.len();
                            ahead.extend(rows.into_iter().map(|row| (row, turn_started)));
                        }
                        Ok(Turn { unmarked, claimed: Err(e) }) => {
                            // The rows not marked stay to be marked on a later turn.
                            sent.extend(unmarked);
                            if until == Until::Idle {
                                failure = Some(e);
                            } else {
                                tracing::error!(error = %e, "marking or claiming outbox rows failed");
                                // Wait a poll before trying again.
                                nothing_more_due = true;
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "an outbox turn panicked");
                            nothing_more_due = true;
                        }
                    }
                }
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    note_end(joined, &mut sent);
                    // Take every other send that has ended too, for one batch.
                    while let Some(joined) = in_flight.try_join_next() {
                        note_end(joined, &mut sent);
                    }
                    // A slot is free: whatever is due now is worth a claim.
                    nothing_more_due = false;
                }
                _ = tokio::time::sleep(self.settings.outbox_poll_interval), if poll => {
                    nothing_more_due = false;
                }
            }
        }
    }

    /// One turn of `pump`'s database work: marks `marking` as sent and claims up to
    /// `want` due rows, with their confirmation emails made. On an error, the ids not
    /// marked come back with it.
    async fn turn(&self, mut marking: Vec<i64>, want: usize) -> Turn {
        let claimed = match self
            .mark_and_claim(&mut marking, u64::try_from(want).unwrap_or(1))
            .await
        {
            Ok(rows) => {
                let mut ready = jobs::prepare_confirmations(
                    &self.db,
                    &self.settings,
                    &self.clock,
                    &rows,
                )
                .await
                .unwrap_or_else(|e| {
                    // Nothing was stored: each row runs on its own and records
                    // its own failure.
                    tracing::warn!(error = %e, "making a batch of confirmation emails failed");
                    Default::default()
                });
                let rows = rows
                    .into_iter()
                    .map(|row| {
                        let made = ready.remove(&row.id);
                        (row, made)
                    })
                    .collect();
                Ok((want, rows))
            }
            Err(e) => Err(e),
        };
        Turn {
            unmarked: marking,
            claimed,
        }
    }

    /// Lets the sends in flight end rather than abandoning them: a send cut off after the
    /// relay took the message would be sent again by whoever takes the row next. Each send
    /// is bounded by `smtp_timeout`; the database steps around it get a margin on top,
    /// after which whatever is left is stopped (its row goes back with `release_claims`).
    /// The rows sent meanwhile are added to `sent`, for the caller to mark.
    async fn finish(&self, in_flight: &mut JoinSet<Result<Done, DbErr>>, sent: &mut Vec<i64>) {
        let bound = self.settings.smtp_timeout + FINISH_MARGIN;
        let all_ended = async {
            while let Some(joined) = in_flight.join_next().await {
                note_end(joined, sent);
            }
        };
        if tokio::time::timeout(bound, all_ended).await.is_err() {
            tracing::error!(
                left = in_flight.len(),
                "outbox sends did not end in time after shutdown; stopping them"
            );
            in_flight.shutdown().await;
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

    /// The worker loop: polls while idle, keeps `worker_concurrency` sends going while
    /// busy, and at `shutdown` lets the sends in flight end, then releases what it still
    /// holds. The stop takes at most about `smtp_timeout`.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(worker = %self.id, "outbox worker started");
        if let Err(e) = self.pump(&shutdown, Until::Shutdown).await {
            tracing::error!(error = %e, "the outbox worker failed");
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

/// Whether `pump` returns once nothing is due and nothing in flight (`drain`) or keeps
/// polling until shutdown (`run`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    Idle,
    Shutdown,
}

/// Time allowed on shutdown, beyond `smtp_timeout`, for the database steps of the sends
/// in flight (reading the signature, storing the token, recording the result).
const FINISH_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Batches of `worker_concurrency` rows a turn claims beyond the free slots.
const AHEAD: usize = 3;

/// A claimed row, with its email if the turn made it (`jobs::prepare_confirmations`).
type Claimed = (outbox::Model, Option<jobs::Ready>);

/// What one turn of `pump` did: the rows it claimed (with how many it asked for) and
/// made ready, or its error; and the sent rows it did not mark.
struct Turn {
    unmarked: Vec<i64>,
    claimed: Result<(usize, Vec<Claimed>), DbErr>,
}

/// How a row the loop carried out ended.
#[derive(Debug)]
enum Done {
    /// Sent (or nothing to send): to be marked with the others of its batch.
    Sent(i64),
    /// A failure or retry, already recorded in its row.
    Recorded,
}

/// Notes a send task's end: a sent row joins `sent`; a task that did not end well is
/// logged (the outcome itself is recorded in its row).
fn note_end(joined: Result<Result<Done, DbErr>, tokio::task::JoinError>, sent: &mut Vec<i64>) {
    match joined {
        Ok(Ok(Done::Sent(id))) => sent.push(id),
        Ok(Ok(Done::Recorded)) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "recording an outbox result failed"),
        Err(e) => tracing::error!(error = %e, "an outbox task panicked or was stopped"),
    }
}

/// A job's error as the outbox sees it: a database error is worth a retry.
fn job_error(e: jobs::JobError) -> SendError {
    match e {
        jobs::JobError::Send(send) => send,
        jobs::JobError::Database(db) => SendError::Temporary(format!("database: {db}")),
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
