//! `delivery_notices`: a signer told that the letter was delivered. Unique per letter and
//! signature, written in the transaction that queues the email.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    pub letter_id: i64,
    pub signature_id: i64,
    /// `queued`, `sending` (a send began; its outcome is unknown until it ends), `sent`,
    /// or `skipped` (the signer withdrew meanwhile, or a send was cut off by a crash).
    pub state: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
