//! Staff moderation of a letter's signatures: organisations held for approval (the queue,
//! approve, reject), the search, and invalidating or restoring one signature or every
//! match of a search.
//!
//! Every change is one conditional update (the status it changes from is part of the
//! `WHERE`), so a double click or two staff at once act once; a change to what is counted
//! appends to `count_deltas` in the same transaction, as a confirmation does, and the
//! roll-up and `counts::reconcile` (which counts only `confirmed`) agree with it.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::audit::{self, Actor, Entry};
use crate::db;
use crate::entities::{SignatureKind, SignatureStatus, letter, signature};
use crate::outbox::{self, Job};
use crate::store::signatures::add_count_delta;

/// `held_for` of an organisation waiting for staff approval.
pub const APPROVAL: &str = "approval";

/// Longest reason staff may give for a rejection (it goes into an email).
pub const REJECT_REASON_MAX_CHARS: usize = 1000;

/// Why a confirmation of this kind of signer on `letter` must wait for staff, if it must.
/// The one rule, called by `signatures::confirm` inside its transaction.
pub fn hold_reason(letter: &letter::Model, kind: SignatureKind) -> Option<&'static str> {
    (kind == SignatureKind::Organisation && letter.organisations_need_approval).then_some(APPROVAL)
}

/// The staff member acting, for `reviewed_by` and the audit log.
#[derive(Clone, Debug)]
pub struct Reviewer {
    pub account_id: i64,
    pub email: String,
    pub client_ip: Option<IpAddr>,
}

impl Reviewer {
    pub(crate) fn actor(&self) -> Actor {
        Actor::Account {
            id: self.account_id,
            email: self.email.clone(),
        }
    }
}

/// The part after the `@` of a (normalised) address.
pub fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// Whether an organisation's contact address belongs to its website: the website's host
/// without a leading `www.` and the email domain are equal, or one is a subdomain of the
/// other (`mail.rights.example` and `rights.example`). Without a public-suffix list this
/// cannot know registrable parts exactly, so a bare top-level domain never matches.
/// `None` when there is no usable website.
pub fn domain_matches(website: &str, email_domain: &str) -> Option<bool> {
    let url = url::Url::parse(website).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let domain = email_domain.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || domain.is_empty() {
        return Some(false);
    }
    let under =
        |long: &str, short: &str| short.contains('.') && long.ends_with(&format!(".{short}"));
    Some(host == domain || under(&host, &domain) || under(&domain, &host))
}

// ---------------------------------------------------------------------------------------
// Approval of organisations

/// One page of the approval queue (oldest first) and where the next starts.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    pub rows: Vec<signature::Model>,
    /// The id to pass as `after` for the next page, when there is one.
    pub next_after: Option<i64>,
}

/// Organisations of a letter held for approval, oldest first, after the id `after`.
pub async fn approval_queue<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    after: Option<i64>,
    per_page: u64,
) -> Result<Queue, DbErr> {
    held_queue(conn, letter_id, APPROVAL, after, per_page).await
}

/// Signatures of a letter held for the reason `held_for` (`approval`, `quarantine`),
/// oldest first, after the id `after` (a keyset page over
/// `idx_signatures_letter_status_id`).
pub async fn held_queue<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    held_for: &str,
    after: Option<i64>,
    per_page: u64,
) -> Result<Queue, DbErr> {
    let per_page = per_page.clamp(1, 200);
    let mut query = signature::Entity::find()
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Held))
        .filter(signature::Column::HeldFor.eq(held_for));
    if let Some(after) = after {
        query = query.filter(signature::Column::Id.gt(after));
    }
    let mut rows = query
        .order_by_asc(signature::Column::Id)
        .limit(per_page + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > per_page;
    rows.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
    let next_after = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Queue { rows, next_after })
}

/// What staff decided about a held organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// With the reason the contact is told (checked by the caller: present, not too long).
    Reject {
        reason: String,
    },
}

/// Approves or rejects a held organisation of `letter_id`, in `conn` (a write
/// transaction): one conditional update, so of two simultaneous decisions one acts and
/// the other returns `false`. Approval confirms it with its +1 for the roll-up, exactly
/// like a confirmation; either way the contact is emailed through the outbox and the
/// decision is recorded in the audit log.
pub async fn decide<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    signature_id: i64,
    decision: &Decision,
    reviewer: &Reviewer,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let (status, note) = match decision {
        Decision::Approve => (SignatureStatus::Confirmed, None),
        Decision::Reject { reason } => (SignatureStatus::Rejected, Some(reason.clone())),
    };
    let updated = signature::Entity::update_many()
        .col_expr(signature::Column::Status, Expr::value(status))
        .col_expr(
            signature::Column::HeldFor,
            Expr::value(Option::<String>::None),
        )
        .col_expr(signature::Column::ReviewedAt, Expr::value(Some(now)))
        .col_expr(
            signature::Column::ReviewedBy,
            Expr::value(Some(reviewer.account_id)),
        )
        .col_expr(signature::Column::ReviewNote, Expr::value(note.clone()))
        .filter(signature::Column::Id.eq(signature_id))
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Held))
        .filter(signature::Column::HeldFor.eq(APPROVAL))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    let row = signature::Entity::find_by_id(signature_id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("signature {signature_id}")))?;
    let (job, action) = match decision {
        Decision::Approve => {
            add_count_delta(conn, letter_id, row.kind, 1, now).await?;
            let event = crate::webhooks::Event::SignatureConfirmed { signature_id };
            crate::webhooks::enqueue_event(conn, letter_id, event, now).await?;
            (Job::ApprovalEmail { signature_id }, "signature.approve")
        }
        Decision::Reject { .. } => (Job::RejectionEmail { signature_id }, "signature.reject"),
    };
    outbox::enqueue(conn, &job, now).await?;
    let subject = format!("signature {signature_id}");
    audit::record(
        conn,
        Entry {
            actor: reviewer.actor(),
            action,
            subject: Some(&subject),
            detail: Some(serde_json::json!({
                "letter_id": letter_id,
                "signature_id": signature_id,
                "organisation": row.organisation_name,
                "reason": note,
            })),
            client_ip: reviewer.client_ip,
        },
        now,
    )
    .await?;
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// Search

/// An IP filter: a network (`203.0.113.0/24`, `2001:db8::/48`, or one address) compared
/// as addresses, or a plain textual prefix of the address as stored (`203.0.113.`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IpPrefix {
    Net(IpNet),
    Text(String),
}

impl IpPrefix {
    /// Longest input taken.
    pub const MAX_CHARS: usize = 50;

    pub fn parse(input: &str) -> Result<IpPrefix, String> {
        let t = input.trim();
        if t.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "An IP prefix has at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        if t.contains('/') {
            let net: IpNet = t.parse().map_err(|_| {
                "This is not a network: write one like 203.0.113.0/24 or 2001:db8::/48.".to_owned()
            })?;
            return Ok(IpPrefix::Net(net.trunc()));
        }
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(IpPrefix::Net(IpNet::from(ip)));
        }
        if !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
        {
            return Ok(IpPrefix::Text(t.to_ascii_lowercase()));
        }
        Err("Write a network like 203.0.113.0/24 or 2001:db8::/48, an address, or the start of one (digits, a–f, dots and colons).".to_owned())
    }

    /// Whether the SQL condition alone is exact. IPv4 networks are (their textual prefixes
    /// are exact, see `v4_condition`); IPv6 text is compressed (`2001:db8::1`), so an IPv6
    /// network is narrowed in SQL and checked exactly in Rust.
    fn exact_in_sql(&self) -> bool {
        !matches!(self, IpPrefix::Net(IpNet::V6(_)))
    }

    /// Whether an address as stored is in this prefix (the exact test).
    pub fn contains(&self, stored: Option<&str>) -> bool {
        let Some(stored) = stored else {
            return false;
        };
        match self {
            IpPrefix::Net(net) => stored.parse::<IpAddr>().is_ok_and(|ip| net.contains(&ip)),
            IpPrefix::Text(prefix) => stored.starts_with(prefix.as_str()),
        }
    }

    fn condition(&self) -> Condition {
        match self {
            IpPrefix::Net(IpNet::V4(net)) => v4_condition(*net),
            IpPrefix::Net(IpNet::V6(net)) => v6_condition(*net),
            IpPrefix::Text(prefix) => Condition::all().add(starts_with(prefix)),
        }
    }
}

impl std::fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IpPrefix::Net(net) if net.prefix_len() == net.max_prefix_len() => {
                write!(f, "{}", net.addr())
            }
            IpPrefix::Net(net) => write!(f, "{net}"),
            IpPrefix::Text(prefix) => f.write_str(prefix),
        }
    }
}

/// The escape character of every LIKE pattern here (not a backslash, whose meaning in
/// string literals differs between databases).
const LIKE_ESCAPE: char = '!';

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

fn like(pattern: String) -> LikeExpr {
    LikeExpr::new(pattern).escape(LIKE_ESCAPE)
}

fn starts_with(prefix: &str) -> Expr {
    Expr::col(signature::Column::ClientIp).like(like(format!("{}%", escape_like(prefix))))
}

/// An IPv4 network as textual prefixes of the stored addresses, exactly: a /24 is
/// `a.b.c.` (the dot keeps `1.2.3.` from matching `1.2.30.`), a /20 is the 16 prefixes
/// `a.b.112.` to `a.b.127.`, a /28 the 16 addresses themselves. At most 128 terms.
fn v4_condition(net: Ipv4Net) -> Condition {
    let len = net.prefix_len();
    let octets = net.network().octets();
    let column = || Expr::col(signature::Column::ClientIp);
    if len == 32 {
        return Condition::all().add(column().eq(net.network().to_string()));
    }
    let full = usize::from(len / 8);
    let rest = len % 8;
    let head: Vec<String> = octets[..full].iter().map(u8::to_string).collect();
    if rest == 0 {
        if full == 0 {
            // Every IPv4 address: dotted, no colon.
            return Condition::all()
                .add(column().like(like("%.%".into())))
                .add(column().not_like(like("%:%".into())));
        }
        return Condition::all().add(starts_with(&format!("{}.", head.join("."))));
    }
    let base = u16::from(octets[full]);
    let mut any = Condition::any();
    for value in base..base + (1u16 << (8 - rest)) {
        let mut parts = head.clone();
        parts.push(value.to_string());
        let text = parts.join(".");
        any = if full == 3 {
            any.add(column().eq(text))
        } else {
            any.add(starts_with(&format!("{text}.")))
        };
    }
    any
}

/// A condition every address of an IPv6 network meets (a colon, and the leading groups
/// that are fixed by the prefix and printed as they are: non-zero ones before any zero
/// group, which compression may hide). `IpPrefix::contains` then checks exactly.
fn v6_condition(net: Ipv6Net) -> Condition {
    let fixed = usize::from(net.prefix_len() / 16);
    let groups: Vec<String> = net
        .network()
        .segments()
        .iter()
        .take(fixed)
        .take_while(|g| **g != 0)
        .map(|g| format!("{g:x}"))
        .collect();
    let mut c =
        Condition::all().add(Expr::col(signature::Column::ClientIp).like(like("%:%".into())));
    if !groups.is_empty() {
        c = c.add(starts_with(&format!("{}:", groups.join(":"))));
    }
    c
}

/// The filters of a search, each checked; empty means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Lowercased; a substring of the name or the organisation's name, or its
    /// confusable skeleton a substring of the name's skeleton.
    pub name: Option<String>,
    /// Lowercased; a substring of the normalised address.
    pub email: Option<String>,
    /// Lowercased, without `@`; the whole part after the `@`.
    pub domain: Option<String>,
    pub ip: Option<IpPrefix>,
    pub status: Option<SignatureStatus>,
    pub kind: Option<SignatureKind>,
    /// First and last day (UTC) of `created_at`, both included.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The filters as typed, before checking.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawFilters<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub domain: &'a str,
    pub ip: &'a str,
    pub status: &'a str,
    pub kind: &'a str,
    pub from: &'a str,
    pub to: &'a str,
}

/// A filter that could not be read: the field (its form name) and what to say beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub field: &'static str,
    pub message: String,
}

/// Longest text filter taken (name, email, domain).
const MAX_FILTER_CHARS: usize = 320;

pub fn status_name(status: SignatureStatus) -> &'static str {
    match status {
        SignatureStatus::Pending => "pending",
        SignatureStatus::Confirmed => "confirmed",
        SignatureStatus::Held => "held",
        SignatureStatus::Rejected => "rejected",
        SignatureStatus::Invalidated => "invalidated",
        SignatureStatus::Withdrawn => "withdrawn",
    }
}

fn parse_status(s: &str) -> Option<SignatureStatus> {
    [
        SignatureStatus::Pending,
        SignatureStatus::Confirmed,
        SignatureStatus::Held,
        SignatureStatus::Rejected,
        SignatureStatus::Invalidated,
        SignatureStatus::Withdrawn,
    ]
    .into_iter()
    .find(|st| status_name(*st) == s)
}

impl Filters {
    /// Checks every field and reports each problem against its field.
    pub fn parse(raw: &RawFilters<'_>) -> Result<Filters, Vec<FilterError>> {
        let mut errors = Vec::new();
        let mut text = |field: &'static str, value: &str| -> Option<String> {
            let t = value.trim();
            if t.chars().count() > MAX_FILTER_CHARS {
                errors.push(FilterError {
                    field,
                    message: format!("Use at most {MAX_FILTER_CHARS} characters."),
                });
                return None;
            }
            // No stored text holds a control character (and PostgreSQL refuses a NUL in
            // a query), so such a filter is a mistake to point out, not a search to run.
            if t.chars().any(char::is_control) {
                errors.push(FilterError {
                    field,
                    message: "Remove the control characters (such as line breaks).".into(),
                });
                return None;
            }
            (!t.is_empty()).then(|| t.to_lowercase())
        };
        let name = text("name", raw.name);
        let email = text("email", raw.email);
        let domain = text("domain", raw.domain).map(|d| d.trim_start_matches('@').to_owned());
        if let Some(d) = &domain
            && (d.is_empty() || d.contains('@') || d.chars().any(char::is_whitespace))
        {
            errors.push(FilterError {
                field: "domain",
                message: "Write the part after the @ only, like example.org.".into(),
            });
        }
        let ip = match raw.ip.trim() {
            "" => None,
            t => match IpPrefix::parse(t) {
                Ok(p) => Some(p),
                Err(message) => {
                    errors.push(FilterError {
                        field: "ip",
                        message,
                    });
                    None
                }
            },
        };
        let status = match raw.status.trim() {
            "" | "any" => None,
            s => {
                let parsed = parse_status(s);
                if parsed.is_none() {
                    errors.push(FilterError {
                        field: "status",
                        message: "Choose a status from the list.".into(),
                    });
                }
                parsed
            }
        };
        let kind = match raw.kind.trim() {
            "" | "any" => None,
            "individual" => Some(SignatureKind::Individual),
            "organisation" => Some(SignatureKind::Organisation),
            _ => {
                errors.push(FilterError {
                    field: "kind",
                    message: "Choose individual or organisation.".into(),
                });
                None
            }
        };
        let mut date = |field: &'static str, value: &str| match value.trim() {
            "" => None,
            t => match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FilterError {
                        field,
                        message: "Write a date as YYYY-MM-DD, like 2026-11-29.".into(),
                    });
                    None
                }
            },
        };
        let from = date("from", raw.from);
        let to = date("to", raw.to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.push(FilterError {
                field: "to",
                message: "The last day comes before the first.".into(),
            });
        }
        if errors.is_empty() {
            Ok(Filters {
                name,
                email,
                domain,
                ip,
                status,
                kind,
                from,
                to,
            })
        } else {
            Err(errors)
        }
    }

    /// The filters in use as (form field, value) pairs: for links, hidden fields, the
    /// audit log and the sentence that describes them.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        push("name", self.name.clone());
        push("email", self.email.clone());
        push("domain", self.domain.clone());
        push("ip", self.ip.as_ref().map(ToString::to_string));
        push("status", self.status.map(|s| status_name(s).to_owned()));
        push("kind", self.kind.map(|k| k.as_str().to_owned()));
        push("from", self.from.map(|d| d.to_string()));
        push("to", self.to.map(|d| d.to_string()));
        out
    }

    fn exact_in_sql(&self) -> bool {
        self.ip.as_ref().is_none_or(IpPrefix::exact_in_sql)
    }

    /// The part of the filters SQL cannot decide exactly (an IPv6 network).
    fn ip_matches(&self, stored: Option<&str>) -> bool {
        match &self.ip {
            Some(ip) if !ip.exact_in_sql() => ip.contains(stored),
            _ => true,
        }
    }

    fn condition(&self, letter_id: i64) -> Condition {
        let col = |c: signature::Column| Expr::col(c);
        let mut c = Condition::all().add(signature::Column::LetterId.eq(letter_id));
        if let Some(name) = &self.name {
            let pattern = format!("%{}%", escape_like(name));
            c = c.add(
                Condition::any()
                    .add(
                        Expr::expr(Func::lower(col(signature::Column::Name)))
                            .like(like(pattern.clone())),
                    )
                    .add(
                        Expr::expr(Func::lower(col(signature::Column::OrganisationName)))
                            .like(like(pattern)),
                    )
                    // Look-alikes in other scripts ("Аnna" in Cyrillic for "anna"), by
                    // confusable skeleton (domain::name_skeleton).
                    .add_option(
                        Some(crate::domain::name_skeleton(name))
                            .filter(|skeleton| !skeleton.is_empty())
                            .map(|skeleton| {
                                col(signature::Column::NameSkeleton)
                                    .like(like(format!("%{}%", escape_like(&skeleton))))
                            }),
                    ),
            );
        }
        if let Some(email) = &self.email {
            c = c.add(
                col(signature::Column::EmailNormalized)
                    .like(like(format!("%{}%", escape_like(email)))),
            );
        }
        if let Some(domain) = &self.domain {
            c = c.add(
                col(signature::Column::EmailNormalized)
                    .like(like(format!("%@{}", escape_like(domain)))),
            );
        }
        if let Some(ip) = &self.ip {
            c = c.add(ip.condition());
        }
        if let Some(status) = self.status {
            c = c.add(signature::Column::Status.eq(status));
        }
        if let Some(kind) = self.kind {
            c = c.add(signature::Column::Kind.eq(kind));
        }
        if let Some(from) = self.from {
            c = c.add(signature::Column::CreatedAt.gte(start_of(from)));
        }
        if let Some(to) = self.to {
            let next = to.succ_opt().map(start_of);
            if let Some(next) = next {
                c = c.add(signature::Column::CreatedAt.lt(next));
            }
        }
        c
    }
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// One page of search results, newest first, and where the next page starts.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub rows: Vec<signature::Model>,
    /// The id to pass as `before` for the next page, when more may follow.
    pub next_before: Option<i64>,
}

/// Rows read per step when Rust must finish the filtering (an IPv6 network).
const SCAN_BATCH: u64 = 500;
/// Most rows one search request reads; past it, the page ends early with a link on.
const SCAN_LIMIT: usize = 5_000;

/// One page of the signatures of `letter_id` matching `filters`, newest first, before
/// the id `before` (a keyset page). A request reads at most `SCAN_LIMIT` rows: when Rust
/// must finish the filtering and the matches are sparse, the page may hold fewer than
/// `per_page` rows and still offer a next one.
pub async fn search<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    filters: &Filters,
    before: Option<i64>,
    per_page: u64,
) -> Result<Found, DbErr> {
    let per_page = per_page.clamp(1, 200);
    let limit = usize::try_from(per_page).unwrap_or(usize::MAX);
    let chunk = if filters.exact_in_sql() {
        per_page + 1
    } else {
        SCAN_BATCH
    };
    let mut cursor = before;
    let mut rows = Vec::new();
    let mut scanned = 0;
    loop {
        let mut query = signature::Entity::find().filter(filters.condition(letter_id));
        if let Some(cursor) = cursor {
            query = query.filter(signature::Column::Id.lt(cursor));
        }
        let batch = query
            .order_by_desc(signature::Column::Id)
            .limit(chunk)
            .all(conn)
            .await?;
        let full = batch.len() as u64 == chunk;
        scanned += batch.len();
        cursor = batch.last().map(|r| r.id).or(cursor);
        rows.extend(
            batch
                .into_iter()
                .filter(|r| filters.ip_matches(r.client_ip.as_deref())),
        );
        if rows.len() > limit {
            rows.truncate(limit);
            let next_before = rows.last().map(|r| r.id);
            return Ok(Found { rows, next_before });
        }
        if !full {
            return Ok(Found {
                rows,
                next_before: None,
            });
        }
        if scanned >= SCAN_LIMIT {
            return Ok(Found {
                rows,
                next_before: cursor,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------
// Invalidate and restore

/// What staff do to signatures found by a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// confirmed → invalidated (−1), held or pending → invalidated. `held_for` is kept so
    /// a restore knows where the signature was.
    Invalidate,
    /// invalidated → held when `held_for` is set, else confirmed (+1) when the address
    /// was confirmed, else pending.
    Restore,
}

impl Action {
    /// The statuses this action changes.
    pub fn from_statuses(self) -> &'static [SignatureStatus] {
        match self {
            Action::Invalidate => &[
                SignatureStatus::Pending,
                SignatureStatus::Confirmed,
                SignatureStatus::Held,
            ],
            Action::Restore => &[SignatureStatus::Invalidated],
        }
    }

    /// The audit log's name for it.
    pub fn audit_name(self) -> &'static str {
        match self {
            Action::Invalidate => "signature.invalidate",
            Action::Restore => "signature.restore",
        }
    }

    /// Whether a signature in `status` would be changed.
    pub fn applies_to(self, status: SignatureStatus) -> bool {
        self.from_statuses().contains(&status)
    }
}

/// Applies `action` to those of `ids` (signatures of `letter_id`) it applies to, in
/// `conn` (a write transaction), with the count deltas; returns how many changed.
async fn apply_to_ids<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    ids: &[i64],
    action: Action,
    reviewer_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let update = |to: SignatureStatus| {
        signature::Entity::update_many()
            .col_expr(signature::Column::Status, Expr::value(to))
            .col_expr(signature::Column::ReviewedAt, Expr::value(Some(now)))
            .col_expr(
                signature::Column::ReviewedBy,
                Expr::value(Some(reviewer_id)),
            )
            .filter(signature::Column::LetterId.eq(letter_id))
            .filter(signature::Column::Id.is_in(ids.iter().copied()))
    };
    let mut changed = 0;
    let kinds = [SignatureKind::Individual, SignatureKind::Organisation];
    match action {
        Action::Invalidate => {
            for kind in kinds {
                let n = update(SignatureStatus::Invalidated)
                    .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
                    .filter(signature::Column::Kind.eq(kind))
                    .exec(conn)
                    .await?
                    .rows_affected;
                if n > 0 {
                    add_count_delta(conn, letter_id, kind, -delta(n)?, now).await?;
                }
                changed += n;
            }
            changed += update(SignatureStatus::Invalidated)
                .filter(
                    signature::Column::Status
                        .is_in([SignatureStatus::Pending, SignatureStatus::Held]),
                )
                .exec(conn)
                .await?
                .rows_affected;
        }
        Action::Restore => {
            let invalidated = signature::Column::Status.eq(SignatureStatus::Invalidated);
            changed += update(SignatureStatus::Held)
                .filter(invalidated.clone())
                .filter(signature::Column::HeldFor.is_not_null())
                .exec(conn)
                .await?
                .rows_affected;
            for kind in kinds {
                let n = update(SignatureStatus::Confirmed)
                    .filter(invalidated.clone())
                    .filter(signature::Column::HeldFor.is_null())
                    .filter(signature::Column::ConfirmedAt.is_not_null())
                    .filter(signature::Column::Kind.eq(kind))
                    .exec(conn)
                    .await?
                    .rows_affected;
                if n > 0 {
                    add_count_delta(conn, letter_id, kind, delta(n)?, now).await?;
                }
                changed += n;
            }
            changed += update(SignatureStatus::Pending)
                .filter(invalidated)
                .filter(signature::Column::HeldFor.is_null())
                .filter(signature::Column::ConfirmedAt.is_null())
                .exec(conn)
                .await?
                .rows_affected;
        }
    }
    Ok(changed)
}

fn delta(n: u64) -> Result<i32, DbErr> {
    i32::try_from(n).map_err(|_| DbErr::Custom(format!("a count delta of {n} is too large")))
}

/// Applies `action` to one signature of `letter_id`, with its audit entry, in `conn` (a
/// write transaction); `false` when it did not apply (unknown, or not in a status the
/// action changes: a double click acts once).
pub async fn apply_one<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    signature_id: i64,
    action: Action,
    reviewer: &Reviewer,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changed = apply_to_ids(
        conn,
        letter_id,
        &[signature_id],
        action,
        reviewer.account_id,
        now,
    )
    .await?;
    if changed != 1 {
        return Ok(false);
    }
    let subject = format!("signature {signature_id}");
    audit::record(
        conn,
        Entry {
            actor: reviewer.actor(),
            action: action.audit_name(),
            subject: Some(&subject),
            detail: Some(serde_json::json!({
                "letter_id": letter_id,
                "signature_id": signature_id,
            })),
            client_ip: reviewer.client_ip,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// How many signatures an action on every match would change, and the newest of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Matches {
    pub count: u64,
    /// The highest id among them: the bulk action goes no further, so signatures made
    /// after the count was shown are never swept up unseen.
    pub upto: Option<i64>,
}

/// Counts the matches of `filters` that `action` would change, up to the id `upto`.
pub async fn count_matches<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    filters: &Filters,
    action: Action,
    upto: Option<i64>,
) -> Result<Matches, DbErr> {
    let mut query = signature::Entity::find()
        .filter(filters.condition(letter_id))
        .filter(signature::Column::Status.is_in(action.from_statuses().iter().copied()));
    if let Some(upto) = upto {
        query = query.filter(signature::Column::Id.lte(upto));
    }
    if filters.exact_in_sql() {
        let (count, max): (i64, Option<i64>) = query
            .select_only()
            .column_as(
                Expr::expr(Func::count(Expr::col(signature::Column::Id))),
                "n",
            )
            .column_as(Expr::expr(Func::max(Expr::col(signature::Column::Id))), "m")
            .into_tuple()
            .one(conn)
            .await?
            .unwrap_or((0, None));
        return Ok(Matches {
            count: u64::try_from(count).unwrap_or(0),
            upto: max,
        });
    }
    // An IPv6 network: read the candidates a batch at a time, check each in Rust.
    let mut found = Matches::default();
    let mut cursor: Option<i64> = None;
    loop {
        let mut batch_query = query.clone();
        if let Some(cursor) = cursor {
            batch_query = batch_query.filter(signature::Column::Id.lt(cursor));
        }
        let batch: Vec<(i64, Option<String>)> = batch_query
            .select_only()
            .column(signature::Column::Id)
            .column(signature::Column::ClientIp)
            .order_by_desc(signature::Column::Id)
            .limit(SCAN_BATCH)
            .into_tuple()
            .all(conn)
            .await?;
        let full = batch.len() as u64 == SCAN_BATCH;
        cursor = batch.last().map(|b| b.0);
        for (id, ip) in batch {
            if filters.ip_matches(ip.as_deref()) {
                found.count += 1;
                found.upto = Some(found.upto.map_or(id, |u| std::cmp::max(u, id)));
            }
        }
        if !full {
            return Ok(found);
        }
    }
}

/// Signatures changed per transaction by `apply_all`.
pub const BULK_BATCH: u64 = 500;

/// Applies `action` to every match of `filters` with an id up to `upto`, `BULK_BATCH` at
/// a time, each batch its own short write transaction (newest first, keyset by id), so
/// even a million matches never hold one long transaction; returns how many changed.
///
/// The audit entry (filters, the count staff were shown, the count changed) is written
/// in the transaction of the last batch; a run of several batches also writes
/// `<action>_started` in its first. A run cut short leaves its committed batches changed
/// (and its start in the log); running the same action again finishes the rest.
#[allow(clippy::too_many_arguments)]
pub async fn apply_all(
    db: &DatabaseConnection,
    letter_id: i64,
    filters: &Filters,
    action: Action,
    upto: i64,
    shown: u64,
    reviewer: &Reviewer,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let filters = Arc::new(filters.clone());
    let reviewer = Arc::new(reviewer.clone());
    let mut cursor = upto.saturating_add(1);
    let mut changed = 0u64;
    loop {
        let (f, r, so_far) = (filters.clone(), reviewer.clone(), changed);
        let (n, next, done) = db::write(db, move |txn| {
            let (f, r) = (f.clone(), r.clone());
            Box::pin(async move {
                let batch: Vec<(i64, Option<String>)> = signature::Entity::find()
                    .select_only()
                    .column(signature::Column::Id)
                    .column(signature::Column::ClientIp)
                    .filter(f.condition(letter_id))
                    .filter(signature::Column::Status.is_in(action.from_statuses().iter().copied()))
                    .filter(signature::Column::Id.lt(cursor))
                    .order_by_desc(signature::Column::Id)
                    .limit(BULK_BATCH)
                    .into_tuple()
                    .all(txn)
                    .await?;
                let done = (batch.len() as u64) < BULK_BATCH;
                let next = batch.last().map(|b| b.0).unwrap_or(cursor);
                let ids: Vec<i64> = batch
                    .into_iter()
                    .filter(|(_, ip)| f.ip_matches(ip.as_deref()))
                    .map(|(id, _)| id)
                    .collect();
                let n = if ids.is_empty() {
                    0
                } else {
                    apply_to_ids(txn, letter_id, &ids, action, r.account_id, now).await?
                };
                let first = cursor == upto.saturating_add(1);
                if done || first {
                    let filters: serde_json::Map<String, serde_json::Value> = f
                        .values()
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
                        .collect();
                    let subject = format!("letter {letter_id}");
                    // A run of several batches is recorded when it starts as well, so a
                    // run cut short is in the log with what it was asked to do (each
                    // signature it changed also carries `reviewed_at`/`reviewed_by`).
                    let started = format!("{}_started", action.audit_name());
                    audit::record(
                        txn,
                        Entry {
                            actor: r.actor(),
                            action: if done { action.audit_name() } else { &started },
                            subject: Some(&subject),
                            detail: Some(serde_json::json!({
                                "letter_id": letter_id,
                                "filters": filters,
                                "shown": shown,
                                "changed": so_far + n,
                                "upto": upto,
                            })),
                            client_ip: r.client_ip,
                        },
                        now,
                    )
                    .await?;
                }
                Ok((n, next, done))
            })
        })
        .await?;
        changed += n;
        if done {
            return Ok(changed);
        }
        cursor = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_their_website() {
        assert_eq!(
            domain_matches("https://www.rights.example/", "rights.example"),
            Some(true)
        );
        assert_eq!(
            domain_matches("https://rights.example/", "mail.rights.example"),
            Some(true)
        );
        assert_eq!(
            domain_matches("https://fr.rights.example/", "rights.example"),
            Some(true)
        );
        assert_eq!(
            domain_matches("https://rights.example/", "gmail.com"),
            Some(false)
        );
        assert_eq!(
            domain_matches("https://notrights.example/", "rights.example"),
            Some(false)
        );
        assert_eq!(
            domain_matches("https://rights.example/", "example"),
            Some(false)
        );
        assert_eq!(domain_matches("not a url", "rights.example"), None);
    }

    #[test]
    fn ip_prefixes_parse_networks_addresses_and_text() {
        let net = IpPrefix::parse("203.0.113.77/24").unwrap();
        assert_eq!(net.to_string(), "203.0.113.0/24");
        assert!(net.contains(Some("203.0.113.5")));
        assert!(!net.contains(Some("203.0.114.5")));
        let v6 = IpPrefix::parse("2001:db8::/48").unwrap();
        assert!(v6.contains(Some("2001:db8::1")));
        assert!(v6.contains(Some("2001:db8:0:ffff::1")));
        assert!(!v6.contains(Some("2001:db8:1::1")));
        assert_eq!(
            IpPrefix::parse("203.0.113.9").unwrap().to_string(),
            "203.0.113.9"
        );
        assert_eq!(
            IpPrefix::parse("203.0.").unwrap(),
            IpPrefix::Text("203.0.".into())
        );
        for bad in [
            "203.0.113.0/33",
            "2001:db8::/129",
            "abc/8",
            "1.2.3.4; drop",
            "x",
        ] {
            assert!(IpPrefix::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_report_each_bad_field() {
        let errors = Filters::parse(&RawFilters {
            ip: "10.0.0.0/40",
            from: "2026-13-01",
            status: "lost",
            kind: "robot",
            domain: "a@b",
            ..RawFilters::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["domain", "ip", "status", "kind", "from"]);
        let later_first = Filters::parse(&RawFilters {
            from: "2026-11-02",
            to: "2026-11-01",
            ..RawFilters::default()
        })
        .unwrap_err();
        assert_eq!(later_first[0].field, "to");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_a!b"), "50!%!_a!!b");
    }
}
