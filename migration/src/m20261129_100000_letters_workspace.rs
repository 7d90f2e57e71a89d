//! What the staff workspace needs of letters and signatures: who may sign and whether
//! organisations need approval, a private preview key, the letter's versions (every
//! signature records the version it was given to sign), a target's person and title,
//! staff review of signatures, and the letter an outbox row belongs to.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite alters one column per statement, so every column is its own statement.
async fn add(manager: &SchemaManager<'_>, table: &str, mut column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn drop(manager: &SchemaManager<'_>, table: &str, column: &str) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(Alias::new(table))
                .drop_column(Alias::new(column))
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            "letters",
            boolean("individuals_may_sign").default(true).to_owned(),
        )
        .await?;
        add(
            manager,
            "letters",
            boolean("organisations_may_sign").default(true).to_owned(),
        )
        .await?;
        // Letters from before review existed keep listing organisations at once; the
        // workspace's form proposes approval for every new letter.
        add(
            manager,
            "letters",
            boolean("organisations_need_approval")
                .default(false)
                .to_owned(),
        )
        .await?;
        add(manager, "letters", string_len_null("preview_key", 64)).await?;
        add(manager, "letters", integer("version").default(1).to_owned()).await?;
        add(
            manager,
            "letters",
            timestamp_with_time_zone_null("closed_at"),
        )
        .await?;

        add(manager, "targets", string_len_null("person", 300)).await?;
        add(manager, "targets", string_len_null("person_title", 300)).await?;

        add(
            manager,
            "signatures",
            integer("letter_version").default(1).to_owned(),
        )
        .await?;
        add(manager, "signatures", string_len_null("held_for", 16)).await?;
        add(
            manager,
            "signatures",
            timestamp_with_time_zone_null("reviewed_at"),
        )
        .await?;
        add(manager, "signatures", big_integer_null("reviewed_by")).await?;
        add(manager, "signatures", text_null("review_note")).await?;

        add(manager, "outbox", big_integer_null("letter_id")).await?;

        manager
            .create_table(
                Table::create()
                    .table("letter_versions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(integer("number"))
                    .col(string_len("title", 300))
                    .col(text("summary"))
                    .col(text("body"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_letter_versions_letter")
                            .from("letter_versions", "letter_id")
                            .to("letters", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_letter_versions_number")
                    .table("letter_versions")
                    .col("letter_id")
                    .col("number")
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Every existing letter's text is its version 1.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO letter_versions (letter_id, number, title, summary, body, created_at) \
             SELECT id, 1, title, summary, body, created_at FROM letters",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_letter")
                    .table("outbox")
                    .col("letter_id")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_letter")
                    .table("outbox")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("letter_versions").to_owned())
            .await?;
        drop(manager, "outbox", "letter_id").await?;
        for column in [
            "review_note",
            "reviewed_by",
            "reviewed_at",
            "held_for",
            "letter_version",
        ] {
            drop(manager, "signatures", column).await?;
        }
        drop(manager, "targets", "person_title").await?;
        drop(manager, "targets", "person").await?;
        for column in [
            "closed_at",
            "version",
            "preview_key",
            "organisations_need_approval",
            "organisations_may_sign",
            "individuals_may_sign",
        ] {
            drop(manager, "letters", column).await?;
        }
        Ok(())
    }
}
