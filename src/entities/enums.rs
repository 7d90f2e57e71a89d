//! The string-valued states stored in the tables (portable across SQLite and PostgreSQL).

use sea_orm::entity::prelude::*;

/// Where a letter is in its life: `draft → open → closed → delivered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LetterStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "delivered")]
    Delivered,
}

/// Who signed: a person in their own name, or an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SignatureKind {
    #[sea_orm(string_value = "individual")]
    Individual,
    #[sea_orm(string_value = "organisation")]
    Organisation,
}

impl SignatureKind {
    /// The value stored in the `kind` columns (also used by raw SQL statements).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureKind::Individual => "individual",
            SignatureKind::Organisation => "organisation",
        }
    }
}

/// `pending → confirmed`, or `pending → held → confirmed | rejected` when staff must
/// review it first (`held_for` says why); staff may invalidate any of them and restore
/// what they invalidated; the signer may withdraw it (`withdrawn`). Only `confirmed` signatures are listed and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SignatureStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// Confirmed by email, held out of the list and the count until staff decide.
    #[sea_orm(string_value = "held")]
    Held,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "invalidated")]
    Invalidated,
    /// The signer took it back with the link in their email: not listed, not counted.
    /// Signing the letter again re-opens the row as `pending` (see `signatures::record`).
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

/// An outbox row is `pending` until it is `sent`, or `failed` for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OutboxStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "failed")]
    Failed,
}
