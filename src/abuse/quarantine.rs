//! Quarantine: signatures that match a documented rule are confirmed but held out of
//! the public list and count (`held`, `held_for = "quarantine"`, the rule in
//! `review_note`) until staff release them (→ `confirmed`, +1) or invalidate them on
//! the letter's quarantine page (`/staff/letters/{id}/quarantine`).
//!
//! Nothing is flagged silently: the signer is told on the confirmation page that their
//! signature is under review, and staff see which rule held it.
//!
//! The rules, evaluated once when the address is confirmed, inside the confirming write
//! transaction (`store::signatures::confirm_screened`, called from `web::confirm`), in
//! this order (the first that matches is recorded):
//!
//! 1. **Burst from one network** (`burst`): more than `quarantine_burst_per_prefix`
//!    confirmations on the letter from one /24 (IPv4) or /48 (IPv6) within
//!    `quarantine_burst_minutes` — the first N pass, later ones are held.
//! 2. **New domain with many signers** (`new-domain`): the address's email domain was
//!    first seen on the letter less than `quarantine_new_domain_hours` ago and the
//!    letter has more than `quarantine_new_domain_signers` signatures (of any status,
//!    this one included) from it. The big webmail providers ([`BIG_WEBMAIL`]) never
//!    match: thousands of real signers share them.
//! 3. **Look-alike name** (`look-alike`): the name's confusable skeleton
//!    (`domain::name_skeleton`) equals that of another confirmed or held signature of the
//!    same kind on the letter with a different address (a Cyrillic "Аnna" next to
//!    "Anna"; also two real people of the same name — staff release the second).
//!
//! Each rule is one indexed read bounded by its threshold (it fetches at most N ids),
//! so a flood of a million rows costs a confirmation no more than N index entries.
//! On SQLite write transactions run one at a time, so a threshold is exact; on
//! PostgreSQL (read committed) confirmations at the same instant may each not see the
//! other, so a burst can pass the threshold by the number confirming at once — the
//! rules pick signatures for staff to look at; they are not a limit.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::audit::{self, Entry};
use crate::config::Settings;
use crate::domain::{canonical_email, name_skeleton};
use crate::entities::{SignatureStatus, signature};
use crate::store::moderation::{Queue, Reviewer};
use crate::store::signatures::{NewSignature, add_count_delta};

/// `held_for` of a signature held by a quarantine rule.
pub const QUARANTINE: &str = "quarantine";

/// Email domains the new-domain rule never applies to: shared by so many real people
/// that many signers from one of them says nothing. Keep the README's list in step.
pub const BIG_WEBMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "t-online.de",
    "fastmail.com",
];

/// Which rule held a signature (stored in `review_note` as [`Rule::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Burst,
    NewDomain,
    LookAlike,
}

impl Rule {
    /// The short name kept in `review_note`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Burst => "burst",
            Rule::NewDomain => "new-domain",
            Rule::LookAlike => "look-alike",
        }
    }

    /// What staff read on the quarantine page.
    pub fn describe(code: Option<&str>) -> &'static str {
        match code {
            Some("burst") => "many confirmations from one network (/24 or /48) in a short time",
            Some("new-domain") => "an email domain new to this letter with many signers",
            Some("look-alike") => "a name that looks like another signer's, with another address",
            _ => "a quarantine rule",
        }
    }
}

/// The rules' thresholds, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    pub burst_per_prefix: u32,
    pub burst_window: Duration,
    pub new_domain_signers: u32,
    pub new_domain_window: Duration,
    pub skeleton_duplicates: bool,
}

impl Rules {
    pub fn from_settings(s: &Settings) -> Rules {
        Rules {
            burst_per_prefix: s.quarantine_burst_per_prefix,
            burst_window: Duration::from_secs(u64::from(s.quarantine_burst_minutes) * 60),
            new_domain_signers: s.quarantine_new_domain_signers,
            new_domain_window: Duration::from_secs(u64::from(s.quarantine_new_domain_hours) * 3600),
            skeleton_duplicates: s.quarantine_skeleton_duplicates,
        }
    }
}

/// The /24 (IPv4, IPv4-mapped IPv6 included) or /48 (IPv6) network of a stored client
/// address, like `203.0.113.0/24` or `2001:db8:1::/48` (the dashboard's networks,
/// `store::dashboard::prefixes`); `None` for anything else.
pub fn network_prefix(client_ip: &str) -> Option<String> {
    let ip: IpAddr = client_ip.trim().parse().ok()?;
    Some(crate::store::dashboard::prefixes(ip).0)
}

/// The keys the duplicate check and the rules use, for a new row: canonical address,
/// name skeleton, email domain and network. Called once, by `store::signatures::record`.
pub fn stamp(row: &mut signature::ActiveModel, new: &NewSignature) {
    row.email_canonical = Set(Some(canonical_email(new.email.normalized())));
    row.name_skeleton = Set(Some(name_skeleton(new.name.as_str())));
    row.email_domain = Set(Some(new.email.domain().to_owned()));
    row.network_prefix = Set(new.client_ip.as_deref().and_then(network_prefix));
}

/// The rule that holds `sig` at its confirmation at `now`, if one does. Run in the
/// confirming transaction, before the signature's own status changes.
pub async fn rule_hit<C: ConnectionTrait>(
    conn: &C,
    sig: &signature::Model,
    now: DateTime<Utc>,
    rules: &Rules,
) -> Result<Option<Rule>, DbErr> {
    let on_letter = || {
        signature::Entity::find()
            .select_only()
            .column(signature::Column::Id)
            .filter(signature::Column::LetterId.eq(sig.letter_id))
            .filter(signature::Column::Id.ne(sig.id))
    };
    let ids = |n: u32| u64::from(n);

    if rules.burst_per_prefix > 0
        && let Some(prefix) = &sig.network_prefix
    {
        let since = now - chrono::Duration::from_std(rules.burst_window).unwrap_or_default();
        let others: Vec<i64> = on_letter()
            .filter(signature::Column::NetworkPrefix.eq(prefix.as_str()))
            .filter(signature::Column::ConfirmedAt.gte(since))
            .limit(ids(rules.burst_per_prefix))
            .into_tuple()
            .all(conn)
            .await?;
        if others.len() as u64 >= ids(rules.burst_per_prefix) {
            return Ok(Some(Rule::Burst));
        }
    }

    if rules.new_domain_signers > 0
        && let Some(domain) = &sig.email_domain
        && !BIG_WEBMAIL.contains(&domain.as_str())
    {
        let first: Option<DateTime<Utc>> = signature::Entity::find()
            .select_only()
            .column(signature::Column::CreatedAt)
            .filter(signature::Column::LetterId.eq(sig.letter_id))
            .filter(signature::Column::EmailDomain.eq(domain.as_str()))
            .order_by_asc(signature::Column::CreatedAt)
            .limit(1)
            .into_tuple()
            .one(conn)
            .await?;
        let window = chrono::Duration::from_std(rules.new_domain_window).unwrap_or_default();
        if first.is_some_and(|first| first > now - window) {
            let others: Vec<i64> = on_letter()
                .filter(signature::Column::EmailDomain.eq(domain.as_str()))
                .limit(ids(rules.new_domain_signers))
                .into_tuple()
                .all(conn)
                .await?;
            if others.len() as u64 >= ids(rules.new_domain_signers) {
                return Ok(Some(Rule::NewDomain));
            }
        }
    }

    if rules.skeleton_duplicates
        && let Some(skeleton) = &sig.name_skeleton
        && !skeleton.is_empty()
    {
        let other: Option<i64> = on_letter()
            .filter(signature::Column::Kind.eq(sig.kind))
            .filter(signature::Column::NameSkeleton.eq(skeleton.as_str()))
            .filter(
                signature::Column::Status
                    .is_in([SignatureStatus::Confirmed, SignatureStatus::Held]),
            )
            // Another inbox: variants of one address are one signature already, so the
            // normalised address tells inboxes apart here (it is set on every row).
            .filter(signature::Column::EmailNormalized.ne(sig.email_normalized.as_str()))
            .limit(1)
            .into_tuple()
            .one(conn)
            .await?;
        if other.is_some() {
            return Ok(Some(Rule::LookAlike));
        }
    }
    Ok(None)
}

/// Signatures of a letter held by quarantine, oldest first, after the id `after`.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    after: Option<i64>,
    per_page: u64,
) -> Result<Queue, DbErr> {
    crate::store::moderation::held_queue(conn, letter_id, QUARANTINE, after, per_page).await
}

/// Releases a quarantined signature of `letter_id`: it becomes `confirmed` with its +1
/// for the roll-up, and the release goes to the audit log. One conditional update in
/// `conn` (a write transaction), so a double click acts once (`false` the second time).
pub async fn release<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    signature_id: i64,
    reviewer: &Reviewer,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(row) = signature::Entity::find_by_id(signature_id)
        .filter(signature::Column::LetterId.eq(letter_id))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    let updated = signature::Entity::update_many()
        .col_expr(
            signature::Column::Status,
            Expr::value(SignatureStatus::Confirmed),
        )
        .col_expr(
            signature::Column::HeldFor,
            Expr::value(Option::<String>::None),
        )
        .col_expr(signature::Column::ReviewedAt, Expr::value(Some(now)))
        .col_expr(
            signature::Column::ReviewedBy,
            Expr::value(Some(reviewer.account_id)),
        )
        .filter(signature::Column::Id.eq(signature_id))
        .filter(signature::Column::LetterId.eq(letter_id))
        .filter(signature::Column::Status.eq(SignatureStatus::Held))
        .filter(signature::Column::HeldFor.eq(QUARANTINE))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    add_count_delta(conn, letter_id, row.kind, 1, now).await?;
    // Released, it counts: the same event as a confirmation that was never held.
    let event = crate::webhooks::Event::SignatureConfirmed { signature_id };
    crate::webhooks::enqueue_event(conn, letter_id, event, now).await?;
    let subject = format!("signature {signature_id}");
    audit::record(
        conn,
        Entry {
            actor: reviewer.actor(),
            action: "signature.release",
            subject: Some(&subject),
            detail: Some(serde_json::json!({
                "letter_id": letter_id,
                "signature_id": signature_id,
                "rule": row.review_note,
            })),
            client_ip: reviewer.client_ip,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Rows filled in per transaction by [`backfill`].
const BACKFILL_BATCH: u64 = 500;

/// Fills in the canonical address, name skeleton, email domain and network of rows from
/// before those columns existed (`name_skeleton IS NULL` marks them), oldest first, a
/// batch per short write transaction; returns how many rows it filled in. Run after
/// migrating, before serving; a no-op once done.
///
/// Two old rows that turn out to be one inbox on one letter are both kept as they are:
/// they were confirmed and counted, and only staff should take one away (search by
/// address finds both). The later keeps `email_canonical` NULL, outside the unique
/// index; a new signing under any variant meets the earlier one.
pub async fn backfill(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let mut filled = 0;
    loop {
        let n = crate::db::write(db, |txn| {
            Box::pin(async move {
                let rows = signature::Entity::find()
                    .filter(signature::Column::NameSkeleton.is_null())
                    .order_by_asc(signature::Column::Id)
                    .limit(BACKFILL_BATCH)
                    .all(txn)
                    .await?;
                for row in &rows {
                    let canonical = canonical_email(&row.email_normalized);
                    let taken: Option<i64> = signature::Entity::find()
                        .select_only()
                        .column(signature::Column::Id)
                        .filter(signature::Column::LetterId.eq(row.letter_id))
                        .filter(signature::Column::Kind.eq(row.kind))
                        .filter(signature::Column::EmailCanonical.eq(canonical.as_str()))
                        .filter(signature::Column::Id.ne(row.id))
                        .into_tuple()
                        .one(txn)
                        .await?;
                    let domain = row
                        .email_normalized
                        .rsplit_once('@')
                        .map(|(_, d)| d.to_owned());
                    signature::Entity::update_many()
                        .col_expr(
                            signature::Column::EmailCanonical,
                            Expr::value(taken.is_none().then_some(canonical)),
                        )
                        .col_expr(
                            signature::Column::NameSkeleton,
                            Expr::value(Some(name_skeleton(&row.name))),
                        )
                        .col_expr(signature::Column::EmailDomain, Expr::value(domain))
                        .col_expr(
                            signature::Column::NetworkPrefix,
                            Expr::value(row.client_ip.as_deref().and_then(network_prefix)),
                        )
                        .filter(signature::Column::Id.eq(row.id))
                        .exec(txn)
                        .await?;
                }
                Ok(rows.len() as u64)
            })
        })
        .await?;
        filled += n;
        if n < BACKFILL_BATCH {
            return Ok(filled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_24_and_48() {
        assert_eq!(
            network_prefix("203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            network_prefix("::ffff:203.0.113.77").as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            network_prefix("2001:db8:1:2:3::9").as_deref(),
            Some("2001:db8:1::/48")
        );
        assert_eq!(network_prefix("not an address"), None);
    }
}
