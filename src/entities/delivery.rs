//! `deliveries`: one decision of staff to send a letter to some of its targets, now or on
//! a schedule, and once it starts the fixed snapshot of what is sent (see
//! `crate::delivery`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    /// When it starts: `now`, `deadline` or `goal` (`crate::delivery::Trigger`).
    pub trigger: String,
    /// `scheduled`, `sealed`, `started` or `cancelled` (`crate::delivery::State`).
    pub state: String,
    /// The Reply-To of the emails to the targets.
    pub reply_to: String,
    /// The staff account that asked for it.
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// When it was sealed: the letter became `delivered` and what is sent was fixed.
    pub started_at: Option<DateTimeUtc>,
    /// The number of the letter's text version delivered.
    pub version: Option<i32>,
    /// Confirmed signatures when it was sealed.
    pub individual_count: Option<i64>,
    pub organisation_count: Option<i64>,
    /// The highest signature id when it was sealed: the attachments list the public
    /// signatures up to it, so a resend lists what the first send listed.
    pub last_signature_id: Option<i64>,
    /// The signature list's size and Merkle root (hex) when it was sealed.
    pub list_size: Option<i64>,
    pub list_root: Option<String>,
    /// Whether this delivery tells the signers who asked (the letter's first one does).
    pub notify: bool,
    /// Keyset cursor of the notices: the last signature id queued.
    pub notices_after: Option<i64>,
    /// When the next notice may go, for the rate (`delivery_notices_per_minute`).
    pub notices_next_at: Option<DateTimeUtc>,
    pub notices_done: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
