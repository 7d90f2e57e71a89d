//! Delivering a letter to its targets: staff ask for a delivery (to all or some targets,
//! now, at the deadline or when the goal is reached); when it is due it is **sealed** (the
//! letter becomes `delivered` and what is sent is fixed: the text version, the counts,
//! the last signature listed, the list's size and root); then it is **started** (one
//! outbox email per target). Signers who asked for news are told, in batches at
//! `delivery_notices_per_minute`, by [`tick`], which the worker runs beside the deadline
//! check.
//!
//! Everything that must happen later goes through the outbox, queued in the transaction
//! that decided it. The attachments are built by the worker at send time from the sealed
//! snapshot (`jobs`), so a resend sends the same text, counts and root; its list holds the
//! same signatures except those withdrawn or invalidated since, which are never sent on.
//!
//! States of a delivery: `scheduled` -> `sealed` -> `started`, or `scheduled` ->
//! `cancelled`. Sealing and starting are separate steps so that the list's snapshot can
//! be taken in between, once the letter takes no more signatures; a crash between them
//! leaves a `sealed` delivery that the next [`tick`] starts.

pub mod jobs;
mod view;

pub use view::{DeliveryView, Receipt, ReceiptTarget, TargetState, TargetView, receipts, recent};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::auth::audit::{self, Actor, Entry};
use crate::config::Settings;
use crate::entities::{
    LetterStatus, SignatureKind, SignatureStatus, delivery, delivery_notice, delivery_target,
    letter, outbox, signature,
};
use crate::letters::{DeliveryRefused, DeliveryStart, check_delivery, delivery_due};
use crate::outbox::{Job, enqueue, enqueue_at};
use crate::store::{letters, signatures};

/// When a delivery starts, as stored in `deliveries.trigger`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Now,
    Deadline,
    Goal,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Now => "now",
            Trigger::Deadline => "deadline",
            Trigger::Goal => "goal",
        }
    }

    pub fn parse(s: &str) -> Option<Trigger> {
        match s {
            "now" => Some(Trigger::Now),
            "deadline" => Some(Trigger::Deadline),
            "goal" => Some(Trigger::Goal),
            _ => None,
        }
    }

    fn start(self) -> DeliveryStart {
        match self {
            Trigger::Now => DeliveryStart::Now,
            Trigger::Deadline => DeliveryStart::AtDeadline,
            Trigger::Goal => DeliveryStart::AtGoal,
        }
    }
}

/// Where a delivery is, as stored in `deliveries.state`.
pub mod state {
    pub const SCHEDULED: &str = "scheduled";
    pub const SEALED: &str = "sealed";
    pub const STARTED: &str = "started";
    pub const CANCELLED: &str = "cancelled";
}

/// States of a notice (`delivery_notices.state`).
pub mod notice_state {
    pub const QUEUED: &str = "queued";
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    pub const SKIPPED: &str = "skipped";
}

/// What staff ask for.
#[derive(Clone, Debug)]
pub struct Request {
    pub letter_id: i64,
    pub trigger: Trigger,
    /// Already checked to be an address.
    pub reply_to: String,
    /// Ids of the letter's targets to send to (at least one).
    pub target_ids: Vec<i64>,
}

/// Why a request for a delivery (or a resend, or a cancellation) was refused, for staff.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    Letter(#[from] DeliveryRefused),
    #[error("Choose at least one target to deliver the letter to.")]
    NoTarget,
    #[error("A chosen target is no longer one of this letter's targets. Reload the page.")]
    UnknownTarget,
    #[error("This delivery has not started, so there is nothing to send again.")]
    NotStarted,
    #[error(
        "The last email to this target is still being sent. Wait for it to be sent or to fail."
    )]
    StillSending,
    #[error("Only a scheduled delivery can be cancelled; this one is {0}.")]
    NotScheduled(String),
}

/// Records a delivery asked for by `actor` with its targets, in `conn` (a write
/// transaction), and seals it at once when it starts now. Returns its id.
pub async fn ask<C: ConnectionTrait>(
    conn: &C,
    request: &Request,
    actor: Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<Result<i64, Refused>, DbErr> {
    let Some(letter) = letters::find_by_id(conn, request.letter_id).await? else {
        return Err(DbErr::RecordNotFound(format!(
            "letter {}",
            request.letter_id
        )));
    };
    if let Err(refused) = check_delivery(&letter, request.trigger.start()) {
        return Ok(Err(refused.into()));
    }
    if request.target_ids.is_empty() {
        return Ok(Err(Refused::NoTarget));
    }
    let targets = letters::targets(conn, letter.id).await?;
    let mut chosen = Vec::new();
    for id in &request.target_ids {
        match targets.iter().find(|t| t.id == *id) {
            Some(t)
                if !chosen
                    .iter()
                    .any(|c: &&crate::entities::target::Model| c.id == t.id) =>
            {
                chosen.push(t)
            }
            Some(_) => {}
            None => return Ok(Err(Refused::UnknownTarget)),
        }
    }
    chosen.sort_by_key(|t| (t.position, t.id));
    let created_by = match &actor {
        Actor::Account { id, .. } => Some(*id),
        _ => None,
    };
    let row = delivery::ActiveModel {
        letter_id: Set(letter.id),
        trigger: Set(request.trigger.as_str().to_owned()),
        state: Set(state::SCHEDULED.to_owned()),
        reply_to: Set(request.reply_to.clone()),
        created_by: Set(created_by),
        created_at: Set(now),
        notify: Set(false),
        notices_done: Set(false),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    for (position, t) in chosen.iter().enumerate() {
        delivery_target::ActiveModel {
            delivery_id: Set(row.id),
            letter_id: Set(letter.id),
            name: Set(t.name.clone()),
            email: Set(t.email.clone()),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            outbox_id: Set(None),
            sends: Set(0),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    audit::record(
        conn,
        Entry {
            actor: actor.clone(),
            action: "delivery.ask",
            subject: Some(&letter.slug),
            detail: Some(json!({
                "letter_id": letter.id,
                "delivery_id": row.id,
                "trigger": request.trigger.as_str(),
                "targets": chosen.iter().map(|t| &t.name).collect::<Vec<_>>(),
                "reply_to": request.reply_to,
            })),
            client_ip,
        },
        now,
    )
    .await?;
    if request.trigger == Trigger::Now {
        seal(conn, row.id, actor, now).await?;
    }
    Ok(Ok(row.id))
}

/// Seals a scheduled delivery in `conn` (a write transaction): the letter becomes
/// `delivered` (and takes no more signatures), and the version, counts and last signature
/// are fixed. False when it was not scheduled any more (another worker sealed it).
pub async fn seal<C: ConnectionTrait>(
    conn: &C,
    delivery_id: i64,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(found) = delivery::Entity::find_by_id(delivery_id).one(conn).await? else {
        return Ok(false);
    };
    let Some(letter) = letters::find_by_id(conn, found.letter_id).await? else {
        return Ok(false);
    };
    let individuals =
        signatures::count_confirmed(conn, letter.id, SignatureKind::Individual).await?;
    let organisations =
        signatures::count_confirmed(conn, letter.id, SignatureKind::Organisation).await?;
    let last: Option<i64> = signature::Entity::find()
        .select_only()
        .column_as(signature::Column::Id.max(), "last")
        .filter(signature::Column::LetterId.eq(letter.id))
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten();
    // The letter's first delivery tells the signers; later ones (other targets, again) not.
    let earlier = delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(letter.id))
        .filter(delivery::Column::State.is_in([state::SEALED, state::STARTED]))
        .count(conn)
        .await?;
    let sealed = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(state::SEALED))
        .col_expr(delivery::Column::StartedAt, Expr::value(Some(now)))
        .col_expr(delivery::Column::Version, Expr::value(Some(letter.version)))
        .col_expr(
            delivery::Column::IndividualCount,
            Expr::value(Some(individuals)),
        )
        .col_expr(
            delivery::Column::OrganisationCount,
            Expr::value(Some(organisations)),
        )
        .col_expr(
            delivery::Column::LastSignatureId,
            Expr::value(Some(last.unwrap_or(0))),
        )
        .col_expr(delivery::Column::Notify, Expr::value(earlier == 0))
        .col_expr(delivery::Column::NoticesNextAt, Expr::value(Some(now)))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(state::SCHEDULED))
        .exec(conn)
        .await?;
    if sealed.rows_affected != 1 {
        return Ok(false);
    }
    let from = letter.status;
    if from != LetterStatus::Delivered {
        let mut active: letter::ActiveModel = letter.clone().into();
        active.status = Set(LetterStatus::Delivered);
        if letter.closed_at.is_none() {
            // Retention counts from here, as from a close.
            active.closed_at = Set(Some(now));
        }
        active.updated_at = Set(now);
        active.update(conn).await?;
        // Endpoints that follow the letter hear of it, in this same transaction.
        crate::webhooks::enqueue_event(
            conn,
            letter.id,
            crate::webhooks::Event::LetterDelivered,
            now,
        )
        .await?;
    }
    audit::record(
        conn,
        Entry {
            actor,
            action: "letter.deliver",
            subject: Some(&letter.slug),
            detail: Some(json!({
                "letter_id": letter.id,
                "delivery_id": delivery_id,
                "from": crate::letters::status_name(from),
                "trigger": found.trigger,
                "version": letter.version,
                "individuals": individuals,
                "organisations": organisations,
            })),
            client_ip: None,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Starts a sealed delivery: records the list's size and root, and queues one email per
/// target, in one transaction. False when it was not sealed (started by another worker).
pub async fn start(
    db: &DatabaseConnection,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(found) = delivery::Entity::find_by_id(delivery_id).one(db).await? else {
        return Ok(false);
    };
    if found.state != state::SEALED {
        return Ok(false);
    }
    let list = list_of(db, &found, now).await?;
    crate::db::write(db, move |txn| {
        let list = list.clone();
        Box::pin(async move {
            let started = delivery::Entity::update_many()
                .col_expr(delivery::Column::State, Expr::value(state::STARTED))
                .col_expr(delivery::Column::ListSize, Expr::value(list.size))
                .col_expr(delivery::Column::ListRoot, Expr::value(list.root.clone()))
                .filter(delivery::Column::Id.eq(delivery_id))
                .filter(delivery::Column::State.eq(state::SEALED))
                .exec(txn)
                .await?;
            if started.rows_affected != 1 {
                return Ok(false);
            }
            let targets = delivery_target::Entity::find()
                .filter(delivery_target::Column::DeliveryId.eq(delivery_id))
                .order_by_asc(delivery_target::Column::Position)
                .all(txn)
                .await?;
            for t in targets {
                queue_target(txn, &t, now).await?;
            }
            Ok(true)
        })
    })
    .await
}

/// The list's size and root recorded with a started delivery.
#[derive(Clone, Debug, Default)]
struct ListFigures {
    size: Option<i64>,
    root: Option<String>,
}

/// The size and root of the letter's public list as sealed: a snapshot of its verifiable
/// list (`crate::proof`), taken now that the letter takes no more signatures (the latest
/// one when nothing changed since it).
async fn list_of(
    db: &DatabaseConnection,
    found: &delivery::Model,
    now: DateTime<Utc>,
) -> Result<ListFigures, DbErr> {
    let snapshot = crate::proof::take_snapshot(db, found.letter_id, &Actor::System, now)
        .await
        .map_err(|e| match e {
            crate::proof::SnapshotError::Db(e) => e,
            other => DbErr::Custom(format!("taking the list snapshot: {other}")),
        })?;
    Ok(ListFigures {
        size: Some(i64::try_from(snapshot.size).unwrap_or(i64::MAX)),
        root: Some(snapshot.root),
    })
}

/// Queues (again) the email to one target and points the target at its outbox row.
async fn queue_target<C: ConnectionTrait>(
    conn: &C,
    target: &delivery_target::Model,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let outbox_id = enqueue(
        conn,
        &Job::DeliveryEmail {
            letter_id: target.letter_id,
            target_id: target.id,
        },
        now,
    )
    .await?;
    delivery_target::Entity::update_many()
        .col_expr(
            delivery_target::Column::OutboxId,
            Expr::value(Some(outbox_id)),
        )
        .col_expr(
            delivery_target::Column::Sends,
            sea_orm::sea_query::ExprTrait::add(Expr::col(delivery_target::Column::Sends), 1),
        )
        .filter(delivery_target::Column::Id.eq(target.id))
        .exec(conn)
        .await?;
    Ok(outbox_id)
}

/// Queues the email to one target of a started delivery of letter `letter_id` again (the
/// same snapshot), unless its last email is still pending.
pub async fn resend<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    target_id: i64,
    actor: Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<Option<Result<(), Refused>>, DbErr> {
    let Some(target) = delivery_target::Entity::find_by_id(target_id)
        .filter(delivery_target::Column::LetterId.eq(letter_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let Some(found) = delivery::Entity::find_by_id(target.delivery_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if found.state != state::STARTED {
        return Ok(Some(Err(Refused::NotStarted)));
    }
    if let Some(id) = target.outbox_id {
        let pending = outbox::Entity::find_by_id(id)
            .filter(outbox::Column::Status.eq(crate::entities::OutboxStatus::Pending))
            .count(conn)
            .await?;
        if pending > 0 {
            return Ok(Some(Err(Refused::StillSending)));
        }
    }
    queue_target(conn, &target, now).await?;
    let subject = format!("letter:{letter_id}");
    audit::record(
        conn,
        Entry {
            actor,
            action: "delivery.resend",
            subject: Some(&subject),
            detail: Some(json!({
                "letter_id": letter_id,
                "delivery_id": found.id,
                "target": target.name,
                "email": target.email,
            })),
            client_ip,
        },
        now,
    )
    .await?;
    Ok(Some(Ok(())))
}

/// Cancels a scheduled delivery of letter `letter_id`.
pub async fn cancel<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    delivery_id: i64,
    actor: Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<Option<Result<(), Refused>>, DbErr> {
    let Some(found) = delivery::Entity::find_by_id(delivery_id)
        .filter(delivery::Column::LetterId.eq(letter_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let cancelled = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(state::CANCELLED))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::State.eq(state::SCHEDULED))
        .exec(conn)
        .await?;
    if cancelled.rows_affected != 1 {
        return Ok(Some(Err(Refused::NotScheduled(found.state))));
    }
    let subject = format!("letter:{letter_id}");
    audit::record(
        conn,
        Entry {
            actor,
            action: "delivery.cancel",
            subject: Some(&subject),
            detail: Some(json!({ "letter_id": letter_id, "delivery_id": delivery_id })),
            client_ip,
        },
        now,
    )
    .await?;
    Ok(Some(Ok(())))
}

/// Most deliveries one step of [`tick`] looks at; the next run takes the rest.
const TICK_BATCH: u64 = 100;
/// Most notices queued in one transaction.
const NOTICE_BATCH: u64 = 500;
/// Notices are queued until their send times reach this far ahead of now; the rest wait
/// for a later tick, so the outbox never holds a whole list of them at once.
const NOTICE_HORIZON_SECS: i64 = 120;

/// What one [`tick`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub sealed: Vec<i64>,
    pub started: Vec<i64>,
    pub notices: u64,
}

/// The worker's periodic step: seals scheduled deliveries that are due (deadline passed,
/// goal reached), starts sealed ones, and queues the next notices of started ones at
/// their rate. Safe to run on several workers at once and to run again after a crash.
pub async fn tick(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<TickReport, DbErr> {
    let mut report = TickReport::default();
    let scheduled = delivery::Entity::find()
        .filter(delivery::Column::State.eq(state::SCHEDULED))
        .order_by_asc(delivery::Column::Id)
        .limit(TICK_BATCH)
        .all(db)
        .await?;
    for d in scheduled {
        let Some(letter) = letters::find_by_id(db, d.letter_id).await? else {
            continue;
        };
        let Some(trigger) = Trigger::parse(&d.trigger) else {
            continue;
        };
        let confirmed = letters::counts(db, letter.id).await?.total();
        if !delivery_due(&letter, trigger.start(), confirmed, now) {
            continue;
        }
        let id = d.id;
        let sealed = crate::db::write(db, move |txn| {
            Box::pin(async move { seal(txn, id, Actor::System, now).await })
        })
        .await?;
        if sealed {
            report.sealed.push(id);
        }
    }
    let sealed = delivery::Entity::find()
        .filter(delivery::Column::State.eq(state::SEALED))
        .order_by_asc(delivery::Column::Id)
        .limit(TICK_BATCH)
        .all(db)
        .await?;
    for d in sealed {
        if start(db, d.id, now).await? {
            report.started.push(d.id);
        }
    }
    let notifying = delivery::Entity::find()
        .filter(delivery::Column::State.eq(state::STARTED))
        .filter(delivery::Column::Notify.eq(true))
        .filter(delivery::Column::NoticesDone.eq(false))
        .order_by_asc(delivery::Column::Id)
        .limit(TICK_BATCH)
        .all(db)
        .await?;
    for d in notifying {
        // Bounded: a few batches per delivery per tick, and only up to the horizon.
        for _ in 0..4 {
            let queued = queue_notices(db, settings, d.id, now).await?;
            report.notices += queued;
            if queued == 0 {
                break;
            }
        }
    }
    Ok(report)
}

/// The time between two notices of one delivery.
fn notice_interval(settings: &Settings) -> Duration {
    let per_minute = i64::from(settings.delivery_notices_per_minute.max(1));
    Duration::milliseconds(60_000 / per_minute)
}

/// Queues the next batch of notices of a started delivery, each with its own send time
/// spaced by the rate, in one transaction with their `delivery_notices` rows (unique per
/// letter and signature) and the delivery's cursor. Returns how many were queued.
async fn queue_notices(
    db: &DatabaseConnection,
    settings: &Settings,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let interval = notice_interval(settings);
    let horizon = now + Duration::seconds(NOTICE_HORIZON_SECS);
    crate::db::write(db, move |txn| {
        Box::pin(async move {
            let Some(d) = delivery::Entity::find_by_id(delivery_id).one(txn).await? else {
                return Ok(0);
            };
            if d.state != state::STARTED || !d.notify || d.notices_done {
                return Ok(0);
            }
            let mut next = d.notices_next_at.unwrap_or(now).max(now);
            if next > horizon {
                return Ok(0);
            }
            let room = (horizon - next).num_milliseconds() / interval.num_milliseconds().max(1) + 1;
            let limit = u64::try_from(room).unwrap_or(1).clamp(1, NOTICE_BATCH);
            let mut query = signature::Entity::find()
                .select_only()
                .column(signature::Column::Id)
                .filter(signature::Column::LetterId.eq(d.letter_id))
                .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
                .filter(signature::Column::WantsUpdates.eq(true))
                .filter(signature::Column::Id.lte(d.last_signature_id.unwrap_or(0)))
                .order_by_asc(signature::Column::Id)
                .limit(limit);
            if let Some(after) = d.notices_after {
                query = query.filter(signature::Column::Id.gt(after));
            }
            let ids: Vec<i64> = query.into_tuple().all(txn).await?;
            let done = (ids.len() as u64) < limit;
            for id in &ids {
                let notice = delivery_notice::ActiveModel {
                    delivery_id: Set(d.id),
                    letter_id: Set(d.letter_id),
                    signature_id: Set(*id),
                    state: Set(notice_state::QUEUED.to_owned()),
                    created_at: Set(now),
                    sent_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                enqueue_at(
                    txn,
                    &Job::DeliveryNotice {
                        notice_id: notice.id,
                        signature_id: *id,
                    },
                    now,
                    next,
                )
                .await?;
                next += interval;
            }
            let mut active: delivery::ActiveModel = d.clone().into();
            if let Some(last) = ids.last() {
                active.notices_after = Set(Some(*last));
            }
            active.notices_next_at = Set(Some(next));
            active.notices_done = Set(done);
            active.update(txn).await?;
            Ok(ids.len() as u64)
        })
    })
    .await
}
