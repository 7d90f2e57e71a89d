//! `count_deltas.letter_id` gets its foreign key, with cascade: a delta of a deleted letter
//! cannot exist, so it cannot stop the roll-up. Orphans left from before are dropped (their
//! letter is gone; reconciliation recomputes counts from the signatures anyway). An index on
//! `letter_id` serves the cascade and the per-letter reconciliation.

use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK: &str = "fk_count_deltas_letter";
const INDEX: &str = "idx_count_deltas_letter";

/// The table as created by the signatures migration, under `name`, with or without the
/// foreign key (SQLite cannot add one to an existing table, so it is rebuilt).
fn table(name: &'static str, with_fk: bool) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name)
        .col(big_pk_auto("id"))
        .col(big_integer("letter_id"))
        .col(string_len("kind", 16))
        .col(integer("delta"))
        .col(timestamp_with_time_zone("created_at"));
    if with_fk {
        t.foreign_key(
            ForeignKey::create()
                .name(FK)
                .from(name, "letter_id")
                .to("letters", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
    }
    t.to_owned()
}

/// SQLite: copy the rows into a rebuilt table and swap it in. The statements go as one
/// script so they run on one connection, one after the other: spread over the pool, a
/// connection still reading the old schema could see the old table at the rename.
async fn rebuild_sqlite(manager: &SchemaManager<'_>, with_fk: bool) -> Result<(), DbErr> {
    let create = table("count_deltas_rebuilt", with_fk).to_string(SqliteQueryBuilder);
    let script = format!(
        "{create};
         INSERT INTO count_deltas_rebuilt (id, letter_id, kind, delta, created_at)
             SELECT id, letter_id, kind, delta, created_at FROM count_deltas
             WHERE letter_id IN (SELECT id FROM letters);
         DROP TABLE count_deltas;
         ALTER TABLE count_deltas_rebuilt RENAME TO count_deltas;"
    );
    manager
        .get_connection()
        .execute_unprepared(&script)
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            rebuild_sqlite(manager, true).await?;
        } else {
            db.execute_unprepared(
                "DELETE FROM count_deltas WHERE letter_id NOT IN (SELECT id FROM letters)",
            )
            .await?;
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name(FK)
                        .from("count_deltas", "letter_id")
                        .to("letters", "id")
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table("count_deltas")
                    .col("letter_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            // The rebuilt table comes without the index.
            rebuild_sqlite(manager, false).await
        } else {
            manager
                .drop_index(Index::drop().name(INDEX).table("count_deltas").to_owned())
                .await?;
            manager
                .drop_foreign_key(ForeignKey::drop().name(FK).table("count_deltas").to_owned())
                .await
        }
    }
}
