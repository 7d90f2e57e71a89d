//! The shown signature counts.
//!
//! A confirmation never touches the count row: it appends a `+1` to `count_deltas` in
//! its own transaction (insert-only, nothing to wait for). The roll-up, run by the worker
//! every `count_rollup_interval`, deletes a batch of deltas and adds them to
//! `letter_counts` in one transaction, so a delta is counted exactly once even with
//! several workers. The shown count therefore lags the truth by at most one roll-up
//! interval plus the roll-up's own run time. `reconcile` recomputes the counts from the
//! signatures themselves and corrects (and logs) any drift.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QuerySelect, Set, Statement, TransactionTrait,
};

use crate::db;
use crate::entities::{SignatureKind, count_delta, letter, letter_count};
use crate::store::signatures;

/// Most deltas folded in one transaction, to keep it short under a flood.
const ROLLUP_BATCH: u64 = 20_000;

/// Folds pending deltas into the shown counts; returns how many deltas it folded.
///
/// One bad row must not stop every later roll-up: a delta whose kind does not parse is
/// logged and dropped, and a letter whose counts cannot be updated is logged and skipped
/// (inside a savepoint, so the rest of the batch still commits). Reconciliation recounts
/// from the signatures, so nothing dropped here is lost for good.
pub async fn roll_up(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut folded = 0;
    loop {
        let txn = db::begin_write(db).await?;
        // Read back as plain values, not entities, so a row that no longer parses is
        // seen and dropped rather than failing the whole statement.
        let taken = txn
            .query_all_raw(Statement::from_string(
                txn.get_database_backend(),
                format!(
                    "DELETE FROM count_deltas WHERE id IN \
                     (SELECT id FROM count_deltas ORDER BY id LIMIT {ROLLUP_BATCH}) \
                     RETURNING id, letter_id, kind, delta"
                ),
            ))
            .await?;
        if taken.is_empty() {
            txn.commit().await?;
            return Ok(folded);
        }
        folded += taken.len() as u64;
        let mut sums: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for row in &taken {
            let id: i64 = row.try_get("", "id")?;
            let letter_id: i64 = row.try_get("", "letter_id")?;
            let kind: String = row.try_get("", "kind")?;
            let delta: i32 = row.try_get("", "delta")?;
            let entry = sums.entry(letter_id).or_default();
            match SignatureKind::try_from_value(&kind) {
                Ok(SignatureKind::Individual) => entry.0 += i64::from(delta),
                Ok(SignatureKind::Organisation) => entry.1 += i64::from(delta),
                Err(_) => tracing::error!(
                    delta_id = id,
                    letter_id,
                    kind,
                    "count delta of an unknown kind dropped; reconciliation will recount"
                ),
            }
        }
        for (letter_id, (individuals, organisations)) in sums {
            let savepoint = txn.begin().await?;
            match add(&savepoint, letter_id, individuals, organisations, now).await {
                Ok(()) => savepoint.commit().await?,
                Err(e) => {
                    savepoint.rollback().await?;
                    tracing::error!(
                        letter_id,
                        error = %e,
                        "count deltas could not be folded and were dropped; reconciliation will recount"
                    );
                }
            }
        }
        let full = taken.len() as u64 == ROLLUP_BATCH;
        txn.commit().await?;
        if !full {
            return Ok(folded);
        }
    }
}

async fn add<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    individuals: i64,
    organisations: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let updated = letter_count::Entity::update_many()
        .col_expr(
            letter_count::Column::IndividualCount,
            Expr::col(letter_count::Column::IndividualCount).add(individuals),
        )
        .col_expr(
            letter_count::Column::OrganisationCount,
            Expr::col(letter_count::Column::OrganisationCount).add(organisations),
        )
        .col_expr(letter_count::Column::UpdatedAt, Expr::value(now))
        .filter(letter_count::Column::LetterId.eq(letter_id))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 {
        letter_count::ActiveModel {
            letter_id: Set(letter_id),
            individual_count: Set(individuals),
            organisation_count: Set(organisations),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// A count that did not match the signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drift {
    pub letter_id: i64,
    pub kind: SignatureKind,
    /// Shown count plus the deltas not yet rolled up.
    pub expected: i64,
    pub actual: i64,
}

/// Recomputes every letter's counts from its confirmed signatures and folds away the
/// pending deltas in the same snapshot; returns the drifts it corrected.
pub async fn reconcile(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<Drift>, DbErr> {
    let ids: Vec<i64> = letter::Entity::find()
        .select_only()
        .column(letter::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut drifts = Vec::new();
    for letter_id in ids {
        let mut tries = 0;
        loop {
            tries += 1;
            match reconcile_letter(db, letter_id, now).await {
                Ok(found) => {
                    drifts.extend(found);
                    break;
                }
                // Someone rolled up or reconciled this letter meanwhile; take a new snapshot.
                Err(e) if db::is_retryable(&e) && tries < 10 => continue,
                Err(e) => return Err(e),
            }
        }
    }
    for d in &drifts {
        tracing::warn!(
            letter_id = d.letter_id,
            kind = d.kind.as_str(),
            expected = d.expected,
            actual = d.actual,
            "signature count drifted; corrected"
        );
    }
    Ok(drifts)
}

async fn reconcile_letter(
    db: &DatabaseConnection,
    letter_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Drift>, DbErr> {
    let txn = db::begin_snapshot(db).await?;
    let pending = count_delta::Entity::delete_many()
        .filter(count_delta::Column::LetterId.eq(letter_id))
        .exec_with_returning(&txn)
        .await?;
    let shown = letter_count::Entity::find_by_id(letter_id)
        .one(&txn)
        .await?;
    let (shown_individuals, shown_organisations) = shown
        .as_ref()
        .map(|c| (c.individual_count, c.organisation_count))
        .unwrap_or((0, 0));
    let mut drifts = Vec::new();
    let mut actual = [0i64; 2];
    for (i, (kind, shown)) in [
        (SignatureKind::Individual, shown_individuals),
        (SignatureKind::Organisation, shown_organisations),
    ]
    .into_iter()
    .enumerate()
    {
        let pending: i64 = pending
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| i64::from(d.delta))
            .sum();
        actual[i] = signatures::count_confirmed(&txn, letter_id, kind).await?;
        if shown + pending != actual[i] {
            drifts.push(Drift {
                letter_id,
                kind,
                expected: shown + pending,
                actual: actual[i],
            });
        }
    }
    let row = letter_count::ActiveModel {
        letter_id: Set(letter_id),
        individual_count: Set(actual[0]),
        organisation_count: Set(actual[1]),
        updated_at: Set(now),
    };
    if shown.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    txn.commit().await?;
    Ok(drifts)
}
