//! What the outbox worker does for a delivery: the email to a target, built at send time
//! from the sealed snapshot (the delivered text version, its counts, its root, the public
//! list up to its last signature), with the PDF and the CSV attached; and the notice to a
//! signer, sent at most once.
//!
//! At most once: a notice row goes `queued` -> `sending` just before the send, then
//! `sent` (or back to `queued` after a temporary failure, so the outbox retries it). A
//! row found `sending` means an earlier send was cut off (the worker died mid-send, its
//! lease ran out and the row was claimed again): the relay may or may not have taken it,
//! so it is not sent again but recorded as failed for that reason. A duplicate claim of
//! a notice already `sent` sends nothing.

use lettre::message::Mailbox;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{notice_state, state};
use crate::config::Settings;
use crate::domain::Country;
use crate::entities::{
    SignatureKind, SignatureStatus, delivery, delivery_notice, delivery_target, letter,
};
use crate::export::{self, Filters};
use crate::mail::{Attachment, SendError};
use crate::outbox::link;
use crate::store::{letters, signatures};

/// An email ready for the outbox's sender, which adds the Message-ID.
#[derive(Debug)]
pub struct Prepared {
    /// The display name in To:.
    pub name: String,
    pub address: String,
    pub email: templates::Email,
    pub reply_to: Option<Mailbox>,
    pub attachments: Vec<Attachment>,
    /// The signature whose withdrawal link the email carries (notices to signers).
    pub withdraw_for: Option<i64>,
    /// The language the email is written in (its withdrawal link's words too).
    pub lang: templates::Lang,
}

fn temporary(step: &str, e: DbErr) -> SendError {
    SendError::Temporary(format!("database ({step}): {e}"))
}

/// The day of a delivery as printed in the emails and the PDF, in `lang`.
pub fn dated(lang: &templates::Lang, at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    lang.date(at.year(), at.month(), at.day())
}

/// A file name made of the letter's slug (already safe) and a suffix.
fn file_name(slug: &str, suffix: &str) -> String {
    let safe: String = slug
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(80)
        .collect();
    format!("{safe}{suffix}")
}

/// The sealed snapshot a delivery sends, read back.
struct Snapshot {
    delivery: delivery::Model,
    letter: letter::Model,
    title: String,
    summary: String,
    body: String,
    targets: Vec<String>,
}

async fn snapshot(
    db: &DatabaseConnection,
    delivery_id: i64,
) -> Result<Option<Snapshot>, SendError> {
    let Some(d) = delivery::Entity::find_by_id(delivery_id)
        .one(db)
        .await
        .map_err(|e| temporary("reading the delivery", e))?
    else {
        return Ok(None);
    };
    if d.state != state::STARTED {
        return Ok(None);
    }
    let Some(letter) = letters::find_by_id(db, d.letter_id)
        .await
        .map_err(|e| temporary("reading the letter", e))?
    else {
        return Ok(None);
    };
    let number = d.version.unwrap_or(letter.version);
    let (title, summary, body) = match letters::version(db, letter.id, number)
        .await
        .map_err(|e| temporary("reading the delivered version", e))?
    {
        Some(v) => (v.title, v.summary, v.body),
        None => (
            letter.title.clone(),
            letter.summary.clone(),
            letter.body.clone(),
        ),
    };
    let targets = delivery_target::Entity::find()
        .filter(delivery_target::Column::DeliveryId.eq(d.id))
        .order_by_asc(delivery_target::Column::Position)
        .all(db)
        .await
        .map_err(|e| temporary("reading the targets", e))?
        .into_iter()
        .map(|t| t.name)
        .collect();
    Ok(Some(Snapshot {
        delivery: d,
        letter,
        title,
        summary,
        body,
        targets,
    }))
}

/// The signed letter as a document: the delivered text, the targets, the listed
/// signatories up to the sealed last signature (organisations by name, individuals in the
/// order they signed), the number of the others and the root.
async fn document(
    db: &DatabaseConnection,
    settings: &Settings,
    s: &Snapshot,
) -> Result<undersigned_document::LetterDocument, DbErr> {
    let up_to = s.delivery.last_signature_id.unwrap_or(0);
    let filters = Filters {
        status: Some(SignatureStatus::Confirmed),
        ..Filters::default()
    };
    let page_size = u64::from(settings.export_page_size.clamp(1, export::MAX_PAGE_SIZE));
    let country = |code: &str| Country::name_of(code).unwrap_or(code).to_owned();
    let mut organisations = Vec::new();
    let mut individuals = Vec::new();
    let mut unlisted: u64 = 0;
    let mut after = None;
    'pages: loop {
        let rows = export::page(db, s.letter.id, &filters, after, page_size).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let full = rows.len() as u64 == page_size;
        for r in rows {
            if r.id > up_to {
                break 'pages;
            }
            match r.kind {
                SignatureKind::Organisation => {
                    organisations.push(undersigned_document::DocSigner {
                        name: r.organisation_name.unwrap_or_default(),
                        country: country(&r.country),
                        city: String::new(),
                    })
                }
                SignatureKind::Individual if r.show_publicly => {
                    individuals.push(undersigned_document::DocSigner {
                        name: r.name,
                        country: country(&r.country),
                        city: r.city.unwrap_or_default(),
                    })
                }
                SignatureKind::Individual => unlisted += 1,
            }
        }
        if !full {
            break;
        }
    }
    organisations.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(undersigned_document::LetterDocument {
        title: s.title.clone(),
        summary: s.summary.clone(),
        body_markdown: s.body.clone(),
        language: s.letter.language.clone(),
        version: u32::try_from(s.delivery.version.unwrap_or(1)).unwrap_or(1),
        // The PDF's labels are English (`DocLabels::default()`), and so is its date.
        dated: dated(
            &templates::Lang::english(),
            s.delivery.started_at.unwrap_or(s.delivery.created_at),
        ),
        targets: s
            .targets
            .iter()
            .map(|name| undersigned_document::DocTarget { name: name.clone() })
            .collect(),
        organisations,
        individuals,
        unlisted_individuals: unlisted,
        list_root: s.delivery.list_root.clone(),
        site_name: templates::SITE_NAME.to_owned(),
        letter_url: link(settings, &format!("letters/{}", s.letter.slug)),
        labels: undersigned_document::DocLabels::default(),
    })
}

/// Renders the PDF on a blocking thread (typst is CPU-bound).
async fn render_pdf(doc: undersigned_document::LetterDocument) -> Result<Vec<u8>, SendError> {
    tokio::task::spawn_blocking(move || undersigned_document::render_pdf(&doc))
        .await
        .map_err(|e| SendError::Temporary(format!("the PDF task failed: {e}")))?
        .map_err(|e| SendError::Permanent(format!("rendering the PDF: {e}")))
}

/// The PDF of a letter as it stands (staff download): its current text, its confirmed
/// public list now, and the root of its latest delivery, if any.
pub async fn current_pdf(
    db: &DatabaseConnection,
    settings: &Settings,
    letter: &letter::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>, SendError> {
    let targets = letters::targets(db, letter.id)
        .await
        .map_err(|e| temporary("reading the targets", e))?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let latest = super::receipts(db, letter.id)
        .await
        .map_err(|e| temporary("reading the deliveries", e))?
        .into_iter()
        .next();
    let last: i64 = i64::MAX;
    let s = Snapshot {
        delivery: delivery::Model {
            id: 0,
            letter_id: letter.id,
            trigger: String::new(),
            state: state::STARTED.to_owned(),
            reply_to: String::new(),
            created_by: None,
            created_at: now,
            started_at: Some(now),
            version: Some(letter.version),
            individual_count: None,
            organisation_count: None,
            last_signature_id: Some(last),
            list_size: None,
            list_root: latest.and_then(|r| r.list_root),
            notify: false,
            notices_after: None,
            notices_next_at: None,
            notices_done: true,
        },
        letter: letter.clone(),
        title: letter.title.clone(),
        summary: letter.summary.clone(),
        body: letter.body.clone(),
        targets,
    };
    let doc = document(db, settings, &s)
        .await
        .map_err(|e| temporary("reading the signatures", e))?;
    render_pdf(doc).await
}

/// The email to one target of a started delivery, with both attachments; `None` when
/// there is nothing to send (the delivery or target is gone).
pub async fn target_email(
    db: &DatabaseConnection,
    settings: &Settings,
    target_id: i64,
) -> Result<Option<Prepared>, SendError> {
    let Some(target) = delivery_target::Entity::find_by_id(target_id)
        .one(db)
        .await
        .map_err(|e| temporary("reading the target", e))?
    else {
        return Ok(None);
    };
    let Some(s) = snapshot(db, target.delivery_id).await? else {
        return Ok(None);
    };
    let up_to = s.delivery.last_signature_id.unwrap_or(0);
    let csv = export::public_csv(db, s.letter.id, up_to, settings.export_page_size)
        .await
        .map_err(|e| temporary("reading the public list", e))?;
    let doc = document(db, settings, &s)
        .await
        .map_err(|e| temporary("reading the public list", e))?;
    let pdf = render_pdf(doc).await?;
    let pdf_name = file_name(&s.letter.slug, ".pdf");
    let csv_name = file_name(&s.letter.slug, "-signatories.csv");
    let files = vec![pdf_name.clone(), csv_name.clone()];
    let body_html = crate::markdown::render(&s.body);
    let letter_url = link(settings, &format!("letters/{}", s.letter.slug));
    let receipt_url = link(settings, &format!("letters/{}/receipt", s.letter.slug));
    // Written in the letter's own language, as its text is.
    let lang = templates::Lang::get(&s.letter.language).unwrap_or_default();
    let email = templates::delivery_email(
        &lang,
        &templates::DeliveryEmail {
            target_name: &target.name,
            letter_title: &s.title,
            summary: &s.summary,
            body_markdown: &s.body,
            body_html: &body_html,
            targets: &s.targets,
            dated: &dated(
                &lang,
                s.delivery.started_at.unwrap_or(s.delivery.created_at),
            ),
            version: s.delivery.version.unwrap_or(1),
            individuals: s.delivery.individual_count.unwrap_or(0),
            organisations: s.delivery.organisation_count.unwrap_or(0),
            list_root: s.delivery.list_root.as_deref(),
            letter_url: &letter_url,
            receipt_url: &receipt_url,
            attachments: &files,
        },
    );
    let reply_to = s
        .delivery
        .reply_to
        .parse::<Mailbox>()
        .map_err(|e| SendError::Permanent(format!("unusable Reply-To address: {e}")))?;
    Ok(Some(Prepared {
        name: target.name,
        address: target.email,
        email,
        reply_to: Some(reply_to),
        attachments: vec![
            Attachment {
                file_name: pdf_name,
                content_type: "application/pdf".into(),
                bytes: pdf,
            },
            Attachment {
                file_name: csv_name,
                content_type: "text/csv; charset=utf-8".into(),
                bytes: csv,
            },
        ],
        withdraw_for: None,
        lang,
    }))
}

/// Notes that the relay took the email to a target.
pub async fn target_sent(
    db: &DatabaseConnection,
    target_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    delivery_target::Entity::update_many()
        .col_expr(delivery_target::Column::SentAt, Expr::value(Some(now)))
        .filter(delivery_target::Column::Id.eq(target_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The notice to one signer, marked `sending`; `None` when nothing is to be sent (sent
/// already, the signer withdrew or was erased meanwhile). An earlier send cut off midway
/// is a permanent failure: see the module documentation.
pub async fn notice_email(
    db: &DatabaseConnection,
    settings: &Settings,
    notice_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Prepared>, SendError> {
    let Some(notice) = delivery_notice::Entity::find_by_id(notice_id)
        .one(db)
        .await
        .map_err(|e| temporary("reading the notice", e))?
    else {
        return Ok(None);
    };
    match notice.state.as_str() {
        notice_state::QUEUED => {}
        notice_state::SENDING => {
            mark(
                db,
                notice_id,
                notice_state::SENDING,
                notice_state::SKIPPED,
                None,
            )
            .await
            .map_err(|e| temporary("recording the notice", e))?;
            return Err(SendError::Permanent(
                "an earlier send of this notice was cut off; not sent again, so that nobody \
                 gets it twice"
                    .into(),
            ));
        }
        _ => return Ok(None),
    }
    let sig = signatures::find(db, notice.signature_id)
        .await
        .map_err(|e| temporary("reading the signature", e))?;
    let usable = sig.as_ref().is_some_and(|s| {
        s.status == SignatureStatus::Confirmed
            && s.wants_updates
            && s.erased_at.is_none()
            && !s.email.is_empty()
    });
    let Some(sig) = sig.filter(|_| usable) else {
        mark(
            db,
            notice_id,
            notice_state::QUEUED,
            notice_state::SKIPPED,
            None,
        )
        .await
        .map_err(|e| temporary("recording the notice", e))?;
        return Ok(None);
    };
    let Some(s) = snapshot(db, notice.delivery_id).await? else {
        return Ok(None);
    };
    // Only one worker gets past this: the state moves from queued exactly once per try.
    let claimed = mark(
        db,
        notice_id,
        notice_state::QUEUED,
        notice_state::SENDING,
        None,
    )
    .await
    .map_err(|e| temporary("recording the notice", e))?;
    if !claimed {
        return Ok(None);
    }
    let receipt_url = link(settings, &format!("letters/{}/receipt", s.letter.slug));
    // The signer's own inclusion proof; only the token's hash is stored.
    let proof_url = crate::proof::links::mint_proof_url(db, &settings.base_url, sig.id, now)
        .await
        .map_err(|e| temporary("minting the proof link", e))?;
    // Written in the language the signer signed in.
    let lang = templates::Lang::get(&sig.language).unwrap_or_default();
    let email = templates::delivered_notice(
        &lang,
        &templates::DeliveredNotice {
            signer_name: &sig.name,
            letter_title: &s.title,
            targets: &s.targets,
            dated: &dated(
                &lang,
                s.delivery.started_at.unwrap_or(s.delivery.created_at),
            ),
            individuals: s.delivery.individual_count.unwrap_or(0),
            organisations: s.delivery.organisation_count.unwrap_or(0),
            list_root: s.delivery.list_root.as_deref(),
            receipt_url: &receipt_url,
            proof_url: Some(&proof_url),
        },
    );
    Ok(Some(Prepared {
        name: sig.name,
        address: sig.email,
        email,
        reply_to: None,
        attachments: Vec::new(),
        withdraw_for: Some(sig.id),
        lang,
    }))
}

/// Records how the send of a notice ended: `sent`, or `queued` again after a temporary
/// failure (the outbox retries it), or `skipped` after a permanent one.
pub async fn notice_finished(
    db: &DatabaseConnection,
    notice_id: i64,
    result: Result<(), &SendError>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let to = match result {
        Ok(()) => notice_state::SENT,
        Err(SendError::Temporary(_)) => notice_state::QUEUED,
        Err(SendError::Permanent(_)) => notice_state::SKIPPED,
    };
    let at = (to == notice_state::SENT).then_some(now);
    mark(db, notice_id, notice_state::SENDING, to, at).await?;
    Ok(())
}

/// Moves a notice from one state to another; false when it was not in `from`.
async fn mark(
    db: &DatabaseConnection,
    notice_id: i64,
    from: &str,
    to: &str,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<bool, DbErr> {
    let mut update = delivery_notice::Entity::update_many()
        .col_expr(delivery_notice::Column::State, Expr::value(to))
        .filter(delivery_notice::Column::Id.eq(notice_id))
        .filter(delivery_notice::Column::State.eq(from));
    if sent_at.is_some() {
        update = update.col_expr(delivery_notice::Column::SentAt, Expr::value(sent_at));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}
