//! Signatures, their confirmation tokens, and the append-only count deltas.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("signatures")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("kind", 16))
                    .col(string_len("status", 16))
                    .col(string_len("name", 200))
                    .col(string_len("email", 254))
                    .col(string_len("email_normalized", 254))
                    .col(string_len("country", 2))
                    .col(string_len_null("city", 200))
                    .col(string_len_null("occupation", 200))
                    .col(string_len_null("organisation_name", 200))
                    .col(string_len_null("website", 300))
                    .col(string_len_null("role", 200))
                    .col(boolean("show_publicly"))
                    .col(boolean("wants_updates"))
                    .col(integer("confirmation_emails").default(0))
                    .col(timestamp_with_time_zone_null("already_signed_emailed_at"))
                    .col(string_len_null("client_ip", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_signatures_letter")
                            .from("signatures", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One signature per letter, kind and address: the database decides, so two
        // simultaneous requests cannot both insert.
        manager
            .create_index(
                Index::create()
                    .name("uq_signatures_letter_kind_email")
                    .table("signatures")
                    .col("letter_id")
                    .col("kind")
                    .col("email_normalized")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Serves the public lists (confirmed, newest first) and the reconciling count.
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_listing")
                    .table("signatures")
                    .col("letter_id")
                    .col("kind")
                    .col("status")
                    .col("confirmed_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_email")
                    .table("signatures")
                    .col("email_normalized")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("confirmation_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("signature_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_confirmation_tokens_signature")
                            .from("confirmation_tokens", "signature_id")
                            .to("signatures", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_confirmation_tokens_signature")
                    .table("confirmation_tokens")
                    .col("signature_id")
                    .to_owned(),
            )
            .await?;

        // Each confirmation appends a +1 here in its own transaction; the roll-up folds
        // these into letter_counts. Insert-only rows never contend with each other.
        manager
            .create_table(
                Table::create()
                    .table("count_deltas")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("kind", 16))
                    .col(integer("delta"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["count_deltas", "confirmation_tokens", "signatures"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
