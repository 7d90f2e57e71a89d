//! The languages of a signature: `language`, the interface language the signer used
//! (their emails are written in it), and `text_language`, the language of the letter's
//! text they were shown when it was a translation (NULL: the original).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement. Rows from before were all signed in
        // English, the only interface language there was.
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .add_column(string_len("language", 35).default("en"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("signatures")
                    .add_column(string_len_null("text_language", 35))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["text_language", "language"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("signatures")
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
