//! Signatures: recording a signing, confirmation tokens, confirming, and the public lists.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TryInsertResult,
};

use crate::db::batch::Batch;
use crate::domain::{Country, ShortText, SignerEmail, SignerName, Website};
use crate::entities::{
    LetterStatus, SignatureKind, SignatureStatus, confirmation_token, count_delta, letter,
    signature,
};
use crate::outbox::{self, Job};

/// A signing request whose every field has been checked.
#[derive(Clone, Debug)]
pub struct NewSignature {
    pub kind: SignatureKind,
    /// The person signing, or the contact person of an organisation.
    pub name: SignerName,
    pub email: SignerEmail,
    pub country: Country,
    pub city: Option<ShortText>,
    pub occupation: Option<ShortText>,
    pub organisation_name: Option<SignerName>,
    pub website: Option<Website>,
    pub role: Option<ShortText>,
    pub show_publicly: bool,
    pub wants_updates: bool,
    pub client_ip: Option<String>,
    /// The interface language the form was shown in (emails follow it).
    pub language: String,
    /// The language of the letter's translation the form was shown with, if any.
    pub text_language: Option<String>,
}

/// The caps that keep a signer's mailbox (and our reputation) safe.
#[derive(Clone, Copy, Debug)]
pub struct MailCaps {
    /// Most confirmation emails for one pending signature, the first included.
    pub max_confirmation_emails: u32,
    /// Least time between two "already signed" emails.
    pub already_signed_interval: chrono::Duration,
    /// How long a link works; when the last one sent has expired the cap starts afresh,
    /// so a signer who let every link lapse is not locked out for good.
    pub token_ttl: chrono::Duration,
    /// Most emails queued to one address a day across all letters (`abuse::durable`).
    pub emails_per_address_per_day: u32,
}

/// What a signing did. The signer sees the same page in every case, so nobody learns
/// whether an address had signed; the variants exist for logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutcome {
    Created {
        signature_id: i64,
    },
    ConfirmationResent {
        signature_id: i64,
    },
    ResendCapReached {
        signature_id: i64,
    },
    AlreadySignedEmailed {
        signature_id: i64,
    },
    AlreadySignedQuiet {
        signature_id: i64,
    },
    /// Staff rejected or invalidated it; nothing is sent.
    Closed {
        signature_id: i64,
    },
}

/// Records a signing and queues its email, on `conn` (a write transaction).
///
/// `letter_version` is the version of the letter's text the signer was shown (the caller
/// has checked, in the same transaction, that it is the current one). A repeat signing
/// changes nothing on the existing row: it keeps the version it was first given to sign.
///
/// The insert relies on the unique index over (letter, kind, canonical email —
/// `domain::canonical_email`): of two simultaneous requests one inserts and the other
/// finds the existing row, and a variant of an address that signed (`me+2@gmail.com`
/// after `m.e@gmail.com`) is a repeat of it: same page, same "already signed" rules, and
/// any mail goes to the address of the existing row, as first typed.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    letter_version: i32,
    new: &NewSignature,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<SignOutcome, DbErr> {
    let batch = Batch::new(0);
    let outcome = record_in(conn, &batch, letter_id, letter_version, new, now, caps).await?;
    batch.flush(conn).await?;
    Ok(outcome)
}

/// [`record`] as an item of a group-commit batch (`db::batch`): a new signature's email
/// is queued with the batch, whose rows are inserted together when it flushes.
pub async fn record_in<C: ConnectionTrait>(
    conn: &C,
    batch: &Batch,
    letter_id: i64,
    letter_version: i32,
    new: &NewSignature,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<SignOutcome, DbErr> {
    let mut row = signature::ActiveModel {
        letter_id: Set(letter_id),
        letter_version: Set(letter_version),
        kind: Set(new.kind),
        status: Set(SignatureStatus::Pending),
        name: Set(new.name.as_str().to_string()),
        email: Set(new.email.as_str().to_string()),
        email_normalized: Set(new.email.normalized().to_string()),
        country: Set(new.country.code().to_string()),
        city: Set(new.city.as_ref().map(|t| t.as_str().to_string())),
        occupation: Set(new.occupation.as_ref().map(|t| t.as_str().to_string())),
        organisation_name: Set(new
            .organisation_name
            .as_ref()
            .map(|t| t.as_str().to_string())),
        website: Set(new.website.as_ref().map(|t| t.as_str().to_string())),
        role: Set(new.role.as_ref().map(|t| t.as_str().to_string())),
        show_publicly: Set(new.show_publicly),
        wants_updates: Set(new.wants_updates),
        confirmation_emails: Set(1),
        last_confirmation_email_at: Set(Some(now)),
        already_signed_emailed_at: Set(None),
        client_ip: Set(new.client_ip.clone()),
        created_at: Set(now),
        confirmed_at: Set(None),
        language: Set(new.language.clone()),
        text_language: Set(new.text_language.clone()),
        ..Default::default()
    };
    // Canonical address, name skeleton, domain and network (abuse::quarantine).
    crate::abuse::quarantine::stamp(&mut row, new);
    let canonical = crate::domain::canonical_email(new.email.normalized());
    let inserted = signature::Entity::insert(row)
        .on_conflict_do_nothing_on([
            signature::Column::LetterId,
            signature::Column::Kind,
            signature::Column::EmailCanonical,
        ])
        .exec(conn)
        .await?;
    if let TryInsertResult::Inserted(result) = inserted {
        let signature_id = result.last_insert_id;
        let job = Job::ConfirmationEmail { signature_id };
        if may_email(conn, new.email.normalized(), &job, now, caps).await? {
            batch.queue(outbox::pending_row(&job, Some(letter_id), now, now)?);
        }
        return Ok(SignOutcome::Created { signature_id });
    }
    // A repeat reads the outbox (is a link still waiting?): it must see what this batch
    // queued before it, as it would in a transaction of its own.
    batch.write_queued(conn).await?;

    let existing = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Kind.eq(new.kind))
        .filter(signature::Column::EmailCanonical.eq(canonical))
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("signature after a conflicting insert".into()))?;
    let signature_id = existing.id;
    match existing.status {
        SignatureStatus::Pending => {
            let address = existing.email_normalized.as_str();
            if queue_confirmation_again(conn, signature_id, address, now, caps).await? {
                Ok(SignOutcome::ConfirmationResent { signature_id })
            } else {
                Ok(SignOutcome::ResendCapReached { signature_id })
            }
        }
        SignatureStatus::Confirmed | SignatureStatus::Held => {
            // A conditional update, so two quick repeats cannot both pass the check.
            let last_allowed = now - caps.already_signed_interval;
            let updated = signature::Entity::update_many()
                .col_expr(
                    signature::Column::AlreadySignedEmailedAt,
                    Expr::value(Some(now)),
                )
                .filter(signature::Column::Id.eq(signature_id))
                .filter(
                    signature::Column::AlreadySignedEmailedAt
                        .is_null()
                        .or(signature::Column::AlreadySignedEmailedAt.lte(last_allowed)),
                )
                .exec(conn)
                .await?;
            if updated.rows_affected == 1 {
                let job = Job::AlreadySignedEmail { signature_id };
                queue_to_signer(conn, &existing.email_normalized, &job, now, caps).await?;
                Ok(SignOutcome::AlreadySignedEmailed { signature_id })
            } else {
                Ok(SignOutcome::AlreadySignedQuiet { signature_id })
            }
        }
        SignatureStatus::Rejected | SignatureStatus::Invalidated => {
            Ok(SignOutcome::Closed { signature_id })
        }
        // Privacy: the signer withdrew and signs again; the row starts afresh as pending.
        SignatureStatus::Withdrawn => {
            crate::privacy::withdraw::reopen(conn, &existing, letter_version, new, now, caps).await
        }
    }
}

/// Queues one more confirmation email for a pending signature unless it has had its
/// share; returns whether it queued one.
async fn queue_confirmation_again<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
    address: &str,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<bool, DbErr> {
    let cap = i32::try_from(caps.max_confirmation_emails).unwrap_or(i32::MAX);
    let under_cap = signature::Column::ConfirmationEmails.lt(cap);
    // A link still waiting in the outbox (the relay may be down for days) has not even
    // begun to expire; one sent expires `token_ttl` after it was minted, which is when
    // the worker sets `last_confirmation_email_at`.
    let job = Job::ConfirmationEmail { signature_id };
    let waiting = crate::entities::outbox::Entity::find()
        .select_only()
        .column(crate::entities::outbox::Column::Id)
        .filter(crate::entities::outbox::Column::Status.eq(crate::entities::OutboxStatus::Pending))
        .filter(crate::entities::outbox::Column::Kind.eq(job.kind()))
        .filter(crate::entities::outbox::Column::Payload.eq(job.payload()?))
        .into_query();
    let all_expired = signature::Column::LastConfirmationEmailAt
        .is_null()
        .or(signature::Column::LastConfirmationEmailAt.lte(now - caps.token_ttl))
        .and(Expr::exists(waiting).not());
    // One conditional update decides, so simultaneous requests cannot overshoot the cap.
    let updated = signature::Entity::update_many()
        .col_expr(
            signature::Column::ConfirmationEmails,
            Expr::case(
                under_cap.clone(),
                Expr::col(signature::Column::ConfirmationEmails).add(1),
            )
            .finally(1)
            .into(),
        )
        .col_expr(
            signature::Column::LastConfirmationEmailAt,
            Expr::value(Some(now)),
        )
        .filter(signature::Column::Id.eq(signature_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Pending))
        .filter(under_cap.or(all_expired))
        .exec(conn)
        .await?;
    if updated.rows_affected == 1 {
        let job = Job::ConfirmationEmail { signature_id };
        queue_to_signer(conn, address, &job, now, caps).await?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Queues `job` to a signer at `address` (normalised) unless the address has had its
/// day's share of emails across all letters (`abuse::durable::may_email`); then nothing is
/// queued and the caller answers as usual, so nobody learns the cap was reached.
pub(crate) async fn queue_to_signer<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    job: &Job,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<(), DbErr> {
    if may_email(conn, address, job, now, caps).await? {
        outbox::enqueue(conn, job, now).await?;
    }
    Ok(())
}

/// Whether `address` may get one more email today (`abuse::durable::may_email`, which
/// counts this one); says so in the log when it may not.
async fn may_email<C: ConnectionTrait>(
    conn: &C,
    address: &str,
    job: &Job,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<bool, DbErr> {
    let may = crate::abuse::durable::may_email(conn, address, caps.emails_per_address_per_day, now)
        .await?;
    if !may {
        tracing::info!(
            kind = job.kind(),
            "daily email cap of an address reached: not queued"
        );
    }
    Ok(may)
}

/// Queues a new link for the pending signatures of an address (on one letter, or on
/// all), within the cap; returns how many were queued. The caller answers the same
/// whatever this returns.
pub async fn request_new_link<C: ConnectionTrait>(
    conn: &C,
    email_normalized: &str,
    letter_id: Option<i64>,
    now: DateTime<Utc>,
    caps: MailCaps,
) -> Result<usize, DbErr> {
    // Only letters that still take signatures: a link for a closed one could not work.
    let open_letters = letter::Entity::find()
        .select_only()
        .column(letter::Column::Id)
        .filter(letter::Column::Status.eq(LetterStatus::Open))
        .into_query();
    let mut query = signature::Entity::find()
        // By the canonical address, as signing is: a variant of the address signed with
        // (`m.e@gmail.com` for `me@gmail.com`) reaches the same inbox.
        .filter(
            signature::Column::EmailCanonical.eq(crate::domain::canonical_email(email_normalized)),
        )
        .filter(signature::Column::Status.eq(SignatureStatus::Pending))
        .filter(signature::Column::LetterId.in_subquery(open_letters));
    if let Some(letter_id) = letter_id {
        query = query.filter(signature::Column::LetterId.eq(letter_id));
    }
    let mut queued = 0;
    for pending in query.limit(20).all(conn).await? {
        if queue_confirmation_again(conn, pending.id, email_normalized, now, caps).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
) -> Result<Option<signature::Model>, DbErr> {
    signature::Entity::find_by_id(signature_id).one(conn).await
}

/// Stores the hash of a freshly minted token.
pub async fn store_token<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    confirmation_token::ActiveModel {
        signature_id: Set(signature_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Records that a confirmation link was minted for sending at `now`. The resend cap
/// starts afresh once the last link has expired; links expire counting from when they
/// were sent, which can be long after they were queued. Never moves the time back.
pub async fn note_link_sent<C: ConnectionTrait>(
    conn: &C,
    signature_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    signature::Entity::update_many()
        .col_expr(
            signature::Column::LastConfirmationEmailAt,
            Expr::value(Some(now)),
        )
        .filter(signature::Column::Id.eq(signature_id))
        .filter(
            signature::Column::LastConfirmationEmailAt
                .is_null()
                .or(signature::Column::LastConfirmationEmailAt.lt(now)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// The token with this hash and its signature.
pub async fn find_by_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
) -> Result<Option<(confirmation_token::Model, signature::Model)>, DbErr> {
    let Some(token) = confirmation_token::Entity::find()
        .filter(confirmation_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(find(conn, token.signature_id).await?.map(|s| (token, s)))
}

/// Result of a confirmation attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfirmOutcome {
    Confirmed,
    AlreadyConfirmed,
    /// Confirmed by email and now held until staff review it (an organisation on a letter
    /// whose organisations need approval): not listed, not counted.
    Held,
    /// Held for review since an earlier click.
    AlreadyHeld,
    /// Confirmed by email and held by a quarantine rule (`abuse::quarantine`) until staff
    /// release or invalidate it, now or since an earlier click.
    UnderReview,
    /// Rejected or invalidated by staff meanwhile.
    NotConfirmable,
}

/// Confirms a pending signature, in `conn` (a write transaction) with `letter` as read
/// there. The status check is part of the update, so a double click acts once.
///
/// When the letter wants staff to review this kind of signer first
/// (`moderation::hold_reason`), the signature becomes `held` with `held_for` set and no
/// count delta; otherwise `confirmed` with its +1 for the roll-up. `confirmed_at` is set
/// either way: it records when the signer confirmed their address.
pub async fn confirm<C: ConnectionTrait>(
    conn: &C,
    sig: &signature::Model,
    letter: &letter::Model,
    now: DateTime<Utc>,
) -> Result<ConfirmOutcome, DbErr> {
    confirm_screened(conn, sig, letter, now, None, None).await
}

/// [`confirm`], and with `quarantine` rules a signature that matches one is held with
/// `held_for = "quarantine"` and the rule in `review_note` (`abuse::quarantine`).
pub async fn confirm_screened<C: ConnectionTrait>(
    conn: &C,
    sig: &signature::Model,
    letter: &letter::Model,
    now: DateTime<Utc>,
    quarantine: Option<&crate::abuse::quarantine::Rules>,
    batch: Option<&crate::db::batch::Batch>,
) -> Result<ConfirmOutcome, DbErr> {
    let hold = crate::store::moderation::hold_reason(letter, sig.kind);
    // Quarantine rules (abuse::quarantine): the one call.
    let rule = match (hold, quarantine) {
        (None, Some(rules)) => crate::abuse::quarantine::rule_hit(conn, sig, now, rules).await?,
        _ => None,
    };
    let hold = hold.or(rule.map(|_| crate::abuse::quarantine::QUARANTINE));
    let status = if hold.is_some() {
        SignatureStatus::Held
    } else {
        SignatureStatus::Confirmed
    };
    let mut update = signature::Entity::update_many()
        .col_expr(signature::Column::Status, Expr::value(status))
        .col_expr(signature::Column::ConfirmedAt, Expr::value(Some(now)))
        .col_expr(
            signature::Column::HeldFor,
            Expr::value(hold.map(str::to_owned)),
        );
    if let Some(rule) = rule {
        update = update.col_expr(
            signature::Column::ReviewNote,
            Expr::value(Some(rule.code().to_owned())),
        );
    }
    let updated = update
        .filter(signature::Column::Id.eq(sig.id))
        .filter(signature::Column::Status.eq(SignatureStatus::Pending))
        .exec(conn)
        .await?;
    if updated.rows_affected == 1 {
        if rule.is_some() {
            return Ok(ConfirmOutcome::UnderReview);
        }
        if hold.is_some() {
            return Ok(ConfirmOutcome::Held);
        }
        let event = crate::webhooks::Event::SignatureConfirmed {
            signature_id: sig.id,
        };
        match batch {
            // In a group-commit batch the +1s are summed and written once per letter and
            // kind when the batch flushes, and the letter's endpoints are read once.
            Some(batch) => {
                batch.count(sig.letter_id, sig.kind, 1, now);
                let endpoints = batch.webhook_endpoints(conn, sig.letter_id).await?;
                crate::webhooks::enqueue_to(conn, &endpoints, sig.letter_id, event, now).await?;
            }
            None => {
                add_count_delta(conn, sig.letter_id, sig.kind, 1, now).await?;
                crate::webhooks::enqueue_event(conn, sig.letter_id, event, now).await?;
            }
        }
        return Ok(ConfirmOutcome::Confirmed);
    }
    let current = find(conn, sig.id).await?;
    let quarantined = current
        .as_ref()
        .is_some_and(|s| s.held_for.as_deref() == Some(crate::abuse::quarantine::QUARANTINE));
    Ok(match current.map(|s| s.status) {
        Some(SignatureStatus::Confirmed) => ConfirmOutcome::AlreadyConfirmed,
        Some(SignatureStatus::Held) if quarantined => ConfirmOutcome::UnderReview,
        Some(SignatureStatus::Held) => ConfirmOutcome::AlreadyHeld,
        _ => ConfirmOutcome::NotConfirmable,
    })
}

/// Appends a change of the confirmed count of one kind on one letter, for the roll-up
/// (`store::counts`) to fold in. Call it in the transaction that changed the statuses.
pub async fn add_count_delta<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    kind: SignatureKind,
    delta: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    count_delta::ActiveModel {
        letter_id: Set(letter_id),
        kind: Set(kind),
        delta: Set(delta),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Where a page of listed individuals starts: just after this row, newest first. The
/// pair is unique (the id breaks ties between signatures confirmed in the same
/// microsecond), so a page never repeats or skips a row, whatever is confirmed meanwhile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndividualsAfter {
    pub confirmed_at: DateTime<Utc>,
    pub id: i64,
}

/// Where a page of organisations starts: just after this row, by name then id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganisationsAfter {
    pub organisation_name: String,
    pub id: i64,
}

/// One page of a public list, and whether another follows.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub rows: Vec<signature::Model>,
    pub more: bool,
}

impl ListPage {
    /// Fetches one row beyond the page to learn whether there is a next page without a count.
    fn from_rows(mut rows: Vec<signature::Model>, per_page: u64) -> ListPage {
        let more = rows.len() as u64 > per_page;
        rows.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
        ListPage { rows, more }
    }
}

/// One page of the confirmed organisations of a letter, by name, after `after`.
///
/// A keyset page: the index `idx_signatures_public_organisations` seeks straight to the
/// first row, so a late page costs what the first one does (OFFSET would read every row
/// before it).
pub async fn confirmed_organisations<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    after: Option<&OrganisationsAfter>,
    per_page: u32,
) -> Result<ListPage, DbErr> {
    let per_page = u64::from(std::cmp::max(per_page, 1));
    let mut query = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Kind.eq(SignatureKind::Organisation))
        .filter(signature::Column::Status.eq(SignatureStatus::Confirmed));
    if let Some(after) = after {
        query = query.filter(
            Expr::tuple([
                Expr::col(signature::Column::OrganisationName),
                Expr::col(signature::Column::Id),
            ])
            .gt(Expr::tuple([
                Expr::value(after.organisation_name.clone()),
                Expr::value(after.id),
            ])),
        );
    }
    let rows = query
        .order_by_asc(signature::Column::OrganisationName)
        .order_by_asc(signature::Column::Id)
        .limit(per_page + 1)
        .all(conn)
        .await?;
    Ok(ListPage::from_rows(rows, per_page))
}

/// One page of the confirmed individuals who chose to be listed, newest first, before
/// `before` (a keyset page, served by `idx_signatures_public_individuals`).
pub async fn public_individuals<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    before: Option<&IndividualsAfter>,
    per_page: u32,
) -> Result<ListPage, DbErr> {
    let per_page = u64::from(std::cmp::max(per_page, 1));
    let mut query = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Kind.eq(SignatureKind::Individual))
        .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
        .filter(signature::Column::ShowPublicly.eq(true));
    if let Some(before) = before {
        query = query.filter(
            Expr::tuple([
                Expr::col(signature::Column::ConfirmedAt),
                Expr::col(signature::Column::Id),
            ])
            .lt(Expr::tuple([
                Expr::value(before.confirmed_at),
                Expr::value(before.id),
            ])),
        );
    }
    let rows = query
        .order_by_desc(signature::Column::ConfirmedAt)
        .order_by_desc(signature::Column::Id)
        .limit(per_page + 1)
        .all(conn)
        .await?;
    Ok(ListPage::from_rows(rows, per_page))
}

/// Confirmed signatures of a letter counted from the rows themselves (the truth the
/// roll-up is reconciled against).
pub async fn count_confirmed<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    kind: SignatureKind,
) -> Result<i64, DbErr> {
    let n = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Kind.eq(kind))
        .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
        .count(conn)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// How many confirmed signatures each version of a letter's text holds, by version number
/// (versions nobody signed are absent). One grouped count over
/// `idx_signatures_letter_version`: it reads index entries only, and the result has one
/// row per version.
pub async fn confirmed_by_version<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<(i32, i64)>, DbErr> {
    signature::Entity::find()
        .select_only()
        .column(signature::Column::LetterVersion)
        .column_as(Expr::col(Asterisk).count(), "signatures")
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
        .group_by(signature::Column::LetterVersion)
        .order_by_asc(signature::Column::LetterVersion)
        .into_tuple::<(i32, i64)>()
        .all(conn)
        .await
}
