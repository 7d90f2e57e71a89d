//! `withdrawal_tokens`: the hash of every withdrawal link sent. They do not expire; they
//! go when the retention job erases their signature's personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withdrawal_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub signature_id: i64,
    /// Lowercase hex SHA-256 of the token; the token itself is only ever in the email.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
