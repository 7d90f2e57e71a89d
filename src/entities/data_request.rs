//! `data_requests`: one row per data request that was emailed, kept a day for the daily
//! cap per address (`crate::privacy::data_request`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The address asked about (normalised); the email goes there and nowhere else.
    pub email_normalized: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
