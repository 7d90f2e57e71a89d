//! What duplicate checks and the quarantine rules need of a signature: its canonical
//! address (`me+1@gmail.com` and `m.e@googlemail.com` are one inbox), the confusable
//! skeleton of its name, its email domain and its network (/24 or /48), each with the
//! index its check counts over.
//!
//! Uniqueness moves from the normalised address to the canonical one: the unique index
//! over (letter, kind, email_normalized) is replaced by one over (letter, kind,
//! email_canonical). Every row written since carries both keys; the canonical key being
//! unique implies the normalised one is. Rows that existed before are filled in by the
//! service (`abuse::quarantine::backfill`, run right after migrating), because the
//! rules live in Rust; until then their new columns are NULL, which a unique index lets
//! through, and `name_skeleton IS NULL` marks a row not yet filled in. Two existing rows
//! that turn out to be one inbox are both kept as they are (they were counted and
//! listed; staff can find and invalidate one); the later one keeps `email_canonical`
//! NULL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 4] = [
    "email_canonical",
    "name_skeleton",
    "email_domain",
    "network_prefix",
];

/// (name, columns, unique)
const INDEXES: [(&str, &[&str], bool); 4] = [
    (
        "uq_signatures_letter_kind_canonical",
        &["letter_id", "kind", "email_canonical"],
        true,
    ),
    (
        "idx_signatures_letter_kind_skeleton",
        &["letter_id", "kind", "name_skeleton"],
        false,
    ),
    (
        "idx_signatures_letter_domain_created",
        &["letter_id", "email_domain", "created_at"],
        false,
    ),
    (
        "idx_signatures_letter_network_confirmed",
        &["letter_id", "network_prefix", "confirmed_at"],
        false,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("signatures")
                        .add_column(string_null(Alias::new(column)))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("uq_signatures_letter_kind_email")
                    .table("signatures")
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in INDEXES {
            let mut index = Index::create();
            index.name(name).table("signatures");
            for column in columns {
                index.col(Alias::new(*column));
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table("signatures").to_owned())
                .await?;
        }
        // Fails if two rows now share a normalised address: decide which to keep first.
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
        for column in COLUMNS {
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
