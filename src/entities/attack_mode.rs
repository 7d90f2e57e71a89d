//! `attack_modes`: whether a letter's sign form asks for a proof of work, and when and
//! why that last changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attack_modes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub letter_id: i64,
    pub active: bool,
    /// Switched by the threshold rather than by staff.
    pub automatic: bool,
    pub changed_at: DateTimeUtc,
    pub reason: String,
    /// A staff member's email, or `system`.
    pub changed_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
