//! Reading deliveries back: for staff (each target's state from its outbox row) and for
//! the public receipt (started deliveries only, no addresses).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::state;
use crate::entities::{OutboxStatus, delivery, delivery_notice, delivery_target, outbox};

/// Most deliveries the staff screen and the receipt show (newest first).
pub const SHOWN: u64 = 20;

/// Where one target's email is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetState {
    /// The delivery has not started (scheduled or cancelled).
    Waiting,
    /// In the outbox, not tried yet.
    Queued,
    /// Tried and failed for now; will be tried again at the given time.
    Retrying {
        reason: String,
        at: DateTime<Utc>,
    },
    Sent {
        at: DateTime<Utc>,
    },
    /// Given up; the reason the relay gave.
    Failed {
        reason: String,
    },
}

impl TargetState {
    /// The word staff see.
    pub fn name(&self) -> &'static str {
        match self {
            TargetState::Waiting => "waiting",
            TargetState::Queued => "queued",
            TargetState::Retrying { .. } => "retrying",
            TargetState::Sent { .. } => "sent",
            TargetState::Failed { .. } => "failed",
        }
    }
}

/// One target of a delivery.
#[derive(Clone, Debug)]
pub struct TargetView {
    pub target: delivery_target::Model,
    pub state: TargetState,
}

/// One delivery with its targets and how its notices are going.
#[derive(Clone, Debug)]
pub struct DeliveryView {
    pub delivery: delivery::Model,
    pub targets: Vec<TargetView>,
    /// Notices by state (`queued`, `sending`, `sent`, `skipped`).
    pub notices: BTreeMap<String, u64>,
}

fn target_state(
    d: &delivery::Model,
    t: &delivery_target::Model,
    row: Option<&outbox::Model>,
) -> TargetState {
    if d.state != state::STARTED {
        return TargetState::Waiting;
    }
    match row {
        Some(r) if r.status == OutboxStatus::Sent => TargetState::Sent {
            at: r.finished_at.or(t.sent_at).unwrap_or(r.run_at),
        },
        Some(r) if r.status == OutboxStatus::Failed => TargetState::Failed {
            reason: r.last_error.clone().unwrap_or_default(),
        },
        Some(r) => match &r.last_error {
            Some(reason) => TargetState::Retrying {
                reason: reason.clone(),
                at: r.run_at,
            },
            None => TargetState::Queued,
        },
        // The outbox row was purged (sent long ago), or never queued.
        None => match t.sent_at {
            Some(at) => TargetState::Sent { at },
            None => TargetState::Queued,
        },
    }
}

/// The letter's latest deliveries, newest first, with their targets' states.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Vec<DeliveryView>, DbErr> {
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::LetterId.eq(letter_id))
        .order_by_desc(delivery::Column::Id)
        .limit(SHOWN)
        .all(conn)
        .await?;
    let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
    let targets = delivery_target::Entity::find()
        .filter(delivery_target::Column::DeliveryId.is_in(ids.clone()))
        .order_by_asc(delivery_target::Column::DeliveryId)
        .order_by_asc(delivery_target::Column::Position)
        .all(conn)
        .await?;
    let outbox_ids: Vec<i64> = targets.iter().filter_map(|t| t.outbox_id).collect();
    let rows: BTreeMap<i64, outbox::Model> = outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(outbox_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let notice_counts: Vec<(i64, String, i64)> = delivery_notice::Entity::find()
        .select_only()
        .column(delivery_notice::Column::DeliveryId)
        .column(delivery_notice::Column::State)
        .column_as(delivery_notice::Column::Id.count(), "n")
        .filter(delivery_notice::Column::DeliveryId.is_in(ids))
        .group_by(delivery_notice::Column::DeliveryId)
        .group_by(delivery_notice::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let targets = targets
                .iter()
                .filter(|t| t.delivery_id == d.id)
                .map(|t| TargetView {
                    state: target_state(&d, t, t.outbox_id.and_then(|id| rows.get(&id))),
                    target: t.clone(),
                })
                .collect();
            let notices = notice_counts
                .iter()
                .filter(|(id, _, _)| *id == d.id)
                .map(|(_, s, n)| (s.clone(), u64::try_from(*n).unwrap_or(0)))
                .collect();
            DeliveryView {
                delivery: d,
                targets,
                notices,
            }
        })
        .collect())
}

/// One institution on the public receipt.
#[derive(Clone, Debug)]
pub struct ReceiptTarget {
    pub name: String,
    /// When the relay took the email; `None` while it is being sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A started delivery, as the public sees it.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub delivery_id: i64,
    pub started_at: DateTime<Utc>,
    pub version: i32,
    pub individuals: i64,
    pub organisations: i64,
    pub list_size: Option<i64>,
    pub list_root: Option<String>,
    pub targets: Vec<ReceiptTarget>,
}

/// The receipts of the letter's started deliveries, newest first.
pub async fn receipts<C: ConnectionTrait>(conn: &C, letter_id: i64) -> Result<Vec<Receipt>, DbErr> {
    let views = recent(conn, letter_id).await?;
    Ok(views
        .into_iter()
        .filter(|v| v.delivery.state == state::STARTED)
        .map(|v| Receipt {
            delivery_id: v.delivery.id,
            started_at: v.delivery.started_at.unwrap_or(v.delivery.created_at),
            version: v.delivery.version.unwrap_or(1),
            individuals: v.delivery.individual_count.unwrap_or(0),
            organisations: v.delivery.organisation_count.unwrap_or(0),
            list_size: v.delivery.list_size,
            list_root: v.delivery.list_root.clone(),
            targets: v
                .targets
                .iter()
                .map(|t| ReceiptTarget {
                    name: t.target.name.clone(),
                    sent_at: match t.state {
                        TargetState::Sent { at } => Some(at),
                        _ => None,
                    },
                })
                .collect(),
        })
        .collect())
}
