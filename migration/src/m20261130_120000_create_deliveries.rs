//! Delivering a letter: `deliveries` (one per staff decision to send the letter, with the
//! fixed snapshot of what is sent), `delivery_targets` (one row per institution of a
//! delivery, with its outbox row) and `delivery_notices` (one per signer told that the
//! letter was delivered: unique per letter and signature, so nobody is told twice).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("deliveries")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("trigger", 16))
                    .col(string_len("state", 16))
                    .col(string_len("reply_to", 254))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(integer_null("version"))
                    .col(big_integer_null("individual_count"))
                    .col(big_integer_null("organisation_count"))
                    .col(big_integer_null("last_signature_id"))
                    .col(big_integer_null("list_size"))
                    .col(string_len_null("list_root", 64))
                    .col(boolean("notify").default(false))
                    .col(big_integer_null("notices_after"))
                    .col(timestamp_with_time_zone_null("notices_next_at"))
                    .col(boolean("notices_done").default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_letter")
                            .from("deliveries", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_letter")
                    .table("deliveries")
                    .col("letter_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_state")
                    .table("deliveries")
                    .col("state")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("delivery_targets")
                    .col(big_pk_auto("id"))
                    .col(big_integer("delivery_id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("name", 200))
                    .col(string_len("email", 254))
                    .col(integer("position"))
                    .col(big_integer_null("outbox_id"))
                    .col(integer("sends").default(0))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_targets_delivery")
                            .from("delivery_targets", "delivery_id")
                            .to("deliveries", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_targets_delivery")
                    .table("delivery_targets")
                    .col("delivery_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("delivery_notices")
                    .col(big_pk_auto("id"))
                    .col(big_integer("delivery_id"))
                    .col(big_integer("letter_id"))
                    .col(big_integer("signature_id"))
                    .col(string_len("state", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_notices_delivery")
                            .from("delivery_notices", "delivery_id")
                            .to("deliveries", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_delivery_notices_signature")
                            .from("delivery_notices", "signature_id")
                            .to("signatures", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_delivery_notices_once")
                    .table("delivery_notices")
                    .col("letter_id")
                    .col("signature_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["delivery_notices", "delivery_targets", "deliveries"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
