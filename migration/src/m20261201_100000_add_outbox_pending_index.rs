//! The worker's claim reads pending rows through an index of pending rows only.
//!
//! Sent and failed rows stay in the outbox (the letter dashboard, delivery status,
//! retention and metrics read them), but they leave this partial index when they stop
//! being pending, so a table of millions of sent rows is claimed from as fast as an empty
//! one. It replaces `idx_outbox_due` (status, run_at), which held an entry for every row
//! ever queued: the other readers by status have `idx_outbox_status_finished` (status,
//! finished_at) and `idx_outbox_letter`. Both databases take the same syntax.
//!
//! On PostgreSQL, each row's move from pending to sent leaves a dead index entry until
//! the table is vacuumed, and the default autovacuum waits for a fifth of the table to
//! be dead: for a queue that is every sent row of the last hours. The outbox is vacuumed
//! after 1,000 changed rows plus 1 % of the table instead.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // The claim's filter (`status = 'pending'`, written as this literal in
        // src/outbox/worker.rs and src/metrics.rs) must match the predicate for the
        // planner to use the index. `status` leads although it is constant here: without
        // it SQLite's planner prefers any index starting with `status` and sorts.
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_outbox_pending_due \
             ON outbox (status, run_at, id) WHERE status = 'pending'",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_outbox_due")
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.01, \
                 autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.01)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, \
                 autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor)",
            )
            .await?;
        }
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_outbox_due ON outbox (status, run_at)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_outbox_pending_due")
            .await?;
        Ok(())
    }
}
