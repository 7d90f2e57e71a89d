//! When the last confirmation email of a signature was queued: once every link sent has
//! expired, the signer may ask for links again instead of being locked out by the cap.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .add_column(timestamp_with_time_zone_null("last_confirmation_email_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .drop_column("last_confirmation_email_at")
                    .to_owned(),
            )
            .await
    }
}
