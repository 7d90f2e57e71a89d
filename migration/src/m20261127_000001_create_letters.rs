//! Letters, the institutions they are addressed to, and their rolled-up signature counts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("letters")
                    .col(big_pk_auto("id"))
                    .col(string_len_uniq("slug", 80))
                    .col(string_len("title", 300))
                    .col(text("summary"))
                    .col(text("body"))
                    .col(string_len("language", 16))
                    .col(string_len("status", 16))
                    .col(big_integer_null("goal"))
                    .col(timestamp_with_time_zone_null("deadline"))
                    .col(timestamp_with_time_zone_null("opened_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_letters_status")
                    .table("letters")
                    .col("status")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("targets")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("name", 300))
                    .col(string_len("email", 254))
                    .col(integer("position"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_targets_letter")
                            .from("targets", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_targets_letter")
                    .table("targets")
                    .col("letter_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;

        // The shown counts. Only the roll-up writes here, never a signing request, so a
        // popular letter does not queue every signer behind one row lock.
        manager
            .create_table(
                Table::create()
                    .table("letter_counts")
                    .col(big_integer("letter_id").primary_key())
                    .col(big_integer("individual_count").default(0))
                    .col(big_integer("organisation_count").default(0))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_letter_counts_letter")
                            .from("letter_counts", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["letter_counts", "targets", "letters"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
