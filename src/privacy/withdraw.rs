//! Withdrawing a signature with the link in the signer's emails.
//!
//! Every confirmation and "already signed" email carries a withdrawal link: a token whose
//! hash only is stored (`withdrawal_tokens`). The links do not expire; they are deleted
//! when the retention job erases their signature's personal data, after which nobody
//! can tell whose the signature was. A GET on the link shows a page with a button; the
//! POST withdraws (`crate::web::withdraw`).
//!
//! A withdrawn signature is neither listed nor counted: a confirmed one leaves a −1 for
//! the count roll-up, anything else none. Withdrawing twice changes nothing. Signing the
//! same letter again later is allowed: the withdrawn row is re-opened as `pending` with
//! what the signer typed this time, and must be confirmed by email again ([`reopen`]).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::domain::ConfirmationToken;
use crate::entities::{SignatureStatus, signature, withdrawal_token};
use crate::outbox::Job;
use crate::store::signatures::{self, MailCaps, NewSignature, SignOutcome};

/// Mints a withdrawal link's token for a signature and stores its hash; the raw token
/// goes into the email being sent and nowhere else.
pub async fn mint<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
    now: DateTime<Utc>,
) -> Result<ConfirmationToken, DbErr> {
    let token = ConfirmationToken::generate();
    withdrawal_token::ActiveModel {
        signature_id: Set(signature_id),
        token_hash: Set(token.hash()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(token)
}

/// The signature a withdrawal link belongs to.
pub async fn find_by_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<signature::Model>, DbErr> {
    let Some(row) = withdrawal_token::Entity::find()
        .filter(withdrawal_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    signatures::find(conn, row.signature_id).await
}

/// What a withdrawal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Withdrawn {
    /// It was confirmed: it leaves the list and the count (−1 for the roll-up).
    WasCounted,
    /// It was pending, held, rejected or invalidated: nothing to uncount.
    WasNotCounted,
    /// Withdrawn before.
    Already,
}

/// Withdraws a signature, in `conn` (a write transaction). Each step is one conditional
/// update on the status, so a double click or two tabs act once.
pub async fn withdraw<C: ConnectionTrait>(
    conn: &C,
    sig: &signature::Model,
    now: DateTime<Utc>,
) -> Result<Withdrawn, DbErr> {
    let set_withdrawn = |from: Vec<SignatureStatus>| {
        signature::Entity::update_many()
            .col_expr(
                signature::Column::Status,
                Expr::value(SignatureStatus::Withdrawn),
            )
            .filter(signature::Column::Id.eq(sig.id))
            .filter(signature::Column::Status.is_in(from))
    };
    let counted = set_withdrawn(vec![SignatureStatus::Confirmed])
        .exec(conn)
        .await?;
    if counted.rows_affected == 1 {
        signatures::add_count_delta(conn, sig.letter_id, sig.kind, -1, now).await?;
        return Ok(Withdrawn::WasCounted);
    }
    // An invalidated one is withdrawn too, so that staff restoring it later cannot put
    // back a signature its signer took back.
    let other = set_withdrawn(vec![
        SignatureStatus::Pending,
        SignatureStatus::Held,
        SignatureStatus::Rejected,
        SignatureStatus::Invalidated,
    ])
    .exec(conn)
    .await?;
    Ok(if other.rows_affected == 1 {
        Withdrawn::WasNotCounted
    } else {
        Withdrawn::Already
    })
}

/// A new signing by someone who withdrew from this letter: the row starts afresh as
/// `pending` with what they typed now (and the letter's current version), and a new
/// confirmation email is queued within the address's daily cap, as for any signing.
/// Called from `signatures::record` with the row it found.
///
/// The keys derived from what was typed (normalised and canonical address, domain, name
/// skeleton, network) are made again by `abuse::quarantine::stamp`, the one place that
/// makes them for a new row, so the duplicate check and the quarantine rules judge the
/// new signing and not the withdrawn one.
pub async fn reopen<C: ConnectionTrait>(
    conn: &C,
    existing: &signature::Model,
    letter_version: i32,
    new: &NewSignature,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<SignOutcome, DbErr> {
    let signature_id = existing.id;
    let text = |t: Option<&str>| Expr::value(t.map(str::to_owned));
    let mut keys = signature::ActiveModel {
        email_normalized: Set(new.email.normalized().to_owned()),
        language: Set(new.language.clone()),
        text_language: Set(new.text_language.clone()),
        ..Default::default()
    };
    crate::abuse::quarantine::stamp(&mut keys, new);
    let updated = signature::Entity::update_many()
        .set(keys)
        .col_expr(
            signature::Column::Status,
            Expr::value(SignatureStatus::Pending),
        )
        .col_expr(
            signature::Column::LetterVersion,
            Expr::value(letter_version),
        )
        .col_expr(signature::Column::Name, Expr::value(new.name.as_str()))
        .col_expr(signature::Column::Email, Expr::value(new.email.as_str()))
        .col_expr(signature::Column::Country, Expr::value(new.country.code()))
        .col_expr(
            signature::Column::City,
            text(new.city.as_ref().map(|t| t.as_str())),
        )
        .col_expr(
            signature::Column::Occupation,
            text(new.occupation.as_ref().map(|t| t.as_str())),
        )
        .col_expr(
            signature::Column::OrganisationName,
            text(new.organisation_name.as_ref().map(|t| t.as_str())),
        )
        .col_expr(
            signature::Column::Website,
            text(new.website.as_ref().map(|t| t.as_str())),
        )
        .col_expr(
            signature::Column::Role,
            text(new.role.as_ref().map(|t| t.as_str())),
        )
        .col_expr(
            signature::Column::ShowPublicly,
            Expr::value(new.show_publicly),
        )
        .col_expr(
            signature::Column::WantsUpdates,
            Expr::value(new.wants_updates),
        )
        .col_expr(signature::Column::ConfirmationEmails, Expr::value(1))
        .col_expr(
            signature::Column::LastConfirmationEmailAt,
            Expr::value(Some(now)),
        )
        .col_expr(
            signature::Column::AlreadySignedEmailedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            signature::Column::ClientIp,
            Expr::value(new.client_ip.clone()),
        )
        .col_expr(signature::Column::CreatedAt, Expr::value(now))
        .col_expr(
            signature::Column::ConfirmedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            signature::Column::HeldFor,
            Expr::value(Option::<String>::None),
        )
        .filter(signature::Column::Id.eq(signature_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Withdrawn))
        .exec(conn)
        .await?;
    if updated.rows_affected == 1 {
        let job = Job::ConfirmationEmail { signature_id };
        signatures::queue_to_signer(conn, new.email.normalized(), &job, now, caps).await?;
        Ok(SignOutcome::Created { signature_id })
    } else {
        // Re-opened by a simultaneous signing: that one queued the email.
        Ok(SignOutcome::ConfirmationResent { signature_id })
    }
}
