//! What each outbox job does when the worker runs it.

use lettre::message::Mailbox;
use sea_orm::{DatabaseConnection, DbErr};

use super::Job;
use crate::clock::{Clock, span};
use crate::config::Settings;
use crate::domain::ConfirmationToken;
use crate::entities::{SignatureKind, SignatureStatus, outbox};
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
            // The token is minted here, at sending time, and only its hash is stored:
            // the raw value exists nowhere but in this email.
            let token = ConfirmationToken::generate();
            let now = clock.now();
            let ttl = span(settings.token_ttl);
            signatures::store_token(db, sig.id, token.hash(), now, now + ttl).await?;
            // Links expire counting from now, so "all links expired" must count from
            // now too, not from when this email was queued (the relay may have been
            // down for days in between).
            signatures::note_link_sent(db, sig.id, now).await?;
            let confirm_url = link(settings, &format!("confirm/{}", token.as_str()));
            let letter_url = link(settings, &format!("letters/{}", letter.slug));
            let days = u32::try_from(ttl.num_days().max(1)).unwrap_or(7);
            let (lang, title) = signer_language(db, &sig, &letter).await?;
            // The address is not confirmed yet: nothing the signer typed goes into this
            // email (not even the To: display name), so it cannot carry anyone's text.
            let email = templates::confirmation_email(
                &lang,
                &templates::ConfirmationEmail {
                    letter_title: &title,
                    confirm_url: &confirm_url,
                    letter_url: &letter_url,
                    expires_in_days: days,
                    kind: match sig.kind {
                        SignatureKind::Individual => templates::SignerKind::Individual,
                        SignatureKind::Organisation => templates::SignerKind::Organisation,
                    },
                },
            );
            // The signer's private link to the proof that their signature is in the
            // published list: it answers once the signature is confirmed and a snapshot
            // holds it (the page says so until then). Only the token's hash is stored.
            let proof_url =
                crate::proof::links::mint_proof_url(db, &settings.base_url, sig.id, now).await?;
            let email = templates::with_proof_link(&lang, email, &proof_url);
            // Privacy: every email about a signature carries its withdrawal link.
            let email = with_withdraw_link(db, settings, &lang, sig.id, now, email).await?;
            // No display name: nothing the signer typed goes to an unconfirmed address.
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
