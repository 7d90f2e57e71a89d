//! A letter's under-attack mode: on when its signing rate passes the threshold or staff
//! switch it on; an automatic one goes off by itself once the rate has fallen back (with
//! hysteresis: it stays on at least `under_attack_min_duration`, then goes off after a
//! whole minute below half the threshold). Each change is stored with its time and reason
//! and written to the audit log (`system` for automatic ones).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::durable::{self, Window};
use crate::auth::audit::{self, Actor, Entry};
use crate::config::Settings;
use crate::db::batch::Batch;
use crate::entities::attack_mode;

/// The under-attack settings, as the signing transaction needs them.
#[derive(Clone, Copy, Debug)]
pub struct AttackSettings {
    pub threshold_per_minute: i64,
    pub min_duration: chrono::Duration,
    pub pow_max_number: u64,
    pub pow_delay: chrono::Duration,
    pub pow_ttl: chrono::Duration,
}

impl AttackSettings {
    pub fn from_settings(s: &Settings) -> AttackSettings {
        let span =
            |d: std::time::Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        AttackSettings {
            threshold_per_minute: i64::from(s.under_attack_threshold_per_minute),
            min_duration: span(s.under_attack_min_duration),
            pow_max_number: s.pow_max_number,
            pow_delay: span(s.pow_delay),
            pow_ttl: span(s.pow_ttl),
        }
    }
}

/// The letter's mode as last switched, if it ever was.
pub async fn status<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Option<attack_mode::Model>, DbErr> {
    attack_mode::Entity::find_by_id(letter_id).one(conn).await
}

/// Whether the letter is under attack for a signing attempt that makes its rate `rate`
/// attempts this minute, switching the mode on or off by the threshold first.
/// The mode is read once per group-commit batch (`batch`); a switch makes the batch read
/// it again.
pub async fn update_and_check<C: ConnectionTrait>(
    conn: &C,
    batch: &Batch,
    settings: &AttackSettings,
    letter_id: i64,
    rate: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let current = batch.attack_mode(conn, letter_id).await?;
    let active = current.as_ref().is_some_and(|m| m.active);
    if !active {
        if rate > settings.threshold_per_minute {
            let reason = format!(
                "{rate} signing attempts in the minute from {} passed the threshold of {} a minute",
                DateTime::from_timestamp(Window::Minute.start(now), 0)
                    .unwrap_or(now)
                    .format("%H:%M UTC"),
                settings.threshold_per_minute
            );
            batch.forget_attack_mode(letter_id);
            if switch(conn, letter_id, true, true, &reason, "system", now).await? {
                record(conn, &Actor::System, letter_id, true, &reason, None, now).await?;
            }
            return Ok(true);
        }
        return Ok(false);
    }
    let Some(mode) = current else {
        return Ok(false);
    };
    if !mode.automatic || now < mode.changed_at + settings.min_duration {
        return Ok(true);
    }
    let previous = durable::count_spread(
        conn,
        &durable::attempts_key(letter_id),
        Window::Minute.start(now) - 60,
    )
    .await?;
    let calm = settings.threshold_per_minute / 2;
    // The last whole minute under half the threshold, and this one not above it so far.
    if previous >= calm || rate > calm {
        return Ok(true);
    }
    let reason = format!(
        "{previous} signing attempts in the last whole minute, under half the threshold of {} a minute",
        settings.threshold_per_minute
    );
    batch.forget_attack_mode(letter_id);
    if switch(conn, letter_id, false, true, &reason, "system", now).await? {
        record(conn, &Actor::System, letter_id, false, &reason, None, now).await?;
    }
    Ok(false)
}

/// Staff switch the mode on or off; recorded in the audit log with who and why.
pub async fn set_by_staff<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    on: bool,
    actor: &Actor,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let who = match actor {
        Actor::Account { email, .. } | Actor::Unknown { email } => email.clone(),
        Actor::Cli => "cli".into(),
        Actor::System => "system".into(),
        Actor::ApiKey { id } => format!("api-key:{id}"),
    };
    let reason = if on {
        format!("switched on by {who}")
    } else {
        format!("switched off by {who}")
    };
    switch(conn, letter_id, on, false, &reason, &who, now).await?;
    record(conn, actor, letter_id, on, &reason, client_ip, now).await
}

/// Stores the mode; returns whether it changed (so two replicas deciding at once write
/// one audit entry: the second finds the row already switched).
async fn switch<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    on: bool,
    automatic: bool,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = attack_mode::Entity::update_many()
        .col_expr(attack_mode::Column::Active, Expr::value(on))
        .col_expr(attack_mode::Column::Automatic, Expr::value(automatic))
        .col_expr(attack_mode::Column::ChangedAt, Expr::value(now))
        .col_expr(attack_mode::Column::Reason, Expr::value(reason))
        .col_expr(attack_mode::Column::ChangedBy, Expr::value(by))
        .filter(attack_mode::Column::LetterId.eq(letter_id));
    if automatic {
        // The threshold only switches a mode that is the other way; staff always write.
        update = update.filter(attack_mode::Column::Active.eq(!on));
    }
    let updated = update.exec(conn).await?;
    if updated.rows_affected > 0 {
        return Ok(true);
    }
    let inserted = attack_mode::Entity::insert(attack_mode::ActiveModel {
        letter_id: Set(letter_id),
        active: Set(on),
        automatic: Set(automatic),
        changed_at: Set(now),
        reason: Set(reason.to_owned()),
        changed_by: Set(by.to_owned()),
    })
    .on_conflict_do_nothing_on([attack_mode::Column::LetterId])
    .exec(conn)
    .await?;
    Ok(matches!(inserted, sea_orm::TryInsertResult::Inserted(_)))
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    letter_id: i64,
    on: bool,
    reason: &str,
    client_ip: Option<std::net::IpAddr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // The slug, as the other letter actions in the audit log have it.
    let subject = crate::entities::letter::Entity::find_by_id(letter_id)
        .one(conn)
        .await?
        .map(|l| l.slug)
        .unwrap_or_else(|| letter_id.to_string());
    audit::record(
        conn,
        Entry {
            actor: actor.clone(),
            action: if on {
                "letter.under_attack.on"
            } else {
                "letter.under_attack.off"
            },
            subject: Some(&subject),
            detail: Some(serde_json::json!({ "letter_id": letter_id, "reason": reason })),
            client_ip,
        },
        now,
    )
    .await
}
