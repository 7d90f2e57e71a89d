//! The outbox: everything the service must do later, written in the caller's transaction
//! and carried out by the worker (`worker.rs`).

mod jobs;
mod worker;

pub use jobs::link;
pub use worker::{Outcome, Worker, worker_id};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QuerySelect, Set};
use serde::{Deserialize, Serialize};

use crate::entities::{OutboxStatus, outbox, signature};

/// A unit of work. The payload carries ids only: the worker reads current data when it
/// runs, so nothing personal is copied into the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// Mint a token and send the confirmation link for a pending signature.
    ConfirmationEmail { signature_id: i64 },
    /// Tell a confirmed signer that they have already signed.
    AlreadySignedEmail { signature_id: i64 },
    /// Tell an organisation's contact that staff approved it (it is now listed).
    ApprovalEmail { signature_id: i64 },
    /// Tell an organisation's contact that staff rejected it, with the reason (read from
    /// the signature's `review_note` when sending).
    RejectionEmail { signature_id: i64 },
    /// Email everything held about an address to that address (`privacy::data_request`).
    DataRequestEmail { request_id: i64 },
    /// Send one event of a letter to one webhook endpoint (`crate::webhooks`). The body is
    /// built when sending, from current data; `occurred_at_ms` is when the event happened.
    Webhook {
        endpoint_id: i64,
        letter_id: i64,
        event: String,
        signature_id: Option<i64>,
        occurred_at_ms: i64,
    },
    /// Send the letter, with its PDF and CSV, to one target of a delivery
    /// (`delivery_targets` row; `crate::delivery`).
    DeliveryEmail { letter_id: i64, target_id: i64 },
    /// Tell a signer who asked for news that the letter was delivered (`delivery_notices`
    /// row; sent at most once, see `crate::delivery::jobs`).
    DeliveryNotice { notice_id: i64, signature_id: i64 },
}

impl Job {
    /// The `kind` column: lets operators see what a row is without parsing JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::ConfirmationEmail { .. } => "confirmation_email",
            Job::AlreadySignedEmail { .. } => "already_signed_email",
            Job::ApprovalEmail { .. } => "approval_email",
            Job::RejectionEmail { .. } => "rejection_email",
            Job::DataRequestEmail { .. } => "data_request_email",
            Job::Webhook { .. } => "webhook",
            Job::DeliveryEmail { .. } => "delivery_email",
            Job::DeliveryNotice { .. } => "delivery_notice",
        }
    }

    /// The `payload` column's text. The same job always gives the same text, so a query
    /// can look for a queued job by it.
    pub fn payload(&self) -> Result<String, DbErr> {
        serde_json::to_string(self).map_err(|e| DbErr::Custom(e.to_string()))
    }

    /// What the job is about, for the `letter_id` column: the letter of a signature, or a
    /// letter itself. A new job must say which, so the letter dashboard sees its row.
    pub fn subject(&self) -> Subject {
        match *self {
            Job::ConfirmationEmail { signature_id }
            | Job::AlreadySignedEmail { signature_id }
            | Job::ApprovalEmail { signature_id }
            | Job::RejectionEmail { signature_id }
            | Job::DeliveryNotice { signature_id, .. } => Subject::Signature(signature_id),
            Job::DeliveryEmail { letter_id, .. } => Subject::Letter(letter_id),
            Job::DataRequestEmail { .. } => Subject::None,
            Job::Webhook { letter_id, .. } => Subject::Letter(letter_id),
        }
    }
}

/// What a job is about (see [`Job::subject`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A signature: the row belongs to that signature's letter.
    Signature(i64),
    /// A letter.
    Letter(i64),
    /// Nothing of one letter.
    None,
}

/// The letter a job belongs to, read on `conn` (the enqueuing transaction, which has
/// just written or read the signature).
async fn letter_of<C: ConnectionTrait>(conn: &C, job: &Job) -> Result<Option<i64>, DbErr> {
    Ok(match job.subject() {
        Subject::Signature(id) => {
            signature::Entity::find_by_id(id)
                .select_only()
                .column(signature::Column::LetterId)
                .into_tuple::<i64>()
                .one(conn)
                .await?
        }
        Subject::Letter(id) => Some(id),
        Subject::None => None,
    })
}

/// Queues a job on `conn`, which should be the transaction that wrote the data the job
/// is about: both commit or neither does. The row's `letter_id` comes from the job's
/// [`Subject`] (a signature's letter is read on `conn`), for the letter dashboard.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    enqueue_at(conn, job, now, now).await
}

/// Queues a job, like [`enqueue`], that is not due before `run_at` (the delivery notices
/// are spread out this way to keep to their rate).
pub async fn enqueue_at<C: ConnectionTrait>(
    conn: &C,
    job: &Job,
    now: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let letter_id = letter_of(conn, job).await?;
    let row = pending_row(job, letter_id, now, run_at)?;
    Ok(outbox::Entity::insert(row).exec(conn).await?.last_insert_id)
}

/// The row that queues `job` for `letter_id` (its [`Subject`]'s letter, which the caller
/// knows), due at `run_at`: for a caller that inserts rows together
/// (`db::batch::Batch::queue`).
pub fn pending_row(
    job: &Job,
    letter_id: Option<i64>,
    now: DateTime<Utc>,
    run_at: DateTime<Utc>,
) -> Result<outbox::ActiveModel, DbErr> {
    Ok(outbox::ActiveModel {
        kind: Set(job.kind().to_string()),
        payload: Set(job.payload()?),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        run_at: Set(run_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        message_key: Set(Some(format!("{:016x}", rand::random::<u64>()))),
        letter_id: Set(letter_id),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_json() {
        let job = Job::ConfirmationEmail { signature_id: 42 };
        let text = serde_json::to_string(&job).unwrap();
        assert_eq!(text, r#"{"job":"confirmation_email","signature_id":42}"#);
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
    }
}
