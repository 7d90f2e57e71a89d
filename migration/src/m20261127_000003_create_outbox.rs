//! The outbox: durable work (emails above all) written in the same transaction as the
//! data that caused it and carried out later by the worker.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .col(big_pk_auto("id"))
                    .col(string_len("kind", 32))
                    .col(text("payload"))
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("run_at"))
                    .col(string_len_null("locked_by", 64))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        // The worker's claim looks for due pending rows in this order.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table("outbox")
                    .col("status")
                    .col("run_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbox").to_owned())
            .await
    }
}
