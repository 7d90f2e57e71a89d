//! `api_keys`: partner keys for the write API; only a hash of each key is kept.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart on screen.
    pub prefix: String,
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    /// Valid for every letter; otherwise only for those in `api_key_letters`.
    pub all_letters: bool,
    /// The admin who made it.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
