//! `signatures`: one signer on one letter.

use sea_orm::entity::prelude::*;

use super::{SignatureKind, SignatureStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signatures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub letter_id: i64,
    pub kind: SignatureKind,
    pub status: SignatureStatus,
    /// The signer's name, or the contact person of an organisation.
    pub name: String,
    /// As typed (domain lowercased); mail goes here.
    pub email: String,
    /// The uniqueness key together with letter and kind.
    pub email_normalized: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub city: Option<String>,
    pub occupation: Option<String>,
    pub organisation_name: Option<String>,
    pub website: Option<String>,
    pub role: Option<String>,
    pub show_publicly: bool,
    pub wants_updates: bool,
    /// How many confirmation emails have been queued, for the resend cap.
    pub confirmation_emails: i32,
    /// When the last of them was sent (until then: queued); the cap starts afresh once
    /// all have expired.
    pub last_confirmation_email_at: Option<DateTimeUtc>,
    pub already_signed_emailed_at: Option<DateTimeUtc>,
    pub client_ip: Option<String>,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    /// The number of the letter's version the signer was given to sign.
    pub letter_version: i32,
    /// Why a `held` signature waits for staff (`approval` of an organisation).
    pub held_for: Option<String>,
    /// When staff last approved, rejected, invalidated or restored it, who, and why.
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: Option<i64>,
    pub review_note: Option<String>,
    /// Keyed hash (HMAC-SHA256, hex) of the full client address, set when the personal
    /// fields are erased and `client_ip` is cut to its /24 or /48 prefix
    /// (`crate::privacy::retention`), so repeats can still be matched.
    pub ip_hash: Option<String>,
    /// When the retention job erased the email, the address and the contact fields.
    pub erased_at: Option<DateTimeUtc>,
    /// `domain::canonical_email` of the address: unique with letter and kind, so
    /// variants of one inbox (`me+1@gmail.com`, `m.e@googlemail.com`) sign once. NULL
    /// only on a row from before it existed that turned out to share another's inbox.
    pub email_canonical: Option<String>,
    /// `domain::name_skeleton` of `name`: look-alike names compare equal.
    pub name_skeleton: Option<String>,
    /// The lowercased part after the `@`, for the new-domain quarantine rule.
    pub email_domain: Option<String>,
    /// The /24 (IPv4) or /48 (IPv6) of `client_ip`, for the burst quarantine rule.
    pub network_prefix: Option<String>,
    /// The partner API key the signing came through (`api_keys`); NULL from our own form.
    pub api_key_id: Option<i64>,
    /// The interface language the signer used (a `templates::LANGUAGES` tag); their
    /// emails are written in it.
    pub language: String,
    /// The language of the letter's text they were shown, when it was a translation
    /// (`letter_translations`); `None`: the original.
    pub text_language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
