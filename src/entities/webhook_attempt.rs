//! `webhook_attempts`: one row per delivery attempt to a webhook endpoint.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub endpoint_id: i64,
    pub letter_id: i64,
    /// The outbox row of the delivery: every attempt of one delivery shares it.
    pub outbox_id: i64,
    pub event: String,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// The HTTP status of the answer, when one came.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub attempted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
