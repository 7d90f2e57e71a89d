//! `outbox`: the durable queue of work to do later.

use sea_orm::entity::prelude::*;

use super::OutboxStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What to do; see `crate::outbox::Job`.
    pub kind: String,
    /// JSON with ids only, never copies of personal data.
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    /// Not before this time.
    pub run_at: DateTimeUtc,
    pub locked_by: Option<String>,
    /// The claim's lease; a row whose lease ran out is claimed again.
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// 64 random bits (hex) minted with the row, part of its emails' Message-ID: the same
    /// on every retry, different from any row of another database. Empty for rows queued
    /// before the column existed.
    pub message_key: Option<String>,
    /// The letter the work belongs to, when it belongs to one (for the letter dashboard).
    pub letter_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
