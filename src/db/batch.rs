//! Group commit: the signings (and confirmations) that arrive within a moment of each
//! other are written in one transaction, so N requests cost one commit instead of N.
//!
//! A request hands its work to a **lane** (chosen by a key: the signer's inbox, a link's
//! hash) and waits. Each lane is one task: it takes the first item waiting, gathers more
//! for up to `write_batch_window` or until it holds `write_batch_max`, runs them one after
//! another in a single write transaction, commits, and only then answers each request
//! with its own result. Nothing is acknowledged before it is committed.
//!
//! When anything in a batch fails (a statement's error, the commit itself), the batch is
//! rolled back and every item is run again alone, in a transaction of its own
//! (`db::write`, which retries serialization failures), and answered with what that run
//! gives: one bad item costs its neighbours a retry, never their signature.
//!
//! Items of one batch share a [`Batch`]: the letters they read (read and share-locked once
//! per batch), the rate counters they bump (read once, written once at the end, each lane
//! on counter rows of its own) and the outbox rows they queue (inserted in one statement
//! at the end), which is most of what one more signing costs. Lanes
//! never wait on each other's counter rows: the same inbox always goes to the same lane,
//! and spread counters are written on the lane's own shard.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sea_orm::{DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr};
use tokio::sync::{mpsc, oneshot};

use super::TxnFuture;
use crate::entities::{SignatureKind, attack_mode, letter, outbox};
use chrono::{DateTime, Utc};

/// Items waiting for one lane before senders wait for room.
const LANE_QUEUE: usize = 4096;

/// The work of one item: run in the batch's transaction with the batch's shared reads.
/// It may run twice (alone after a failed batch), so it reads what it needs inside.
pub type Work<T> =
    Arc<dyn for<'t> Fn(&'t DatabaseTransaction, &'t Batch) -> TxnFuture<'t, T> + Send + Sync>;

/// How the lanes batch.
#[derive(Clone, Copy, Debug)]
pub struct BatchSettings {
    pub max: usize,
    pub window: Duration,
    pub lanes: usize,
}

impl BatchSettings {
    /// From the settings, with the lane count the backend suits when it is 0.
    pub fn from_settings(settings: &crate::config::Settings, backend: DatabaseBackend) -> Self {
        let lanes = match settings.write_batch_lanes {
            0 if backend == DatabaseBackend::Sqlite => 1,
            0 => 4,
            n => n as usize,
        };
        BatchSettings {
            max: settings.write_batch_max.max(1) as usize,
            window: settings.write_batch_window,
            lanes,
        }
    }
}

/// The group-commit writer: its lanes, each a task that owns its batches.
#[derive(Clone)]
pub struct Writer {
    lanes: Arc<Vec<mpsc::Sender<Box<dyn Item>>>>,
    stats: Arc<Stats>,
}

/// What the lanes have done since start, for metrics and tests.
#[derive(Debug, Default)]
pub struct Stats {
    /// Transactions committed with their batch.
    pub batches: AtomicU64,
    /// Items answered from a committed batch.
    pub items: AtomicU64,
    /// Batches that failed and had their items run again alone.
    pub failed: AtomicU64,
}

impl Writer {
    /// Starts the lanes on the current runtime. They end when the last `Writer` handle is
    /// dropped and their queues are empty.
    pub fn start(db: DatabaseConnection, settings: BatchSettings) -> Writer {
        let stats = Arc::new(Stats::default());
        let lanes = (0..settings.lanes.max(1))
            .map(|lane| {
                let (tx, rx) = mpsc::channel(LANE_QUEUE);
                tokio::spawn(run_lane(
                    db.clone(),
                    lane as u32,
                    settings,
                    rx,
                    stats.clone(),
                ));
                tx
            })
            .collect();
        Writer {
            lanes: Arc::new(lanes),
            stats,
        }
    }

    /// What the lanes have done since start.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Runs `work` in the next batch of the lane `key` picks and returns its result once
    /// the batch committed (or, after a failed batch, once it ran alone). Requests with the
    /// same key are never in two lanes' transactions at once.
    pub async fn write<T>(&self, key: &str, work: Work<T>) -> Result<T, DbErr>
    where
        T: Send + 'static,
    {
        let lane = &self.lanes[lane_of(key, self.lanes.len())];
        let (reply, answer) = oneshot::channel();
        lane.send(Box::new(Pending {
            work,
            value: None,
            reply,
        }))
        .await
        .map_err(|_| DbErr::Custom("the database writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| DbErr::Custom("the database writer dropped a write".into()))?
    }
}

fn lane_of(key: &str, lanes: usize) -> usize {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() % lanes.max(1) as u64) as usize
}

/// One item of a batch, its result type hidden.
trait Item: Send {
    /// Runs the work in the batch's transaction and keeps its value.
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction, batch: &'t Batch) -> TxnFuture<'t, ()>;
    /// The batch committed: the kept value goes to the request.
    fn committed(self: Box<Self>);
    /// The batch failed: the work runs again alone and the request gets that result.
    fn alone(self: Box<Self>, db: DatabaseConnection, lane: u32) -> TxnFuture<'static, ()>;
}

struct Pending<T> {
    work: Work<T>,
    value: Option<T>,
    reply: oneshot::Sender<Result<T, DbErr>>,
}

impl<T: Send + 'static> Item for Pending<T> {
    fn run<'t>(&'t mut self, txn: &'t DatabaseTransaction, batch: &'t Batch) -> TxnFuture<'t, ()> {
        Box::pin(async move {
            self.value = Some((self.work)(txn, batch).await?);
            Ok(())
        })
    }

    fn committed(self: Box<Self>) {
        let result = self
            .value
            .ok_or_else(|| DbErr::Custom("a batched write kept no result".into()));
        // The request may have gone (the client hung up): its write stands all the same.
        let _ = self.reply.send(result);
    }

    fn alone(self: Box<Self>, db: DatabaseConnection, lane: u32) -> TxnFuture<'static, ()> {
        Box::pin(async move {
            let work = self.work.clone();
            let result = super::write(&db, move |txn| {
                let work = work.clone();
                Box::pin(async move {
                    let batch = Batch::new(lane);
                    let value = work(txn, &batch).await?;
                    batch.flush(txn).await?;
                    Ok(value)
                })
            })
            .await;
            let _ = self.reply.send(result);
            Ok(())
        })
    }
}

async fn run_lane(
    db: DatabaseConnection,
    lane: u32,
    settings: BatchSettings,
    mut queue: mpsc::Receiver<Box<dyn Item>>,
    stats: Arc<Stats>,
) {
    let mut items: Vec<Box<dyn Item>> = Vec::with_capacity(settings.max);
    let mut busy = false;
    while let Some(first) = queue.recv().await {
        items.push(first);
        // Waiting for company only pays when requests come close together: a lone
        // request after a lone request goes at once.
        gather(&mut queue, &mut items, settings, busy).await;
        let size = items.len();
        busy = size > 1;
        if let Err(e) = run_batch(&db, lane, &mut items).await {
            tracing::warn!(lane, size, error = %e, "a batch failed; its items run again one by one");
            stats.failed.fetch_add(1, Ordering::Relaxed);
            for item in items.drain(..) {
                let _ = item.alone(db.clone(), lane).await;
            }
        } else {
            stats.batches.fetch_add(1, Ordering::Relaxed);
            stats.items.fetch_add(size as u64, Ordering::Relaxed);
            for item in items.drain(..) {
                item.committed();
            }
        }
    }
}

/// Adds what is waiting, then (when `busy` or something was waiting) what arrives within
/// the window, up to the batch size.
async fn gather(
    queue: &mut mpsc::Receiver<Box<dyn Item>>,
    items: &mut Vec<Box<dyn Item>>,
    settings: BatchSettings,
    busy: bool,
) {
    while items.len() < settings.max {
        match queue.try_recv() {
            Ok(item) => items.push(item),
            Err(_) => break,
        }
    }
    if settings.window.is_zero() || (!busy && items.len() == 1) {
        return;
    }
    let deadline = tokio::time::Instant::now() + settings.window;
    while items.len() < settings.max {
        match tokio::time::timeout_at(deadline, queue.recv()).await {
            Ok(Some(item)) => items.push(item),
            Ok(None) | Err(_) => break,
        }
    }
}

/// Runs every item in one write transaction and commits; any error leaves nothing
/// written.
async fn run_batch(
    db: &DatabaseConnection,
    lane: u32,
    items: &mut [Box<dyn Item>],
) -> Result<(), DbErr> {
    let txn = super::begin_write(db).await?;
    let batch = Batch::new(lane);
    let mut outcome = Ok(());
    for item in items.iter_mut() {
        outcome = item.run(&txn, &batch).await;
        if outcome.is_err() {
            break;
        }
    }
    if outcome.is_ok() {
        outcome = batch.flush(&txn).await;
    }
    match outcome {
        Ok(()) => txn.commit().await,
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}

/// What the items of one transaction share: letters, under-attack modes and webhook
/// endpoints read once, and counter bumps and count deltas gathered and written once at
/// the end (`flush`).
pub struct Batch {
    lane: u32,
    letters: Mutex<HashMap<i64, Option<letter::Model>>>,
    attack_modes: Mutex<HashMap<i64, Option<attack_mode::Model>>>,
    endpoints: Mutex<HashMap<i64, Vec<(i64, String)>>>,
    deltas: Mutex<Vec<Delta>>,
    counters: Mutex<BTreeMap<(String, i64), Tally>>,
    queued: Mutex<Vec<outbox::ActiveModel>>,
    planned_afresh: std::sync::atomic::AtomicBool,
}

/// A change of a letter's confirmed count of one kind, summed over the batch.
struct Delta {
    letter_id: i64,
    kind: SignatureKind,
    delta: i32,
    at: DateTime<Utc>,
}

/// A counter as this batch sees it.
struct Tally {
    /// The counter's value after this batch's bumps so far.
    total: i64,
    /// Bumps not written yet, and the row they go to.
    pending: i64,
    row: String,
}

impl Batch {
    pub fn new(lane: u32) -> Batch {
        Batch {
            lane,
            letters: Mutex::new(HashMap::new()),
            attack_modes: Mutex::new(HashMap::new()),
            endpoints: Mutex::new(HashMap::new()),
            deltas: Mutex::new(Vec::new()),
            counters: Mutex::new(BTreeMap::new()),
            queued: Mutex::new(Vec::new()),
            planned_afresh: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The lane this batch runs in: the shard its spread counters are written to.
    pub fn lane(&self) -> u32 {
        self.lane
    }

    /// A letter, read (and share-locked: an edit of its text waits for the batch, or the
    /// batch for the edit) once per batch.
    pub async fn letter<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        id: i64,
    ) -> Result<Option<letter::Model>, DbErr> {
        once_per_batch(
            &self.letters,
            id,
            crate::store::letters::find_for_signing(conn, id),
        )
        .await
    }

    /// A letter's under-attack mode (`abuse::attack`), read once per batch.
    pub async fn attack_mode<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        letter_id: i64,
    ) -> Result<Option<attack_mode::Model>, DbErr> {
        let read = crate::abuse::attack::status(conn, letter_id);
        once_per_batch(&self.attack_modes, letter_id, read).await
    }

    /// A letter's webhook endpoints (`webhooks::subscribed`), read once per batch.
    pub async fn webhook_endpoints<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        letter_id: i64,
    ) -> Result<Vec<(i64, String)>, DbErr> {
        let read = crate::webhooks::subscribed(conn, letter_id);
        once_per_batch(&self.endpoints, letter_id, read).await
    }

    /// Adds `delta` to a letter's confirmed count of `kind`: one `count_deltas` row per
    /// letter and kind is written when the batch flushes, for the roll-up.
    pub fn count(&self, letter_id: i64, kind: SignatureKind, delta: i32, at: DateTime<Utc>) {
        let mut deltas = lock(&self.deltas);
        match deltas
            .iter_mut()
            .find(|d| d.letter_id == letter_id && d.kind == kind)
        {
            Some(d) => d.delta += delta,
            None => deltas.push(Delta {
                letter_id,
                kind,
                delta,
                at,
            }),
        }
    }

    /// PostgreSQL, before the batch's first read of the rate counters: the rest of the
    /// transaction is planned for the tables as they are now (`plan_cache_mode =
    /// force_custom_plan`, this transaction only). A pooled connection otherwise keeps,
    /// for each prepared statement, a generic plan made after its first few runs; the
    /// counters' table starts empty and grows by a row or two per signing, and a plan
    /// made while it was a few rows long scans it whole ever after (measured: 20-30 ms a
    /// read at 10k rows, where a few index probes take well under 0.1 ms). Planning the
    /// batch's short statements costs far less. Batches that read no counter
    /// (confirmations alone) keep the cached plans.
    pub async fn plan_afresh<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        if conn.get_database_backend() != DatabaseBackend::Postgres
            || self.planned_afresh.swap(true, Ordering::Relaxed)
        {
            return Ok(());
        }
        conn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
        Ok(())
    }

    /// Forgets a letter's mode, which this batch is about to switch.
    pub fn forget_attack_mode(&self, letter_id: i64) {
        lock(&self.attack_modes).remove(&letter_id);
    }

    /// Counts one more on a counter this batch has seen, and returns its new value; `None`
    /// when the batch has not seen it yet (the caller reads it and calls `tallied`).
    pub fn bump(&self, key: &str, window_start: i64) -> Option<i64> {
        let mut counters = self.lock_counters();
        let tally = counters.get_mut(&(key.to_owned(), window_start))?;
        tally.total += 1;
        tally.pending += 1;
        Some(tally.total)
    }

    /// Remembers a counter's value after the caller wrote its first bump to `row`.
    pub fn tallied(&self, key: &str, window_start: i64, row: String, total: i64) {
        self.lock_counters().insert(
            (key.to_owned(), window_start),
            Tally {
                total,
                pending: 0,
                row,
            },
        );
    }

    /// Queues an outbox row (`outbox::pending_row`) with the batch: the batch's rows are
    /// inserted together, in one statement, when it flushes (or sooner, by
    /// [`Batch::write_queued`]), inside its transaction all the same.
    pub fn queue(&self, row: outbox::ActiveModel) {
        lock(&self.queued).push(row);
    }

    /// Inserts the outbox rows queued so far: for an item about to read the outbox, so it
    /// sees what the batch queued before it.
    pub async fn write_queued<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        use sea_orm::EntityTrait;
        let rows: Vec<outbox::ActiveModel> = std::mem::take(&mut *lock(&self.queued));
        outbox::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
        Ok(())
    }

    /// Writes what was gathered in memory: the queued outbox rows, the counter bumps (one
    /// statement per counter in key order) and the count deltas (one row per letter and
    /// kind).
    pub async fn flush<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        self.write_queued(conn).await?;
        let deltas: Vec<Delta> = std::mem::take(&mut *lock(&self.deltas));
        for d in deltas.into_iter().filter(|d| d.delta != 0) {
            crate::store::signatures::add_count_delta(conn, d.letter_id, d.kind, d.delta, d.at)
                .await?;
        }
        let pending: Vec<(String, i64, i64)> = self
            .lock_counters()
            .iter_mut()
            .filter(|(_, t)| t.pending > 0)
            .map(|((_, start), t)| (t.row.clone(), *start, std::mem::take(&mut t.pending)))
            .collect();
        for (row, start, n) in pending {
            crate::abuse::durable::add(conn, &row, start, n).await?;
        }
        Ok(())
    }

    fn lock_counters(&self) -> MutexGuard<'_, BTreeMap<(String, i64), Tally>> {
        lock(&self.counters)
    }
}

/// What `map` holds for `key`, or what `read` gives, kept in `map` for the rest of the
/// batch. `read` is a future not yet polled: it runs only when the value is not kept.
async fn once_per_batch<V: Clone>(
    map: &Mutex<HashMap<i64, V>>,
    key: i64,
    read: impl std::future::Future<Output = Result<V, DbErr>>,
) -> Result<V, DbErr> {
    if let Some(found) = lock(map).get(&key) {
        return Ok(found.clone());
    }
    let found = read.await?;
    lock(map).insert(key, found.clone());
    Ok(found)
}

/// A batch's maps hold plain values: one left by a panicking item is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_always_takes_the_same_lane() {
        for key in ["a@example.org", "b@example.org", ""] {
            assert_eq!(lane_of(key, 4), lane_of(key, 4));
            assert!(lane_of(key, 4) < 4);
        }
        assert_eq!(lane_of("x", 1), 0);
    }

    #[test]
    fn bumps_are_counted_from_the_first_read() {
        let batch = Batch::new(2);
        assert_eq!(batch.bump("k", 60), None);
        batch.tallied("k", 60, "k#2".into(), 7);
        assert_eq!(batch.bump("k", 60), Some(8));
        assert_eq!(batch.bump("k", 60), Some(9));
        assert_eq!(batch.bump("k", 120), None);
    }
}
