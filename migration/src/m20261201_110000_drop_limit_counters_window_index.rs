//! Rate counters are read by their key only.
//!
//! A spread counter's total is a sum over its 16 shard keys in one window. With an index
//! on `window_start` alone, PostgreSQL's planner, when its statistics are older than a
//! flood (the moment counters matter), estimates a window to hold a handful of rows and
//! scans every counter of that window through it: every per-domain counter of the hour
//! for each signing, milliseconds that grow with the flood. Without it, the primary key
//! (`counter_key`, `window_start`) answers each shard with one probe. The periodic sweep
//! of old windows, the index's only other user, reads the table once per run instead.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_limit_counters_window")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_limit_counters_window \
                 ON limit_counters (window_start)",
            )
            .await?;
        Ok(())
    }
}
