//! `letter_translations`: staff-written translations of a letter's title, summary and
//! body, one per language. The letter's own text stays the authoritative original.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("letter_translations")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    // An interface language tag (`templates::LANGUAGES`).
                    .col(string_len("language", 35))
                    .col(text("title"))
                    .col(text("summary"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_letter_translations_letter")
                            .from("letter_translations", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_letter_translations_letter_language")
                    .table("letter_translations")
                    .col("letter_id")
                    .col("language")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("letter_translations").to_owned())
            .await
    }
}
