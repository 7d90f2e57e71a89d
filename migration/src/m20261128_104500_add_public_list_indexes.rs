//! Indexes that serve the public lists of a letter page as keyset pages: each page is one
//! seek into an index that already holds the rows in the order shown.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Listed individuals, newest first. `idx_signatures_listing` stops at the status, so
        // the `show_publicly` filter read every confirmed row of a letter before the page;
        // with the flag in the key, the (confirmed_at, id) cursor is a range in the index.
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_public_individuals")
                    .table("signatures")
                    .col("letter_id")
                    .col("kind")
                    .col("status")
                    .col("show_publicly")
                    .col("confirmed_at")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        // Confirmed organisations by name; the id breaks ties between equal names.
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_public_organisations")
                    .table("signatures")
                    .col("letter_id")
                    .col("kind")
                    .col("status")
                    .col("organisation_name")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_signatures_public_organisations",
            "idx_signatures_public_individuals",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("signatures").to_owned())
                .await?;
        }
        Ok(())
    }
}
