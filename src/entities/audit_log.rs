//! `audit_log`: what staff and the command line did, append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_account_id: Option<i64>,
    /// The acting account's email, `cli` for the command line, `system` for the service.
    pub actor_email: Option<String>,
    pub action: String,
    /// What the action was about, e.g. the account's email.
    pub subject: Option<String>,
    /// JSON text with more detail; never a password or a token.
    pub detail: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
