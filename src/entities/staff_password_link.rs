//! `staff_password_links`: one-time links that let a person set a staff password.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_password_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// None for the first-admin link, whose user types the email of the new account.
    pub account_id: Option<i64>,
    /// Lowercase hex SHA-256 of the token; the token itself is only ever shown once.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
