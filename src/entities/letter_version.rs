//! `letter_versions`: each text of a letter that was offered for signing, kept for good.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    /// 1, 2, ... per letter.
    pub number: i32,
    pub title: String,
    pub summary: String,
    /// Markdown, as the letter's body.
    pub body: String,
    /// The staff account that wrote it (`None`: the command line or a migration).
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
