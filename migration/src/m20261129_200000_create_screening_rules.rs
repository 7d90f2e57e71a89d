//! The operators' block and allow lists for signing: email domains (exact or
//! `*.example.com`) and client address ranges (CIDR), edited on `/staff/lists`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("screening_rules")
                    .col(big_pk_auto("id"))
                    // `block` or `allow`.
                    .col(string_len("list", 8))
                    // `domain` or `network`.
                    .col(string_len("kind", 8))
                    // Lower-case domain, `*.` + domain, or a CIDR range in canonical form.
                    .col(string_len("pattern", 260))
                    .col(string_len_null("note", 200))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        // One rule per pattern: a domain is blocked or allowed, never both.
        manager
            .create_index(
                Index::create()
                    .name("idx_screening_rules_pattern")
                    .table("screening_rules")
                    .col("kind")
                    .col("pattern")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("screening_rules").to_owned())
            .await
    }
}
