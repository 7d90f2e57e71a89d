//! Data requests: anyone may ask, by typing an address, for everything the service holds
//! about it; the answer is emailed to that address only, through the outbox.
//!
//! The page answers the same whether or not the address is known. Nothing is sent to an
//! address the service holds nothing about (it would only let strangers mail anyone), and
//! at most `data_requests_per_day` emails go to one address in a day; the rows that count
//! them are purged after a day by the retention job. Each answer also counts against the
//! address's daily cap of emails across all letters (`abuse::durable::may_email`), as
//! every email that anyone can cause by typing an address does (confirmations, "already
//! signed" notes).
//!
//! Whoever typed an address that never confirmed a signature may not own it, so the
//! answer carries none of the text typed with such a signature (names, organisation,
//! website, role, city, occupation) nor where it was sent from: only that a signature on
//! that letter waits for the address to confirm it. Otherwise anyone could have the
//! service mail their text to any address by signing with it and asking for its data.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::config::Settings;
use crate::entities::{SignatureStatus, data_request, signature};
use crate::outbox::{self, Job, link};
use crate::store::{letters, moderation::status_name};

/// Most signatures listed in one answer.
const MAX_SIGNATURES: u64 = 200;

/// The daily caps a data request is held to.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    /// Data-request answers to one address a day (`data_requests_per_day`).
    pub requests_per_day: u32,
    /// Emails of any kind to one inbox a day (`emails_per_address_per_day`).
    pub emails_per_day: u32,
}

/// Takes a request for `email_normalized`, in `conn` (a write transaction): queues the
/// email when the address has signatures and is under both daily caps. Returns whether
/// it queued one; the caller answers the same either way.
pub async fn request<C: ConnectionTrait>(
    conn: &C,
    email_normalized: &str,
    now: DateTime<Utc>,
    caps: Caps,
) -> Result<bool, DbErr> {
    let known = signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(email_normalized))
        .count(conn)
        .await?
        > 0;
    if !known {
        return Ok(false);
    }
    let today = data_request::Entity::find()
        .filter(data_request::Column::EmailNormalized.eq(email_normalized))
        .filter(data_request::Column::CreatedAt.gt(now - Duration::days(1)))
        .count(conn)
        .await?;
    if today >= u64::from(caps.requests_per_day) {
        return Ok(false);
    }
    if !crate::abuse::durable::may_email(conn, email_normalized, caps.emails_per_day, now).await? {
        tracing::info!("daily email cap of an address reached: data request not answered");
        return Ok(false);
    }
    let row = data_request::ActiveModel {
        email_normalized: Set(email_normalized.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    outbox::enqueue(conn, &Job::DataRequestEmail { request_id: row.id }, now).await?;
    Ok(true)
}

/// The answer to a request: the address to send it to (as the signer typed it) and the
/// email, read when sending; `None` when nothing is held any more.
pub async fn email(
    db: &DatabaseConnection,
    settings: &Settings,
    request_id: i64,
) -> Result<Option<(String, templates::Email)>, DbErr> {
    let Some(request) = data_request::Entity::find_by_id(request_id).one(db).await? else {
        return Ok(None);
    };
    let signatures = signature::Entity::find()
        .filter(signature::Column::EmailNormalized.eq(request.email_normalized.as_str()))
        .order_by_desc(signature::Column::CreatedAt)
        .order_by_desc(signature::Column::Id)
        .limit(MAX_SIGNATURES + 1)
        .all(db)
        .await?;
    let Some(newest) = signatures.first() else {
        return Ok(None);
    };
    let address = newest.email.clone();
    let more = signatures.len() as u64 > MAX_SIGNATURES;
    let mut rows = Vec::new();
    for sig in signatures.iter().take(MAX_SIGNATURES as usize) {
        let letter = letters::find_by_id(db, sig.letter_id).await?;
        let (title, slug, letter_status) = match &letter {
            Some(l) => (
                l.title.clone(),
                l.slug.clone(),
                format!("{:?}", l.status).to_lowercase(),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        rows.push(templates::DataRow {
            letter_title: title,
            letter_url: link(settings, &format!("letters/{slug}")),
            fields: fields(sig, letter_status),
        });
    }
    // Written in the language of the newest signature: the one its signer last used here.
    let lang = templates::Lang::get(&newest.language).unwrap_or_default();
    Ok(Some((
        address,
        templates::data_request_email(&lang, &rows, more),
    )))
}

/// What the answer says of one signature: every stored field, labelled for a reader,
/// once the address has confirmed it; before that, only that it waits for confirmation.
fn fields(sig: &signature::Model, letter_status: String) -> Vec<(&'static str, String)> {
    if sig.confirmed_at.is_none() {
        return unconfirmed_fields(sig, letter_status);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
    vec![
        ("Letter status", letter_status),
        ("Signed as", sig.kind.as_str().to_owned()),
        ("Signature status", status_name(sig.status).to_owned()),
        ("Name", sig.name.clone()),
        ("Email address", sig.email.clone()),
        ("Country", sig.country.clone()),
        ("City", opt(&sig.city)),
        ("Occupation", opt(&sig.occupation)),
        ("Organisation", opt(&sig.organisation_name)),
        ("Website", opt(&sig.website)),
        ("Role", opt(&sig.role)),
        ("Listed publicly", yes_no(sig.show_publicly)),
        ("Wants news of the letter", yes_no(sig.wants_updates)),
        ("Signed at", sig.created_at.to_rfc3339()),
        ("Confirmed at", time(sig.confirmed_at)),
        (
            "Version of the letter signed",
            sig.letter_version.to_string(),
        ),
        ("Network address (IP) as stored", opt(&sig.client_ip)),
        (
            "Keyed fingerprint of the network address",
            opt(&sig.ip_hash),
        ),
        ("Held for review because", opt(&sig.held_for)),
        ("Reviewed at", time(sig.reviewed_at)),
        ("Note from our staff", opt(&sig.review_note)),
        ("Personal data erased at", time(sig.erased_at)),
        (
            "Confirmation emails sent",
            sig.confirmation_emails.to_string(),
        ),
    ]
}

/// What the answer says of a signature its address never confirmed: nothing typed with
/// it, since its signer may not own the address (see the module's comment).
fn unconfirmed_fields(
    sig: &signature::Model,
    letter_status: String,
) -> Vec<(&'static str, String)> {
    let status = match sig.status {
        SignatureStatus::Pending => "awaiting confirmation of this email address".to_owned(),
        other => format!(
            "{}, never confirmed from this email address",
            status_name(other)
        ),
    };
    vec![
        ("Letter status", letter_status),
        ("Signature status", status),
        ("Signed at", sig.created_at.to_rfc3339()),
        (
            "Personal data erased at",
            sig.erased_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ),
        (
            "Details",
            "Not shown until this email address confirms the signature. If you did not \
             sign, do not confirm it: an unconfirmed signature is never counted nor listed."
                .to_owned(),
        ),
    ]
}
