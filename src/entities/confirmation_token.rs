//! `confirmation_tokens`: the hash of every confirmation link sent, with its expiry.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "confirmation_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub signature_id: i64,
    /// Lowercase hex SHA-256 of the token; the token itself is only ever in the email.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
