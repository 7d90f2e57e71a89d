//! `letters`: an open letter and its lifecycle.

use sea_orm::entity::prelude::*;

use super::LetterStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown; rendered and sanitised when shown.
    pub body: String,
    pub language: String,
    pub status: LetterStatus,
    pub goal: Option<i64>,
    pub deadline: Option<DateTimeUtc>,
    pub opened_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
