//! Partner API keys (`/staff/api-keys`): only the SHA-256 of each key is kept, with the
//! letters it may sign for; the idempotency records of the write API; the key a
//! signature came through, on the signature; and the index the API's list of signatories
//! reads organisations by.

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
                    .table("api_keys")
                    .col(big_pk_auto("id"))
                    // What the admin called it ("Amnesty France site").
                    .col(string_len("name", 100))
                    // The first characters of the key, shown to tell keys apart; not secret.
                    .col(string_len("prefix", 16))
                    // Hex SHA-256 of the whole key; the key itself is never stored.
                    .col(string_len_uniq("key_hash", 64))
                    // Every letter, or only those in `api_key_letters`.
                    .col(boolean("all_letters"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_key_letters")
                    .col(big_integer("api_key_id"))
                    .col(big_integer("letter_id"))
                    .primary_key(Index::create().col("api_key_id").col("letter_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_key_letters", "api_key_id")
                            .to("api_keys", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_key_letters", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_idempotency")
                    .col(big_integer("api_key_id"))
                    .col(string_len("idempotency_key", 255))
                    // Hex SHA-256 of the request (method, path and body): a key reused
                    // for another request is refused.
                    .col(string_len("request_hash", 64))
                    .col(small_integer("status"))
                    .col(text("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("api_key_id").col("idempotency_key"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_idempotency", "api_key_id")
                            .to("api_keys", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .add_column(big_integer_null("api_key_id"))
                    .to_owned(),
            )
            .await?;
        // The API lists organisations by confirmation time (the page lists them by name).
        manager
            .create_index(
                Index::create()
                    .name("idx_signatures_organisations_confirmed")
                    .table("signatures")
                    .col("letter_id")
                    .col("kind")
                    .col("status")
                    .col("confirmed_at")
                    .col("id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_signatures_organisations_confirmed")
                    .table("signatures")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .drop_column("api_key_id")
                    .to_owned(),
            )
            .await?;
        for table in ["api_idempotency", "api_key_letters", "api_keys"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
