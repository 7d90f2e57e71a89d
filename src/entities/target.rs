//! `targets`: an institution a letter is addressed to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    pub name: String,
    pub email: String,
    /// Order in the "To:" line.
    pub position: i32,
    /// The person at the institution the letter is addressed to, and their title.
    pub person: Option<String>,
    pub person_title: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
