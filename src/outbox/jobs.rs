//! What each outbox job does when the worker runs it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use sea_orm::sea_query::{ExprTrait, PostgresQueryBuilder, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Statement,
};

use super::Job;
use crate::clock::{Clock, span};
use crate::config::Settings;
use crate::domain::ConfirmationToken;
use crate::entities::{
    SignatureKind, SignatureStatus, confirmation_token, letter_translation, outbox, proof_token,
    signature, withdrawal_token,
};
use crate::mail::{Mailer, OutgoingEmail, SendError};
use crate::store::{letters, signatures};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

pub async fn run(
    job: &Job,
    row: &outbox::Model,
    db: &DatabaseConnection,
    mailer: &Mailer,
    settings: &Settings,
    clock: &Clock,
    metrics: Option<&crate::metrics::Metrics>,
) -> Result<(), JobError> {
    let mailer = &Counted { mailer, metrics };
    match *job {
        Job::ConfirmationEmail { signature_id } => {
            let Some(sig) = signatures::find(db, signature_id).await? else {
                return Ok(());
            };
            // Confirmed (or moderated) since it was queued: a link would only confuse.
            if sig.status != SignatureStatus::Pending {
                return Ok(());
            }
            let Some(letter) = letters::find_by_id(db, sig.letter_id).await? else {
                return Ok(());
            };
            // The tokens are minted here, at sending time, and only their hashes are
            // stored: the raw values exist nowhere but in this email.
            let now = clock.now();
            let confirm = ConfirmationToken::generate();
            let ttl = span(settings.token_ttl);
            signatures::store_token(db, sig.id, confirm.hash(), now, now + ttl).await?;
            // Links expire counting from now, so "all links expired" must count from
            // now too, not from when this email was queued (the relay may have been
            // down for days in between).
            signatures::note_link_sent(db, sig.id, now).await?;
            let tokens = Tokens {
                confirm,
                // The signer's private link to the proof that their signature is in the
                // published list, and (privacy) the withdrawal link every email about
                // a signature carries.
                proof: crate::proof::links::mint(db, sig.id, now).await?,
                withdraw: crate::privacy::withdraw::mint(db, sig.id, now).await?,
            };
            let (lang, title) = signer_language(db, &sig, &letter).await?;
            let email = confirmation_email(settings, &lang, &title, &sig, &letter.slug, &tokens);
            send(mailer, settings, row, "", &sig.email, email).await
        }
        Job::AlreadySignedEmail { signature_id } => {
            let Some(sig) = signatures::find(db, signature_id).await? else {
                return Ok(());
            };
            let Some(letter) = letters::find_by_id(db, sig.letter_id).await? else {
                return Ok(());
            };
            let letter_url = link(settings, &format!("letters/{}", letter.slug));
            let (lang, title) = signer_language(db, &sig, &letter).await?;
            // Whoever typed this address may not own it: no signer text, as above.
            let email = templates::already_signed_email(
                &lang,
                &templates::AlreadySignedEmail {
                    letter_title: &title,
                    letter_url: &letter_url,
                },
            );
            let email = with_withdraw_link(db, settings, &lang, sig.id, clock.now(), email).await?;
            send(mailer, settings, row, "", &sig.email, email).await
        }
        Job::DataRequestEmail { request_id } => {
            let Some((address, email)) =
                crate::privacy::data_request::email(db, settings, request_id).await?
            else {
                return Ok(());
            };
            send(mailer, settings, row, "", &address, email).await
        }
        Job::Webhook {
            endpoint_id,
            letter_id,
            ref event,
            signature_id,
            occurred_at_ms,
        } => {
            let delivery = crate::webhooks::Delivery {
                endpoint_id,
                letter_id,
                event,
                signature_id,
                occurred_at_ms,
            };
            Ok(
                crate::webhooks::deliver(db, settings, clock, row, delivery, mailer.metrics)
                    .await?,
            )
        }
        Job::DeliveryEmail { target_id, .. } => {
            let Some(prepared) =
                crate::delivery::jobs::target_email(db, settings, target_id).await?
            else {
                return Ok(());
            };
            send_prepared(db, mailer, settings, row, clock, prepared).await?;
            crate::delivery::jobs::target_sent(db, target_id, clock.now()).await?;
            Ok(())
        }
        Job::DeliveryNotice { notice_id, .. } => {
            let Some(prepared) =
                crate::delivery::jobs::notice_email(db, settings, notice_id, clock.now()).await?
            else {
                return Ok(());
            };
            let result = send_prepared(db, mailer, settings, row, clock, prepared).await;
            let outcome = match &result {
                Ok(()) => Ok(()),
                Err(JobError::Send(e)) => Err(e),
                Err(JobError::Database(e)) => {
                    // Nothing was sent: the notice may go on the next try.
                    let e = SendError::Temporary(format!("database: {e}"));
                    crate::delivery::jobs::notice_finished(db, notice_id, Err(&e), clock.now())
                        .await?;
                    return Err(e.into());
                }
            };
            crate::delivery::jobs::notice_finished(db, notice_id, outcome, clock.now()).await?;
            result
        }
        Job::ApprovalEmail { signature_id } | Job::RejectionEmail { signature_id } => {
            let approved = matches!(job, Job::ApprovalEmail { .. });
            let Some(sig) = signatures::find(db, signature_id).await? else {
                return Ok(());
            };
            // Staff changed their mind since (invalidated, restored): the news is stale.
            let expected = if approved {
                SignatureStatus::Confirmed
            } else {
                SignatureStatus::Rejected
            };
            if sig.status != expected {
                return Ok(());
            }
            let Some(letter) = letters::find_by_id(db, sig.letter_id).await? else {
                return Ok(());
            };
            let letter_url = link(settings, &format!("letters/{}", letter.slug));
            let (lang, title) = signer_language(db, &sig, &letter).await?;
            let review = templates::ReviewEmail {
                signer_name: &sig.name,
                organisation_name: sig.organisation_name.as_deref().unwrap_or(""),
                letter_title: &title,
                letter_url: &letter_url,
            };
            let email = if approved {
                // Now listed: the contact gets the private link to the proof of it.
                let proof_url = crate::proof::links::mint_proof_url(
                    db,
                    &settings.base_url,
                    sig.id,
                    clock.now(),
                )
                .await?;
                templates::with_proof_link(
                    &lang,
                    templates::approval_email(&lang, &review),
                    &proof_url,
                )
            } else {
                let note = sig.review_note.as_deref().unwrap_or("");
                templates::rejection_email(&lang, &review, note)
            };
            send(mailer, settings, row, &sig.name, &sig.email, email).await
        }
    }
}

/// The language a signer's emails are written in (the one they signed in; English for
/// a tag no longer offered) and the letter's title as they read it: its translation into
/// the language of the text they were shown, or the original.
async fn signer_language(
    db: &DatabaseConnection,
    sig: &crate::entities::signature::Model,
    letter: &crate::entities::letter::Model,
) -> Result<(templates::Lang, String), DbErr> {
    let lang = templates::Lang::get(&sig.language).unwrap_or_default();
    let title = match &sig.text_language {
        Some(text_language) => crate::store::translations::find(db, letter.id, text_language)
            .await?
            .map_or_else(|| letter.title.clone(), |t| t.title),
        None => letter.title.clone(),
    };
    Ok((lang, title))
}

/// The three links of a confirmation email, minted when it is sent (only their hashes
/// are stored).
struct Tokens {
    confirm: ConfirmationToken,
    proof: ConfirmationToken,
    withdraw: ConfirmationToken,
}

/// The confirmation email for a pending signature, with its confirmation, proof and
/// withdrawal links. The address is not confirmed yet: nothing the signer typed goes into
/// this email (not even the To: display name), so it cannot carry anyone's text.
fn confirmation_email(
    settings: &Settings,
    lang: &templates::Lang,
    title: &str,
    sig: &signature::Model,
    letter_slug: &str,
    tokens: &Tokens,
) -> templates::Email {
    let confirm_url = link(settings, &format!("confirm/{}", tokens.confirm.as_str()));
    let letter_url = link(settings, &format!("letters/{letter_slug}"));
    let days = u32::try_from(std::cmp::max(span(settings.token_ttl).num_days(), 1)).unwrap_or(7);
    let email = templates::confirmation_email(
        lang,
        &templates::ConfirmationEmail {
            letter_title: title,
            confirm_url: &confirm_url,
            letter_url: &letter_url,
            expires_in_days: days,
            kind: match sig.kind {
                SignatureKind::Individual => templates::SignerKind::Individual,
                SignatureKind::Organisation => templates::SignerKind::Organisation,
            },
        },
    );
    // The proof link answers once the signature is confirmed and a snapshot holds it
    // (the page says so until then).
    let proof_url = crate::proof::links::proof_url(&settings.base_url, &tokens.proof);
    let email = templates::with_proof_link(lang, email, &proof_url);
    let withdraw_url = link(settings, &format!("withdraw/{}", tokens.withdraw.as_str()));
    templates::with_withdraw_link(lang, email, &withdraw_url)
}

/// A confirmation email made ahead of its send by [`prepare_confirmations`].
pub(super) enum Ready {
    /// Nothing to send (the signature is gone, no longer pending, or its letter gone):
    /// the row is done.
    Nothing,
    /// Send this to this address (no display name: see [`confirmation_email`]).
    Email {
        address: String,
        email: templates::Email,
    },
}

/// Makes the confirmation emails of a claimed batch together, by outbox row id: the
/// signatures, their letters and the translations they need are read in one query each,
/// and all the batch's tokens are stored in one transaction (one multi-row insert per
/// token table and one update of the signatures' `last_confirmation_email_at`), instead
/// of two reads and four writes per email. The rows and tokens are those the per-row
/// path in [`run`] makes; rows of other jobs are left out (the worker runs them one by
/// one). On an error nothing is stored and the caller runs the rows one by one instead,
/// which records each one's failure and retry.
pub(super) async fn prepare_confirmations(
    db: &DatabaseConnection,
    settings: &Settings,
    clock: &Clock,
    rows: &[outbox::Model],
) -> Result<HashMap<i64, Ready>, DbErr> {
    let wanted: Vec<(i64, i64)> = rows
        .iter()
        .filter_map(|row| match serde_json::from_str::<Job>(&row.payload) {
            Ok(Job::ConfirmationEmail { signature_id }) => Some((row.id, signature_id)),
            _ => None,
        })
        .collect();
    let mut ready = HashMap::with_capacity(wanted.len());
    if wanted.is_empty() {
        return Ok(ready);
    }
    // The pending signatures with their letters' slug and title, in one query. The ids
    // are numbers, written into the text as such.
    let ids: Vec<String> = wanted.iter().map(|&(_, s)| s.to_string()).collect();
    let backend = db.get_database_backend();
    let found = db
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT s.*, l.slug AS letter_slug, l.title AS letter_title \
                 FROM signatures s JOIN letters l ON l.id = s.letter_id \
                 WHERE s.id IN ({}) AND s.status = 'pending'",
                ids.join(",")
            ),
        ))
        .await?;
    let mut signatures: HashMap<i64, (signature::Model, String, String)> = HashMap::new();
    for row in &found {
        let sig = signature::Model::from_query_result(row, "")?;
        let slug: String = row.try_get("", "letter_slug")?;
        let title: String = row.try_get("", "letter_title")?;
        signatures.insert(sig.id, (sig, slug, title));
    }
    // Only signers who were shown a translation need one (a handful per letter at most).
    let translated: Vec<i64> = signatures
        .values()
        .filter(|(s, ..)| s.text_language.is_some())
        .map(|(s, ..)| s.letter_id)
        .collect();
    let titles: HashMap<(i64, String), String> = if translated.is_empty() {
        HashMap::new()
    } else {
        letter_translation::Entity::find()
            .filter(letter_translation::Column::LetterId.is_in(translated))
            .all(db)
            .await?
            .into_iter()
            .map(|t| ((t.letter_id, t.language), t.title))
            .collect()
    };

    let now = clock.now();
    let expires_at = now + span(settings.token_ttl);
    let mut minted = Vec::new();
    for (row_id, signature_id) in wanted {
        let Some((sig, slug, title)) = signatures.get(&signature_id) else {
            ready.insert(row_id, Ready::Nothing);
            continue;
        };
        let tokens = Tokens {
            confirm: ConfirmationToken::generate(),
            proof: ConfirmationToken::generate(),
            withdraw: ConfirmationToken::generate(),
        };
        let lang = templates::Lang::get(&sig.language).unwrap_or_default();
        let title = sig
            .text_language
            .as_ref()
            .and_then(|l| titles.get(&(sig.letter_id, l.clone())))
            .unwrap_or(title);
        let email = confirmation_email(settings, &lang, title, sig, slug, &tokens);
        minted.push((sig.id, tokens));
        ready.insert(
            row_id,
            Ready::Email {
                address: sig.email.clone(),
                email,
            },
        );
    }
    if !minted.is_empty() {
        store_tokens(db, &minted, now, expires_at).await?;
    }
    Ok(ready)
}

/// Stores the hashes of a batch's tokens and each signature's `last_confirmation_email_at`
/// (as `signatures::store_token`, `proof::links::mint`, `privacy::withdraw::mint` and
/// `signatures::note_link_sent` do one by one), all or nothing. On PostgreSQL that is one
/// statement (the inserts as data-modifying CTEs of the update); on SQLite one
/// transaction of four.
async fn store_tokens(
    db: &DatabaseConnection,
    minted: &[(i64, Tokens)],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let invalid = |e: sea_orm::sea_query::error::Error| DbErr::Custom(e.to_string());
    let mut confirmations = Query::insert();
    confirmations
        .into_table(confirmation_token::Entity)
        .columns([
            confirmation_token::Column::SignatureId,
            confirmation_token::Column::TokenHash,
            confirmation_token::Column::CreatedAt,
            confirmation_token::Column::ExpiresAt,
        ]);
    let mut proofs = Query::insert();
    proofs.into_table(proof_token::Entity).columns([
        proof_token::Column::SignatureId,
        proof_token::Column::TokenHash,
        proof_token::Column::CreatedAt,
    ]);
    let mut withdrawals = Query::insert();
    withdrawals.into_table(withdrawal_token::Entity).columns([
        withdrawal_token::Column::SignatureId,
        withdrawal_token::Column::TokenHash,
        withdrawal_token::Column::CreatedAt,
    ]);
    for (signature_id, tokens) in minted {
        let id = *signature_id;
        confirmations
            .values([
                id.into(),
                tokens.confirm.hash().into(),
                now.into(),
                expires_at.into(),
            ])
            .map_err(invalid)?;
        proofs
            .values([id.into(), tokens.proof.hash().into(), now.into()])
            .map_err(invalid)?;
        withdrawals
            .values([id.into(), tokens.withdraw.hash().into(), now.into()])
            .map_err(invalid)?;
    }
    // Links expire counting from now, never moved back.
    let mut noted = Query::update();
    noted
        .table(signature::Entity)
        .value(signature::Column::LastConfirmationEmailAt, now)
        .and_where(signature::Column::Id.is_in(minted.iter().map(|(id, _)| *id)))
        .and_where(
            signature::Column::LastConfirmationEmailAt
                .is_null()
                .or(signature::Column::LastConfirmationEmailAt.lt(now)),
        );
    if db.get_database_backend() == DbBackend::Postgres {
        // One round trip and one commit. The values are numbers, hex digests and times,
        // written out by the query builder.
        let sql = format!(
            "WITH c AS ({}), p AS ({}), w AS ({}) {}",
            confirmations.to_string(PostgresQueryBuilder),
            proofs.to_string(PostgresQueryBuilder),
            withdrawals.to_string(PostgresQueryBuilder),
            noted.to_string(PostgresQueryBuilder),
        );
        db.execute_unprepared(&sql).await?;
        return Ok(());
    }
    let txn = crate::db::begin_write(db).await?;
    txn.execute(&confirmations).await?;
    txn.execute(&proofs).await?;
    txn.execute(&withdrawals).await?;
    txn.execute(&noted).await?;
    txn.commit().await
}

/// Sends an email [`prepare_confirmations`] made for `row`.
pub(super) async fn send_ready(
    row: &outbox::Model,
    ready: Ready,
    mailer: &Mailer,
    settings: &Settings,
    metrics: Option<&crate::metrics::Metrics>,
) -> Result<(), JobError> {
    match ready {
        Ready::Nothing => Ok(()),
        Ready::Email { address, email } => {
            let mailer = &Counted { mailer, metrics };
            send(mailer, settings, row, "", &address, email).await
        }
    }
}

/// Sends an email a delivery job prepared (`crate::delivery::jobs`), with its Reply-To,
/// its attachments and, for a signer, a withdrawal link.
async fn send_prepared(
    db: &DatabaseConnection,
    mailer: &Counted<'_>,
    settings: &Settings,
    row: &outbox::Model,
    clock: &Clock,
    prepared: crate::delivery::jobs::Prepared,
) -> Result<(), JobError> {
    let email = match prepared.withdraw_for {
        Some(signature_id) => {
            with_withdraw_link(
                db,
                settings,
                &prepared.lang,
                signature_id,
                clock.now(),
                prepared.email,
            )
            .await?
        }
        None => prepared.email,
    };
    send_with(
        mailer,
        settings,
        row,
        Envelope {
            name: &prepared.name,
            address: &prepared.address,
            reply_to: prepared.reply_to,
            attachments: prepared.attachments,
        },
        email,
    )
    .await
}

/// The email with a freshly minted withdrawal link for the signature added to it.
async fn with_withdraw_link(
    db: &DatabaseConnection,
    settings: &Settings,
    lang: &templates::Lang,
    signature_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    email: templates::Email,
) -> Result<templates::Email, DbErr> {
    let token = crate::privacy::withdraw::mint(db, signature_id, now).await?;
    let url = link(settings, &format!("withdraw/{}", token.as_str()));
    Ok(templates::with_withdraw_link(lang, email, &url))
}

/// A link into the service, always from the configured public address (never from a
/// request's Host header, which an attacker controls).
pub fn link(settings: &Settings, path: &str) -> String {
    let base = settings.base_url.as_str().trim_end_matches('/');
    format!("{base}/{path}")
}

/// One Message-ID per outbox row: a retry carries the same id, so receivers can recognise
/// a duplicate. The row's random key keeps it unique across databases (ids restart at 1
/// after a reset); rows queued before keys existed go without.
fn message_id(row: &outbox::Model, host: &str) -> String {
    match row.message_key.as_deref() {
        Some(key) => format!("{}.{}.{}@{}", row.id, key, row.kind, host),
        None => format!("{}.{}@{}", row.id, row.kind, host),
    }
}

/// The mailer, with each send's result class counted (`crate::metrics`).
struct Counted<'a> {
    mailer: &'a Mailer,
    metrics: Option<&'a crate::metrics::Metrics>,
}

async fn send(
    mailer: &Counted<'_>,
    settings: &Settings,
    row: &outbox::Model,
    // The display name in To:, or "" for none.
    name: &str,
    address: &str,
    email: templates::Email,
) -> Result<(), JobError> {
    let envelope = Envelope {
        name,
        address,
        reply_to: None,
        attachments: Vec::new(),
    };
    send_with(mailer, settings, row, envelope, email).await
}

/// Who an email goes to, where replies go, and what is attached.
struct Envelope<'a> {
    /// The display name in To:, or "" for none.
    name: &'a str,
    address: &'a str,
    reply_to: Option<Mailbox>,
    attachments: Vec<crate::mail::Attachment>,
}

async fn send_with(
    mailer: &Counted<'_>,
    settings: &Settings,
    row: &outbox::Model,
    envelope: Envelope<'_>,
    email: templates::Email,
) -> Result<(), JobError> {
    let Envelope {
        name,
        address,
        reply_to,
        attachments,
    } = envelope;
    let address = address
        .parse()
        .map_err(|e| SendError::Permanent(format!("unusable address: {e}")))?;
    let host = settings
        .base_url
        .host_str()
        .unwrap_or("undersigned.localhost");
    let sent = mailer
        .mailer
        .send(OutgoingEmail {
            to: Mailbox::new(Some(name.to_string()).filter(|n| !n.is_empty()), address),
            subject: email.subject,
            text: email.text,
            html: email.html,
            message_id: message_id(row, host),
            reply_to,
            attachments,
        })
        .await;
    if let Some(metrics) = mailer.metrics {
        metrics.smtp_result(match &sent {
            Ok(()) => "sent",
            Err(SendError::Temporary(_)) => "temporary",
            Err(SendError::Permanent(_)) => "permanent",
        });
    }
    sent?;
    Ok(())
}
