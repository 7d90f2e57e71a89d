//! `count_deltas`: one row per change to a confirmed count, folded in by the roll-up.

use sea_orm::entity::prelude::*;

use super::SignatureKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "count_deltas")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    pub kind: SignatureKind,
    pub delta: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
