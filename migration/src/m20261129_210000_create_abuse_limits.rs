//! Durable abuse limits shared by every replica: counters per (key, window), the proofs
//! of work and delay tickets already used (so none is replayed), and each letter's
//! under-attack mode with when and why it last switched.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("limit_counters")
                    // e.g. `letter:12`, `domain:12:example.org`, `inbox:me@example.org`.
                    .col(string_len("counter_key", 320))
                    // Unix seconds at which the counter's fixed window starts.
                    .col(big_integer("window_start"))
                    .col(integer("hits"))
                    .primary_key(Index::create().col("counter_key").col("window_start"))
                    .to_owned(),
            )
            .await?;
        // The sweep deletes old windows by their start.
        manager
            .create_index(
                Index::create()
                    .name("idx_limit_counters_window")
                    .table("limit_counters")
                    .col("window_start")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("used_proofs")
                    // SHA-256 (hex) of the challenge or ticket: its first use inserts it.
                    .col(string_len("id", 64).primary_key())
                    // After this the proof is refused as expired anyway: the row can go.
                    .col(timestamp_with_time_zone("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_used_proofs_expires")
                    .table("used_proofs")
                    .col("expires_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("attack_modes")
                    .col(big_integer("letter_id").primary_key())
                    .col(boolean("active"))
                    // Switched by the threshold (true) or by a staff member (false).
                    .col(boolean("automatic"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .col(text("reason"))
                    // The staff member's email, or `system`.
                    .col(string_len("changed_by", 254))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attack_modes_letter")
                            .from("attack_modes", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["attack_modes", "used_proofs", "limit_counters"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
