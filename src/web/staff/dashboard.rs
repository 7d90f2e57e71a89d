//! The letter dashboard (`/staff/letters/{id}/dashboard`, editors and admins): counts by
//! kind and status, signatures per hour over the last 7 days, who signed in the last hour,
//! and the outbox's state for the letter, so a flood or a mail problem shows at a glance.
//! Read-only; the figures come from `store::dashboard`.
//!
//! The heavy figures (counts by status, the chart, the last hour, the count of sent email)
//! read every signature of a letter, which takes about a second on a million rows
//! (`benches/dashboard.rs`); they are kept for `dashboard_cache_ttl` so that staff
//! reloading the page during a flood do not multiply that work. The rest (shown counts,
//! roll-up lag, queued and failed email) is read afresh on every load.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, Timelike, Utc};

use super::{Staff, page};
use crate::clock::span;
use crate::config::Settings;
use crate::entities::{LetterStatus, OutboxStatus, SignatureKind, SignatureStatus};
use crate::store::dashboard::{self, Hourly, LastHour, OutboxState, StatusCounts};
use crate::store::letters;
use crate::web::error::Step;
use crate::web::{AppState, WebError};

/// Hours in the chart: the last 7 days, the current hour included.
const CHART_HOURS: u32 = 7 * 24;
/// Most signatures of the last hour read for the top domains and networks.
const LAST_HOUR_CAP: u64 = 50_000;
/// Entries in each "top" list.
const TOP: usize = 10;
/// Failed outbox rows listed.
const FAILURES: u64 = 10;

/// Most letters whose figures are kept at once.
const CACHE_CAPACITY: usize = 100;

/// The figures that read every signature of the letter.
#[derive(Debug)]
struct Heavy {
    counts: StatusCounts,
    hourly: Hourly,
    last_hour: LastHour,
    /// Emails sent for the letter: kept, so as many as its signatures at least.
    sent: i64,
}

/// One letter's heavy figures, read at `at`. The first request that misses fills the cell;
/// requests arriving meanwhile wait for it instead of reading the signatures too.
#[derive(Debug)]
struct Slot {
    at: DateTime<Utc>,
    cell: tokio::sync::OnceCell<Arc<Heavy>>,
}

/// The dashboards' heavy figures by letter, each kept for the TTL by the service clock.
#[derive(Debug)]
pub struct DashboardCache {
    ttl: Duration,
    slots: Mutex<HashMap<i64, Arc<Slot>>>,
}

impl DashboardCache {
    pub fn new(settings: &Settings) -> DashboardCache {
        DashboardCache {
            ttl: span(settings.dashboard_cache_ttl),
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The slot to read from: a fresh one is made when there is none or it has expired.
    fn slot(&self, letter_id: i64, now: DateTime<Utc>) -> Arc<Slot> {
        let fresh = || {
            Arc::new(Slot {
                at: now,
                cell: tokio::sync::OnceCell::new(),
            })
        };
        if self.ttl <= Duration::zero() {
            return fresh();
        }
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.get(&letter_id)
            && now < slot.at + self.ttl
            && now >= slot.at
        {
            return slot.clone();
        }
        slots.retain(|_, s| now < s.at + self.ttl && now >= s.at);
        if slots.len() >= CACHE_CAPACITY {
            slots.clear();
        }
        let slot = fresh();
        slots.insert(letter_id, slot.clone());
        slot
    }

    /// The letter's heavy figures and when they were read.
    async fn get(
        &self,
        db: &sea_orm::DatabaseConnection,
        letter_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(Arc<Heavy>, DateTime<Utc>), WebError> {
        let slot = self.slot(letter_id, now);
        let at = slot.at;
        let heavy = slot
            .cell
            .get_or_try_init(|| async move {
                let counts = dashboard::status_counts(db, letter_id)
                    .await
                    .step("counting the letter's signatures")?;
                let hourly = dashboard::hourly(db, letter_id, at, CHART_HOURS)
                    .await
                    .step("counting signatures per hour")?;
                let last_hour = dashboard::last_hour(db, letter_id, at, LAST_HOUR_CAP, TOP)
                    .await
                    .step("reading the last hour's signatures")?;
                let sent = dashboard::outbox_count(db, letter_id, OutboxStatus::Sent)
                    .await
                    .step("counting the letter's sent email")?;
                Ok::<_, WebError>(Arc::new(Heavy {
                    counts,
                    hourly,
                    last_hour,
                    sent,
                }))
            })
            .await?
            .clone();
        Ok((heavy, at))
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/staff/letters/{id}/dashboard", get(show))
}

async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let letter = letters::find_by_id(&state.db, id)
        .await
        .step("reading the letter")?
        .ok_or(WebError::NotFound)?;
    let now = state.clock.now();
    let (heavy, read_at) = state.dashboards.get(&state.db, id, now).await?;
    let shown = letters::counts(&state.db, id)
        .await
        .step("reading the shown counts")?;
    let lag = dashboard::roll_up_lag(&state.db, id)
        .await
        .step("reading the roll-up lag")?;
    let outbox = dashboard::outbox_state(&state.db, id, FAILURES)
        .await
        .step("reading the letter's outbox")?;

    let count_rows = [
        (SignatureKind::Individual, "Individuals", shown.individuals),
        (
            SignatureKind::Organisation,
            "Organisations",
            shown.organisations,
        ),
    ]
    .into_iter()
    .map(|(kind, label, shown)| count_row(&heavy.counts, kind, label, shown))
    .collect();
    let hourly = &heavy.hourly;
    let chart = templates::HourlyChart {
        span: "the last 7 days".into(),
        hours: (0..hourly.signed.len())
            .map(|i| {
                let start = hourly.start + Duration::hours(i as i64);
                templates::HourBar {
                    label: start.format("%Y-%m-%d %H:00").to_string(),
                    day: (start.hour() == 0).then(|| start.format("%-d %b").to_string()),
                    signed: hourly.signed[i],
                    confirmed: hourly.confirmed.get(i).copied().unwrap_or(0),
                }
            })
            .collect(),
    };
    Ok(page(templates::dashboard(&templates::DashboardPage {
        bar: staff.bar(),
        letter_id: id,
        letter_title: &letter.title,
        letter_status: status_word(letter.status),
        as_of: now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        cached_secs: u64::try_from((now - read_at).num_seconds()).unwrap_or(0),
        counts: count_rows,
        lag_waiting: lag.waiting,
        lag_oldest: lag.oldest.map(|t| age(now, t)),
        chart,
        last_hour: last_hour_view(id, &heavy.last_hour),
        outbox: outbox_view(now, outbox, heavy.sent, staff.is_admin()),
    })))
}

fn status_word(status: LetterStatus) -> &'static str {
    match status {
        LetterStatus::Draft => "draft",
        LetterStatus::Open => "open",
        LetterStatus::Closed => "closed",
        LetterStatus::Delivered => "delivered",
    }
}

fn count_row(
    counts: &StatusCounts,
    kind: SignatureKind,
    label: &'static str,
    shown: i64,
) -> templates::CountRow {
    templates::CountRow {
        kind: label,
        pending: counts.get(kind, SignatureStatus::Pending),
        held: counts.get(kind, SignatureStatus::Held),
        confirmed: counts.get(kind, SignatureStatus::Confirmed),
        rejected: counts.get(kind, SignatureStatus::Rejected),
        invalidated: counts.get(kind, SignatureStatus::Invalidated),
        withdrawn: counts.get(kind, SignatureStatus::Withdrawn),
        total: counts.total(kind),
        shown,
    }
}

/// The signature search of this letter, filtered by one field.
fn search_link(letter_id: i64, field: &str, value: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(field, value)
        .finish();
    format!("/staff/letters/{letter_id}/signatures?{query}")
}

fn last_hour_view(letter_id: i64, l: &LastHour) -> templates::LastHourView {
    let tallies = |rows: &[(String, i64)], field: &str| -> Vec<templates::Tally> {
        rows.iter()
            .map(|(label, count)| templates::Tally {
                href: search_link(letter_id, field, label),
                label: label.clone(),
                count: *count,
            })
            .collect()
    };
    templates::LastHourView {
        read: l.read,
        capped: l.capped,
        domains: tallies(&l.domains, "domain"),
        networks: tallies(&l.networks, "ip"),
        networks_64: tallies(&l.networks_64, "ip"),
    }
}

fn outbox_view(
    now: DateTime<Utc>,
    o: OutboxState,
    sent: i64,
    admin: bool,
) -> templates::OutboxView {
    templates::OutboxView {
        pending: o.pending,
        sent,
        failed: o.failed,
        oldest_pending: o.oldest_pending.map(|t| age(now, t)),
        failures: o
            .failures
            .into_iter()
            .map(|f| {
                let reason = f.last_error.unwrap_or_default();
                templates::FailureRow {
                    id: f.id,
                    kind: f.kind,
                    attempts: f.attempts,
                    // A relay's answer often names the address it refused.
                    reason: if admin {
                        reason
                    } else {
                        redact_addresses(&reason)
                    },
                    at: f
                        .finished_at
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                    recipient: if admin { f.recipient } else { None },
                }
            })
            .collect(),
        show_recipients: admin,
    }
}

/// How long ago `then` was, in the largest unit that says it: "40 s", "3 min", "2 h 5 min",
/// "3 days 4 h".
fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => {
            let days = s / 86_400;
            let unit = if days == 1 { "day" } else { "days" };
            format!("{days} {unit} {} h", s % 86_400 / 3600)
        }
    }
}

/// Replaces every email address in `text` with `[address]`, for staff who may not see
/// signers' addresses (editors).
fn redact_addresses(text: &str) -> String {
    let local = |c: char| c.is_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c);
    let domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut start = i;
            while start > 0 && local(chars[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && domain(chars[end]) {
                end += 1;
            }
            if start < i && end > i + 1 {
                // Drop the local part already copied, then the whole address.
                let copied: usize = chars[start..i].iter().map(|c| c.len_utf8()).sum();
                out.truncate(out.len() - copied);
                out.push_str("[address]");
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_taken_out_of_error_text() {
        assert_eq!(
            redact_addresses("550 5.1.1 <nobody@example.org>: Recipient address rejected"),
            "550 5.1.1 <[address]>: Recipient address rejected"
        );
        assert_eq!(
            redact_addresses("a.b+c@x.example and é@y.example, @ alone, x@"),
            "[address] and [address], @ alone, x@"
        );
    }

    #[test]
    fn ages_read_naturally() {
        let now = Utc::now();
        assert_eq!(age(now, now - Duration::seconds(40)), "40 s");
        assert_eq!(age(now, now - Duration::minutes(3)), "3 min");
        assert_eq!(age(now, now - Duration::minutes(125)), "2 h 5 min");
        assert_eq!(age(now, now - Duration::hours(25)), "1 day 1 h");
        assert_eq!(age(now, now + Duration::seconds(5)), "0 s");
    }

    #[test]
    fn search_links_encode_their_value() {
        assert_eq!(
            search_link(7, "ip", "2001:db8::/48"),
            "/staff/letters/7/signatures?ip=2001%3Adb8%3A%3A%2F48"
        );
    }
}
