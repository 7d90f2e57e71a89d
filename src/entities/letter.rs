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
    pub individuals_may_sign: bool,
    pub organisations_may_sign: bool,
    /// A confirmed organisation is listed and counted only once staff approve it.
    pub organisations_need_approval: bool,
    /// The secret of the private preview link of a draft (`None`: no link). Kept as is,
    /// not hashed: whoever can read this column can read the draft itself.
    pub preview_key: Option<String>,
    /// The number of the current version of the text (`letter_versions`); the title,
    /// summary and body above are that version's.
    pub version: i32,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
