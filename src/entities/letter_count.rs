//! `letter_counts`: the confirmed-signature counts shown for a letter, kept by the roll-up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub letter_id: i64,
    pub individual_count: i64,
    pub organisation_count: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
