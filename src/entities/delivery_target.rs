//! `delivery_targets`: one institution of a delivery, as it was when the delivery was asked
//! for (targets may be edited later), and the outbox row of its latest send.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    pub letter_id: i64,
    pub name: String,
    pub email: String,
    pub position: i32,
    /// The outbox row of the latest send (first send or resend); its status is the
    /// target's status.
    pub outbox_id: Option<i64>,
    /// How many sends were queued (1 + resends).
    pub sends: i32,
    /// When the relay last took the email.
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
