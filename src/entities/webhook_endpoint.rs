//! `webhook_endpoints`: where a letter's events are sent (`crate::webhooks`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    pub url: String,
    /// `whsec_` + base64: signs every delivery; shown to staff once, when made.
    pub secret: String,
    /// Comma-separated event types.
    pub events: String,
    /// Signers' names and addresses go into payloads (an admin's choice).
    pub include_personal: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
