//! `screening_rules`: the operators' block and allow lists for signing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "screening_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `block` or `allow`.
    pub list: String,
    /// `domain` or `network`.
    pub kind: String,
    /// A lower-case domain, `*.` + a domain, or a CIDR range.
    pub pattern: String,
    pub note: Option<String>,
    /// The staff account that added it.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
