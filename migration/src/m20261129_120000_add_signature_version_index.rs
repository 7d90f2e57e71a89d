//! An index for the versions page of a letter: how many confirmed signatures each version
//! of its text holds is one grouped count that reads only this index (letter, status,
//! version), never the signature rows themselves.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_letter_version")
                    .table("signatures")
                    .col("letter_id")
                    .col("status")
                    .col("letter_version")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_signatures_letter_version")
                    .table("signatures")
                    .to_owned(),
            )
            .await
    }
}
