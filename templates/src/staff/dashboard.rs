//! The letter dashboard: signatures by kind and status, an hourly chart drawn as SVG on the
//! server (no script, no chart library) with the same numbers in a table, who signed in
//! the last hour, and the outbox's state for the letter.

use maud::{Markup, PreEscaped, html};

use super::{StaffBar, page};
use crate::util::format_count;

/// Signature counts of one kind, by status.
#[derive(Clone, Debug, Default)]
pub struct CountRow {
    /// "Individuals" or "Organisations".
    pub kind: &'static str,
    pub pending: i64,
    pub held: i64,
    pub confirmed: i64,
    pub rejected: i64,
    pub invalidated: i64,
    pub withdrawn: i64,
    pub total: i64,
    /// The count shown on the public page (rolled up).
    pub shown: i64,
}

/// One hour of the chart.
#[derive(Clone, Debug, Default)]
pub struct HourBar {
    /// When the hour starts, e.g. "2026-11-27 12:00" (UTC).
    pub label: String,
    /// The day it belongs to, e.g. "27 Nov", set on the first hour of each day (UTC) so
    /// the axis can mark days.
    pub day: Option<String>,
    pub signed: i64,
    pub confirmed: i64,
}

/// Signatures per hour over a stretch of days, oldest hour first.
#[derive(Clone, Debug, Default)]
pub struct HourlyChart {
    /// What the stretch is, e.g. "the last 7 days".
    pub span: String,
    pub hours: Vec<HourBar>,
}

/// One line of a "most frequent" list, linked to the signature search.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub label: String,
    pub count: i64,
    pub href: String,
}

/// Who signed in the last hour.
#[derive(Clone, Debug, Default)]
pub struct LastHourView {
    /// Signatures looked at.
    pub read: usize,
    /// Only the newest `read` were looked at.
    pub capped: bool,
    pub domains: Vec<Tally>,
    pub networks: Vec<Tally>,
    pub networks_64: Vec<Tally>,
}

/// A failed outbox job.
#[derive(Clone, Debug, Default)]
pub struct FailureRow {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub reason: String,
    pub at: String,
    /// Admins only; `None` for editors or when unknown.
    pub recipient: Option<String>,
}

/// The outbox rows of the letter.
#[derive(Clone, Debug, Default)]
pub struct OutboxView {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    /// How long the oldest pending row has waited, e.g. "3 min".
    pub oldest_pending: Option<String>,
    pub failures: Vec<FailureRow>,
    /// Whether the recipient column is shown (admins).
    pub show_recipients: bool,
}

/// The whole dashboard of one letter.
#[derive(Clone, Debug)]
pub struct DashboardPage<'a> {
    pub bar: StaffBar<'a>,
    pub letter_id: i64,
    pub letter_title: &'a str,
    pub letter_status: &'a str,
    /// When the figures were read, e.g. "2026-11-27 12:00:00 UTC".
    pub as_of: String,
    /// How many seconds before `as_of` the counts, chart and last hour were read (they
    /// are kept a few seconds); 0 when just read.
    pub cached_secs: u64,
    pub counts: Vec<CountRow>,
    /// Confirmations waiting for the roll-up, and how long the oldest has waited.
    pub lag_waiting: i64,
    pub lag_oldest: Option<String>,
    pub chart: HourlyChart,
    pub last_hour: LastHourView,
    pub outbox: OutboxView,
}

pub fn dashboard(p: &DashboardPage<'_>) -> Markup {
    let title = format!("Dashboard: {}", p.letter_title);
    page(
        &title,
        Some(&p.bar),
        html! {
            h1 { "Dashboard: " (p.letter_title) }
            p {
                "Letter #" (p.letter_id) ", " (p.letter_status) ". Figures as of " (p.as_of)
                @if p.cached_secs > 0 {
                    " (counts by status, chart, last hour and sent email read " (p.cached_secs) " s earlier)"
                }
                ". "
                a href=(format!("/staff/letters/{}", p.letter_id)) { "Back to the letter" }
                " · "
                a href=(format!("/staff/letters/{}/signatures", p.letter_id)) { "Search signatures" }
            }

            h2 { "Signatures by kind and status" }
            table.dashboard-counts {
                thead {
                    tr {
                        th scope="col" { "Kind" }
                        th scope="col" { "Pending" }
                        th scope="col" { "Held" }
                        th scope="col" { "Confirmed" }
                        th scope="col" { "Rejected" }
                        th scope="col" { "Invalidated" }
                        th scope="col" { "Withdrawn" }
                        th scope="col" { "All" }
                        th scope="col" { "Shown publicly" }
                    }
                }
                tbody {
                    @for c in &p.counts {
                        tr {
                            th scope="row" { (c.kind) }
                            td { (c.pending) } td { (c.held) } td { (c.confirmed) }
                            td { (c.rejected) } td { (c.invalidated) } td { (c.withdrawn) }
                            td { (c.total) }
                            td { (c.shown) }
                        }
                    }
                }
            }
            p {
                "Shown counts follow confirmations through the roll-up. "
                @if p.lag_waiting == 0 {
                    "No confirmation is waiting for it."
                } @else {
                    (p.lag_waiting) " confirmation" @if p.lag_waiting != 1 { "s" } " waiting for it"
                    @if let Some(oldest) = &p.lag_oldest { ", the oldest for " (oldest) }
                    "."
                }
            }

            h2 { "Signatures per hour" }
            (hourly_chart(&p.chart))

            h2 { "The last hour" }
            @if p.last_hour.capped {
                p { "Based on the newest " (format_count(p.last_hour.read as u64)) " signatures of the last hour." }
            } @else {
                p { (p.last_hour.read) " signature" @if p.last_hour.read != 1 { "s" } " in the last hour." }
            }
            div.dashboard-lists {
                (tally_table("dashboard-domains", "Top email domains", "Domain", &p.last_hour.domains))
                (tally_table("dashboard-networks", "Top networks (IPv4 /24, IPv6 /48)", "Network", &p.last_hour.networks))
                @if !p.last_hour.networks_64.is_empty() {
                    (tally_table("dashboard-networks-64", "Top IPv6 /64 networks", "Network", &p.last_hour.networks_64))
                }
            }

            h2 { "Email for this letter" }
            (outbox(&p.outbox))
        },
    )
}

fn tally_table(id: &str, caption: &str, what: &str, rows: &[Tally]) -> Markup {
    html! {
        table id=(id) {
            caption { (caption) }
            thead { tr { th scope="col" { (what) } th scope="col" { "Signatures" } } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan="2" { "None." } }
                }
                @for t in rows {
                    tr { td { a href=(t.href) { (t.label) } } td { (t.count) } }
                }
            }
        }
    }
}

fn outbox(o: &OutboxView) -> Markup {
    html! {
        dl.dashboard-outbox {
            dt { "Queued" } dd { (o.pending) }
            dt { "Sent" } dd { (o.sent) }
            dt { "Failed" } dd { (o.failed) }
            dt { "Oldest queued" } dd { (o.oldest_pending.as_deref().unwrap_or("nothing queued")) }
        }
        @if o.failures.is_empty() {
            p { "No email for this letter has failed." }
        } @else {
            table id="dashboard-failures" {
                caption { "Latest failures, newest first" }
                thead {
                    tr {
                        th scope="col" { "Job" }
                        th scope="col" { "Kind" }
                        @if o.show_recipients { th scope="col" { "Recipient" } }
                        th scope="col" { "Attempts" }
                        th scope="col" { "Failed at (UTC)" }
                        th scope="col" { "Reason" }
                    }
                }
                tbody {
                    @for f in &o.failures {
                        tr {
                            td { (f.id) }
                            td { (f.kind) }
                            @if o.show_recipients { td { (f.recipient.as_deref().unwrap_or("")) } }
                            td { (f.attempts) }
                            td { (f.at) }
                            td { code { (f.reason) } }
                        }
                    }
                }
            }
        }
    }
}

// The chart's geometry, in SVG user units (the SVG scales to the page's width).
const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 40.0;
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above `n`, so the
/// top of the axis is a number a person reads at a glance.
pub(crate) fn axis_top(n: i64) -> i64 {
    let n = n.max(1);
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            match step.checked_mul(m) {
                Some(v) if v >= n => return v,
                Some(_) => {}
                None => return n,
            }
        }
        match step.checked_mul(10) {
            Some(s) => step = s,
            None => return n,
        }
    }
}

/// A coordinate with at most one decimal, so the markup stays small.
fn c(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// Signatures per hour as an SVG: a bar for the signatures made in each hour and a line
/// for the confirmations, axes with labels, a title and a description for assistive
/// technology; the same numbers follow in a table inside a `<details>`.
pub fn hourly_chart(chart: &HourlyChart) -> Markup {
    let hours = chart.hours.len().max(1);
    let max = chart
        .hours
        .iter()
        .map(|h| h.signed.max(h.confirmed))
        .max()
        .unwrap_or(0);
    let top = axis_top(max);
    // Grid lines at whole, evenly spaced counts: 0, 2, 4 … 10, or 0, 1, 2 for a top of 2.
    let ticks = [5, 4, 2].into_iter().find(|n| top % n == 0).unwrap_or(1);
    let slot = PLOT_W / hours as f64;
    let y = |v: i64| TOP + PLOT_H - (v.max(0) as f64 / top as f64).min(1.0) * PLOT_H;
    let total_signed: i64 = chart.hours.iter().map(|h| h.signed).sum();
    let total_confirmed: i64 = chart.hours.iter().map(|h| h.confirmed).sum();
    let busiest = chart
        .hours
        .iter()
        .filter(|h| h.signed > 0)
        .max_by_key(|h| h.signed);
    let line: Vec<String> = chart
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                "{},{}",
                c(LEFT + slot * (i as f64 + 0.5)),
                c(y(h.confirmed))
            )
        })
        .collect();
    let description = if total_signed == 0 && total_confirmed == 0 {
        format!("No signatures in {}.", chart.span)
    } else {
        let busiest = busiest
            .map(|b| {
                format!(
                    " The busiest hour began {} with {} signatures.",
                    b.label, b.signed
                )
            })
            .unwrap_or_default();
        format!(
            "Bars: signatures made per hour; line: confirmations per hour, over {}. \
             {} made and {} confirmed in all.{}",
            chart.span, total_signed, total_confirmed, busiest
        )
    };
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(format!("0 0 {WIDTH} {HEIGHT}"))
                width="100%" aria-labelledby="chart-title chart-desc" {
                title id="chart-title" { "Signatures per hour, " (chart.span) }
                desc id="chart-desc" { (description) }
                // Horizontal grid lines with the count they stand for.
                @for i in 0..=ticks {
                    @let v = top / ticks * i;
                    @let at = y(v);
                    line x1=(c(LEFT)) x2=(c(WIDTH - RIGHT)) y1=(c(at)) y2=(c(at))
                        stroke="#d0d0d0" stroke-width="1" {}
                    text x=(c(LEFT - 6.0)) y=(c(at + 4.0)) text-anchor="end" font-size="12" fill="#333" {
                        (format_count(v.unsigned_abs()))
                    }
                }
                // One bar per hour with signatures; a bar of one is still visible.
                @for (i, h) in chart.hours.iter().enumerate() {
                    @if h.signed > 0 {
                        @let height = (TOP + PLOT_H - y(h.signed)).max(1.0);
                        rect x=(c(LEFT + slot * i as f64 + slot * 0.1)) y=(c(TOP + PLOT_H - height))
                            width=(c((slot * 0.8).max(0.5))) height=(c(height)) fill="#3a6ea5" {}
                    }
                }
                polyline points=(line.join(" ")) fill="none" stroke="#c0392b" stroke-width="1.5" {}
                // The axes, and a mark and a label at the start of each day.
                line x1=(c(LEFT)) x2=(c(LEFT)) y1=(c(TOP)) y2=(c(TOP + PLOT_H)) stroke="#333" stroke-width="1" {}
                line x1=(c(LEFT)) x2=(c(WIDTH - RIGHT)) y1=(c(TOP + PLOT_H)) y2=(c(TOP + PLOT_H)) stroke="#333" stroke-width="1" {}
                @for (i, h) in chart.hours.iter().enumerate() {
                    @if let Some(day) = &h.day {
                        @let x = LEFT + slot * i as f64;
                        line x1=(c(x)) x2=(c(x)) y1=(c(TOP + PLOT_H)) y2=(c(TOP + PLOT_H + 5.0)) stroke="#333" stroke-width="1" {}
                        text x=(c(x + 2.0)) y=(c(TOP + PLOT_H + 17.0)) font-size="12" fill="#333" { (day) }
                    }
                }
                text x=(c(LEFT + PLOT_W / 2.0)) y=(c(HEIGHT - 4.0)) text-anchor="middle" font-size="12" fill="#333" {
                    "Hour (UTC)"
                }
                text x="12" y=(c(TOP + PLOT_H / 2.0)) text-anchor="middle" font-size="12" fill="#333"
                    transform=(format!("rotate(-90 12 {})", c(TOP + PLOT_H / 2.0))) {
                    "Signatures"
                }
            }
            figcaption {
                span.chart-key.chart-key--signed { (PreEscaped("&#9632;")) } " Signatures made (bars) "
                span.chart-key.chart-key--confirmed { (PreEscaped("&#9472;")) } " Confirmations (line), per hour, " (chart.span) ", times in UTC."
            }
        }
        details.chart-numbers {
            summary { "The numbers, hour by hour" }
            @if total_signed == 0 && total_confirmed == 0 {
                p { "No signatures in " (chart.span) "." }
            } @else {
                table {
                    caption { "Signatures per hour, " (chart.span) "; hours without any are left out." }
                    thead {
                        tr {
                            th scope="col" { "Hour (UTC)" }
                            th scope="col" { "Signed" }
                            th scope="col" { "Confirmed" }
                        }
                    }
                    tbody {
                        @for h in &chart.hours {
                            @if h.signed > 0 || h.confirmed > 0 {
                                tr { th scope="row" { (h.label) } td { (h.signed) } td { (h.confirmed) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
