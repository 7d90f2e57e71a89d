//! `letter_translations`: a staff-written translation of a letter's text into one
//! interface language. The letter's own text is the authoritative original.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letter_translations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    /// A `templates::LANGUAGES` tag; unique with the letter.
    pub language: String,
    pub title: String,
    pub summary: String,
    /// Markdown, rendered and sanitised like the letter's own body.
    pub body: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
