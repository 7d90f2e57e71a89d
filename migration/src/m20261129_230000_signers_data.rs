//! Signers' data: withdrawal links (only their hash stored), data requests (for the daily
//! cap per address), the server's own keys (the key of the IP hashes), and on signatures
//! the keyed hash of the address and when the personal fields were erased.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add_column(
    manager: &SchemaManager<'_>,
    table: &str,
    mut column: ColumnDef,
) -> Result<(), DbErr> {
    // SQLite alters one column per statement.
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("withdrawal_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("signature_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_withdrawal_tokens_signature")
                            .from("withdrawal_tokens", "signature_id")
                            .to("signatures", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_withdrawal_tokens_signature")
                    .table("withdrawal_tokens")
                    .col("signature_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("data_requests")
                    .col(big_pk_auto("id"))
                    .col(string_len("email_normalized", 254))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_data_requests_email_created")
                    .table("data_requests")
                    .col("email_normalized")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("server_secrets")
                    .col(string_len("name", 64).primary_key())
                    .col(string_len("value", 128))
                    .to_owned(),
            )
            .await?;
        add_column(manager, "signatures", string_len_null("ip_hash", 64)).await?;
        add_column(
            manager,
            "signatures",
            timestamp_with_time_zone_null("erased_at"),
        )
        .await?;
        // The purges look rows up by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_confirmation_tokens_created")
                    .table("confirmation_tokens")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_status_finished")
                    .table("outbox")
                    .col("status")
                    .col("finished_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_status_finished")
                    .table("outbox")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_confirmation_tokens_created")
                    .table("confirmation_tokens")
                    .to_owned(),
            )
            .await?;
        for column in ["erased_at", "ip_hash"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("signatures"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        for table in ["server_secrets", "data_requests", "withdrawal_tokens"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
