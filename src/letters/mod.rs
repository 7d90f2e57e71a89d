//! Letter rules in one place: whether a letter takes signatures now, and from whom; which
//! moves of its lifecycle are allowed (staff's moves, and `open`/`closed` -> `delivered`
//! when a delivery starts); the private preview key; closing letters whose deadline has
//! passed.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use crate::auth::audit::{self, Actor, Entry};
use crate::entities::{LetterStatus, SignatureKind, letter};

/// Whether `letter` takes signatures and confirmations at `now`: it is open and its
/// deadline, if it has one, has not passed. This is the one rule; every write that depends
/// on it calls it inside its own transaction, on the letter as read there, so a letter
/// closed or run out meanwhile takes nothing, whether or not a job has closed it yet.
pub fn accepts_signatures(letter: &letter::Model, now: DateTime<Utc>) -> bool {
    letter.status == LetterStatus::Open && letter.deadline.is_none_or(|deadline| now < deadline)
}

/// Whether `letter` takes signatures of this kind at all (organisations, individuals, or
/// both, as staff chose). Checked beside `accepts_signatures`, inside the transaction that
/// records a signature.
pub fn takes_kind(letter: &letter::Model, kind: SignatureKind) -> bool {
    match kind {
        SignatureKind::Individual => letter.individuals_may_sign,
        SignatureKind::Organisation => letter.organisations_may_sign,
    }
}

/// The word for a status, as stored, shown to staff and in the JSON API.
pub fn status_name(status: LetterStatus) -> &'static str {
    match status {
        LetterStatus::Draft => "draft",
        LetterStatus::Open => "open",
        LetterStatus::Closed => "closed",
        LetterStatus::Delivered => "delivered",
    }
}

/// A move of a letter's lifecycle that staff ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// draft -> open
    Publish,
    /// open -> closed
    Close,
    /// closed -> open
    Reopen,
}

impl Move {
    /// The audit action of this move.
    pub fn action(self) -> &'static str {
        match self {
            Move::Publish => "letter.publish",
            Move::Close => "letter.close",
            Move::Reopen => "letter.reopen",
        }
    }
}

/// Why a move was refused, in words for staff.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefused {
    #[error("Only a draft can be published; this letter is {0}.")]
    NotDraft(&'static str),
    #[error("Only an open letter can be closed; this letter is {0}.")]
    NotOpen(&'static str),
    #[error("Only a closed letter can be reopened; this letter is {0}.")]
    NotClosed(&'static str),
    #[error("A letter needs at least one target before it is published or reopened.")]
    NoTarget,
    #[error("A letter needs a title and a text before it is published.")]
    NoText,
    #[error("The deadline has passed. Edit the letter to move the deadline first.")]
    DeadlinePassed,
}

/// Whether `letter` (with `targets` targets) may make `step` at `now`: the one place that
/// decides, called in the transaction that makes the move.
pub fn check_move(
    letter: &letter::Model,
    targets: usize,
    step: Move,
    now: DateTime<Utc>,
) -> Result<(), MoveRefused> {
    let status = status_name(letter.status);
    let deadline_passed = letter.deadline.is_some_and(|d| d <= now);
    match step {
        Move::Publish => {
            if letter.status != LetterStatus::Draft {
                return Err(MoveRefused::NotDraft(status));
            }
            if letter.title.trim().is_empty() || letter.body.trim().is_empty() {
                return Err(MoveRefused::NoText);
            }
            if targets == 0 {
                return Err(MoveRefused::NoTarget);
            }
        }
        Move::Close if letter.status != LetterStatus::Open => {
            return Err(MoveRefused::NotOpen(status));
        }
        Move::Close => return Ok(()),
        Move::Reopen if letter.status != LetterStatus::Closed => {
            return Err(MoveRefused::NotClosed(status));
        }
        Move::Reopen if targets == 0 => return Err(MoveRefused::NoTarget),
        Move::Reopen => {}
    }
    if deadline_passed {
        return Err(MoveRefused::DeadlinePassed);
    }
    Ok(())
}

/// When a delivery of a letter to its targets starts (`crate::delivery`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStart {
    /// As soon as staff ask.
    Now,
    /// When the letter's deadline has passed.
    AtDeadline,
    /// When the letter's confirmed signatures reach its goal.
    AtGoal,
}

/// Why a delivery was refused, in words for staff.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryRefused {
    #[error("A draft cannot be delivered: publish it first.")]
    Draft,
    #[error("The letter has no deadline to deliver it at. Set one, or deliver it now.")]
    NoDeadline,
    #[error("The letter has no goal to deliver it at. Set one, or deliver it now.")]
    NoGoal,
}

/// Whether staff may ask for a delivery of `letter` starting `when`: any letter that was
/// published (open, closed, or delivered already, to other targets or again), never a
/// draft; a schedule needs the deadline or goal it waits for.
pub fn check_delivery(letter: &letter::Model, when: DeliveryStart) -> Result<(), DeliveryRefused> {
    if letter.status == LetterStatus::Draft {
        return Err(DeliveryRefused::Draft);
    }
    match when {
        DeliveryStart::AtDeadline if letter.deadline.is_none() => Err(DeliveryRefused::NoDeadline),
        DeliveryStart::AtGoal if letter.goal.is_none() => Err(DeliveryRefused::NoGoal),
        _ => Ok(()),
    }
}

/// Whether a delivery of `letter` starting `when` is due at `now`, with `confirmed`
/// confirmed signatures. A deadline or goal removed since the delivery was scheduled
/// leaves it waiting (staff may cancel it).
pub fn delivery_due(
    letter: &letter::Model,
    when: DeliveryStart,
    confirmed: i64,
    now: DateTime<Utc>,
) -> bool {
    if letter.status == LetterStatus::Draft {
        return false;
    }
    match when {
        DeliveryStart::Now => true,
        DeliveryStart::AtDeadline => letter.deadline.is_some_and(|d| d <= now),
        DeliveryStart::AtGoal => letter.goal.is_some_and(|g| confirmed >= g),
    }
}

/// Whether `key` is the letter's preview key, compared in constant time so the answer's
/// timing says nothing about how much of a guess was right. No key set: never.
pub fn preview_key_matches(letter: &letter::Model, key: &str) -> bool {
    let Some(stored) = letter.preview_key.as_deref() else {
        return false;
    };
    let (a, b) = (stored.as_bytes(), key.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Most letters one run of `close_past_deadline` closes; the next run takes the rest.
pub const CLOSE_BATCH: i64 = 100;

/// Closes open letters whose deadline is at or before `now`, at most `CLOSE_BATCH` of them,
/// in one statement, with an audit entry (actor `system`) for each in the same
/// transaction. `closed_at` is the deadline itself, when the letter stopped taking
/// signatures. Returns the ids closed.
pub async fn close_past_deadline(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, DbErr> {
    crate::db::write(db, move |txn| {
        Box::pin(async move {
            let backend = txn.get_database_backend();
            let sql = "UPDATE letters SET status = 'closed', closed_at = deadline, updated_at = $1 \
                 WHERE id IN (SELECT id FROM letters \
                     WHERE status = 'open' AND deadline IS NOT NULL AND deadline <= $1 \
                     ORDER BY id LIMIT $2) \
                   AND status = 'open' AND deadline <= $1 \
                 RETURNING id, slug";
            let sql = if backend == sea_orm::DbBackend::Postgres {
                sql.to_owned()
            } else {
                sql.replace('$', "?")
            };
            let rows = txn
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    sql,
                    [now.into(), CLOSE_BATCH.into()],
                ))
                .await?;
            let mut closed = Vec::with_capacity(rows.len());
            for row in rows {
                let id: i64 = row.try_get("", "id")?;
                let slug: String = row.try_get("", "slug")?;
                audit::record(
                    txn,
                    Entry {
                        actor: Actor::System,
                        action: "letter.close",
                        subject: Some(&slug),
                        detail: Some(serde_json::json!({ "letter_id": id, "reason": "deadline" })),
                        client_ip: None,
                    },
                    now,
                )
                .await?;
                crate::webhooks::enqueue_event(txn, id, crate::webhooks::Event::LetterClosed, now)
                    .await?;
                closed.push(id);
            }
            closed.sort_unstable();
            Ok(closed)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn letter(status: LetterStatus, deadline: Option<DateTime<Utc>>) -> letter::Model {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
        letter::Model {
            id: 1,
            slug: "l".into(),
            title: "L".into(),
            summary: String::new(),
            body: String::new(),
            language: "en".into(),
            status,
            goal: None,
            deadline,
            opened_at: Some(at),
            created_at: at,
            updated_at: at,
            individuals_may_sign: true,
            organisations_may_sign: true,
            organisations_need_approval: false,
            preview_key: None,
            version: 1,
            closed_at: None,
        }
    }

    #[test]
    fn each_kind_is_taken_only_when_staff_allowed_it() {
        let mut l = letter(LetterStatus::Open, None);
        l.individuals_may_sign = false;
        assert!(!takes_kind(&l, SignatureKind::Individual));
        assert!(takes_kind(&l, SignatureKind::Organisation));
        l.individuals_may_sign = true;
        l.organisations_may_sign = false;
        assert!(takes_kind(&l, SignatureKind::Individual));
        assert!(!takes_kind(&l, SignatureKind::Organisation));
    }

    #[test]
    fn the_lifecycle_allows_only_its_own_moves() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().unwrap();
        let mut draft = letter(LetterStatus::Draft, None);
        draft.title = "T".into();
        draft.body = "B".into();
        assert_eq!(check_move(&draft, 1, Move::Publish, now), Ok(()));
        assert_eq!(
            check_move(&draft, 0, Move::Publish, now),
            Err(MoveRefused::NoTarget)
        );
        let mut empty = draft.clone();
        empty.body = "  ".into();
        assert_eq!(
            check_move(&empty, 1, Move::Publish, now),
            Err(MoveRefused::NoText)
        );
        assert_eq!(
            check_move(&draft, 1, Move::Close, now),
            Err(MoveRefused::NotOpen("draft"))
        );
        assert_eq!(
            check_move(&draft, 1, Move::Reopen, now),
            Err(MoveRefused::NotClosed("draft"))
        );
        let open = letter(LetterStatus::Open, Some(now - Duration::days(1)));
        // An open letter past its deadline can still be closed, by staff or the job.
        assert_eq!(check_move(&open, 1, Move::Close, now), Ok(()));
        assert_eq!(
            check_move(&open, 1, Move::Publish, now),
            Err(MoveRefused::NotDraft("open"))
        );
        let closed = letter(LetterStatus::Closed, Some(now));
        assert_eq!(
            check_move(&closed, 1, Move::Reopen, now),
            Err(MoveRefused::DeadlinePassed)
        );
        let closed = letter(LetterStatus::Closed, Some(now + Duration::days(1)));
        assert_eq!(check_move(&closed, 1, Move::Reopen, now), Ok(()));
        assert_eq!(
            check_move(&closed, 0, Move::Reopen, now),
            Err(MoveRefused::NoTarget)
        );
        let mut late_draft = draft.clone();
        late_draft.deadline = Some(now);
        assert_eq!(
            check_move(&late_draft, 1, Move::Publish, now),
            Err(MoveRefused::DeadlinePassed)
        );
    }

    #[test]
    fn deliveries_wait_for_what_they_were_scheduled_at() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().unwrap();
        let draft = letter(LetterStatus::Draft, None);
        assert_eq!(
            check_delivery(&draft, DeliveryStart::Now),
            Err(DeliveryRefused::Draft)
        );
        assert!(!delivery_due(&draft, DeliveryStart::Now, 0, now));
        let mut open = letter(LetterStatus::Open, None);
        assert_eq!(check_delivery(&open, DeliveryStart::Now), Ok(()));
        assert_eq!(
            check_delivery(&open, DeliveryStart::AtDeadline),
            Err(DeliveryRefused::NoDeadline)
        );
        assert_eq!(
            check_delivery(&open, DeliveryStart::AtGoal),
            Err(DeliveryRefused::NoGoal)
        );
        open.deadline = Some(now);
        open.goal = Some(10);
        assert!(delivery_due(&open, DeliveryStart::AtDeadline, 0, now));
        assert!(!delivery_due(
            &open,
            DeliveryStart::AtDeadline,
            0,
            now - Duration::seconds(1)
        ));
        assert!(!delivery_due(&open, DeliveryStart::AtGoal, 9, now));
        assert!(delivery_due(&open, DeliveryStart::AtGoal, 10, now));
        let delivered = letter(LetterStatus::Delivered, None);
        assert_eq!(check_delivery(&delivered, DeliveryStart::Now), Ok(()));
    }

    #[test]
    fn a_preview_key_must_match_exactly() {
        let mut l = letter(LetterStatus::Draft, None);
        assert!(!preview_key_matches(&l, ""));
        assert!(!preview_key_matches(&l, "anything"));
        l.preview_key = Some("abcDEF-_123".into());
        assert!(preview_key_matches(&l, "abcDEF-_123"));
        assert!(!preview_key_matches(&l, "abcDEF-_12"));
        assert!(!preview_key_matches(&l, "abcDEF-_1234"));
        assert!(!preview_key_matches(&l, "ABCDEF-_123"));
        assert!(!preview_key_matches(&l, ""));
    }

    #[test]
    fn only_an_open_letter_before_its_deadline_takes_signatures() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).single().unwrap();
        assert!(accepts_signatures(&letter(LetterStatus::Open, None), now));
        let later = Some(now + Duration::seconds(1));
        assert!(accepts_signatures(&letter(LetterStatus::Open, later), now));
        // The deadline itself is already too late.
        assert!(!accepts_signatures(
            &letter(LetterStatus::Open, Some(now)),
            now
        ));
        for status in [
            LetterStatus::Draft,
            LetterStatus::Closed,
            LetterStatus::Delivered,
        ] {
            assert!(!accepts_signatures(&letter(status, None), now));
        }
    }
}
