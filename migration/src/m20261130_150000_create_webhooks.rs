//! Webhooks: the endpoints staff register per letter (`webhook_endpoints`) and every
//! delivery attempt made to them (`webhook_attempts`), shown to staff.

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
                    .table("webhook_endpoints")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(string_len("url", 2000))
                    // `whsec_` + base64 of 32 random bytes: the deliveries are signed with
                    // it, so it is kept as it is (like the other server secrets).
                    .col(string_len("secret", 100))
                    // Comma-separated event types, e.g. `signature.confirmed,letter.closed`.
                    .col(string_len("events", 200))
                    // Signers' names and addresses go into payloads only when an admin
                    // said so for this endpoint.
                    .col(boolean("include_personal").default(false))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_letter")
                            .from("webhook_endpoints", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_endpoints_letter")
                    .table("webhook_endpoints")
                    .col("letter_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .col(big_pk_auto("id"))
                    .col(big_integer("endpoint_id"))
                    .col(big_integer("letter_id"))
                    .col(big_integer("outbox_id"))
                    .col(string_len("event", 40))
                    .col(integer("attempt"))
                    // The HTTP status, when an answer came.
                    .col(integer_null("status_code"))
                    .col(string_len_null("error", 500))
                    .col(big_integer("duration_ms"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_endpoint")
                            .from("webhook_attempts", "endpoint_id")
                            .to("webhook_endpoints", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The screen lists a letter's latest attempts, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_letter")
                    .table("webhook_attempts")
                    .col("letter_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_endpoint")
                    .table("webhook_attempts")
                    .col("endpoint_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("webhook_attempts").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("webhook_endpoints").to_owned())
            .await
    }
}
