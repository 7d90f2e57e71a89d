//! The verifiable signature list: per letter, an append-only log of list entries (a
//! signature listed, or a listing ended), the hashes of the log's complete Merkle
//! subtrees, the snapshots (tree heads) published, and the private proof links of
//! signers (only their hash stored). See `undersigned::proof`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn to_letters(table: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_letter"))
        .from(Alias::new(table), "letter_id")
        .to("letters", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("list_entries")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(big_integer("position"))
                    .col(big_integer("signature_id"))
                    .col(string_len("entry_kind", 16))
                    // The entry's public fields as JSON; NULL once a listing was ended,
                    // so the list no longer publishes a removed signer's name.
                    .col(text_null("fields"))
                    .col(string_len("leaf_hash", 64))
                    // For a listing: the position of the entry that ended it.
                    .col(big_integer_null("ended_at_position"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut to_letters("list_entries"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_list_entries_letter_position")
                    .table("list_entries")
                    .col("letter_id")
                    .col("position")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_list_entries_letter_signature")
                    .table("list_entries")
                    .col("letter_id")
                    .col("signature_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("list_nodes")
                    .col(big_integer("letter_id"))
                    .col(integer("level"))
                    .col(big_integer("node_index"))
                    .col(string_len("hash", 64))
                    .primary_key(
                        Index::create()
                            .col("letter_id")
                            .col("level")
                            .col("node_index"),
                    )
                    .foreign_key(&mut to_letters("list_nodes"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("list_snapshots")
                    .col(big_pk_auto("id"))
                    .col(big_integer("letter_id"))
                    .col(big_integer("size"))
                    .col(string_len("root", 64))
                    .col(timestamp_with_time_zone("taken_at"))
                    .col(big_integer_null("taken_by_account_id"))
                    .col(string_len("taken_by", 254))
                    .foreign_key(&mut to_letters("list_snapshots"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_list_snapshots_letter_size")
                    .table("list_snapshots")
                    .col("letter_id")
                    .col("size")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("proof_tokens")
                    .col(big_pk_auto("id"))
                    .col(big_integer("signature_id"))
                    .col(string_len_uniq("token_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proof_tokens_signature")
                            .from("proof_tokens", "signature_id")
                            .to("signatures", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_proof_tokens_signature")
                    .table("proof_tokens")
                    .col("signature_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "proof_tokens",
            "list_snapshots",
            "list_nodes",
            "list_entries",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
