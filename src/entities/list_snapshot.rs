//! `list_snapshots`: a published head of a letter's list log: its size and root.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "list_snapshots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    /// The number of log entries the root covers (unique per letter).
    pub size: i64,
    /// Lowercase hex of the Merkle root over the first `size` entries.
    pub root: String,
    pub taken_at: DateTimeUtc,
    pub taken_by_account_id: Option<i64>,
    /// The staff member's email, `cli` or `system`.
    pub taken_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
