//! Indexes for the staff's moderation screens: the search of a letter's signatures,
//! newest first by id (a keyset page is one seek whatever the filters on status), and the
//! approval queue (held signatures of a letter, oldest first).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_letter_id")
                    .table("signatures")
                    .col("letter_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_letter_status_id")
                    .table("signatures")
                    .col("letter_id")
                    .col("status")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_signatures_letter_status_id",
            "idx_signatures_letter_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("signatures").to_owned())
                .await?;
        }
        Ok(())
    }
}
