//! `list_entries`: a letter's append-only log of list entries (see `crate::proof`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "list_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    /// The entry's leaf index in the letter's tree, from 0, without gaps.
    pub position: i64,
    pub signature_id: i64,
    /// `listing` or `removal`.
    pub entry_kind: String,
    /// The public fields (JSON) the leaf is built from; NULL once a listing was ended.
    pub fields: Option<String>,
    /// Lowercase hex of the leaf's hash.
    pub leaf_hash: String,
    /// For a listing: the position of the removal that ended it.
    pub ended_at_position: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
