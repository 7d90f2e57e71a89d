//! Indexes for the letter dashboard's hourly chart: signatures of one letter by the time
//! they were made and by the time they were confirmed, so "the last 7 days" is a range
//! in an index rather than a scan of every signature of the letter.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Also serves the dashboard's "last hour" list of domains and address prefixes.
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_letter_created")
                    .table("signatures")
                    .col("letter_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        // `idx_signatures_listing` has kind and status before `confirmed_at`; the chart
        // counts confirmations whatever the signature's status is now.
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_letter_confirmed")
                    .table("signatures")
                    .col("letter_id")
                    .col("confirmed_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_signatures_letter_confirmed",
            "idx_signatures_letter_created",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("signatures").to_owned())
                .await?;
        }
        Ok(())
    }
}
