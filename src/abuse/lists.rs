//! The lists signing is screened against: the disposable-address domains (a data file,
//! read again on SIGHUP or by the staff button) and the operators' block and allow lists
//! of email domains and client address ranges (in the database, edited on
//! `/staff/lists`).
//!
//! Both are held in memory behind `ArcSwap`s, so a signing reads them without a lock or
//! a query. The operators' lists are read again when a change is made here and at most
//! every `screening_lists_refresh` otherwise, so replicas agree within that time.
//!
//! Precedence: an allow rule beats a block rule and the disposable list.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::config::Settings;
use crate::entities::screening_rule;

/// The disposable-address domains shipped with the service (CC0, see
/// `data/DISPOSABLE_DOMAINS.md`), used when no file is configured or it cannot be read.
pub const SHIPPED_DISPOSABLE_DOMAINS: &str =
    include_str!("../../data/disposable_email_blocklist.conf");

/// Most rules the operators' lists hold (each list read is bounded by it).
pub const MAX_RULES: u64 = 5_000;

/// A set of domains; a subdomain of a listed domain counts as listed.
#[derive(Debug, Default)]
pub struct DomainSet(HashSet<String>);

impl DomainSet {
    /// One domain per line; blank lines and `#` comments are skipped.
    pub fn parse(text: &str) -> DomainSet {
        DomainSet(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| l.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        )
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `domain` or one of its parent domains is in the set.
    pub fn covers(&self, domain: &str) -> bool {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = domain.as_str();
        loop {
            if self.0.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, parent)) if parent.contains('.') => rest = parent,
                _ => return false,
            }
        }
    }
}

/// A domain rule: `example.com` (that domain only) or `*.example.com` (its subdomains,
/// at any depth, but not `example.com` itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DomainPattern {
    Exact(String),
    Subdomains(String),
}

impl DomainPattern {
    /// Parses what an operator typed; `None` when it is no domain pattern.
    pub fn parse(input: &str) -> Option<DomainPattern> {
        let text = input.trim().trim_end_matches('.').to_ascii_lowercase();
        let (wild, domain) = match text.strip_prefix("*.") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, text),
        };
        let labels_ok = domain.len() <= 253
            && domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return None;
        }
        Some(if wild {
            DomainPattern::Subdomains(domain)
        } else {
            DomainPattern::Exact(domain)
        })
    }

    /// The stored form: `example.com` or `*.example.com`.
    pub fn as_stored(&self) -> String {
        match self {
            DomainPattern::Exact(d) => d.clone(),
            DomainPattern::Subdomains(d) => format!("*.{d}"),
        }
    }

    pub fn matches(&self, domain: &str) -> bool {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        match self {
            DomainPattern::Exact(d) => domain == *d,
            DomainPattern::Subdomains(d) => domain
                .strip_suffix(d.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

/// Parses an address range an operator typed: CIDR (`192.0.2.0/24`, `2001:db8::/32`)
/// or a single address. Host bits are cleared, so the stored form is canonical.
pub fn parse_network(input: &str) -> Option<IpNet> {
    let text = input.trim();
    let net = match text.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => IpNet::from(text.parse::<IpAddr>().ok()?),
    };
    Some(net.trunc())
}

/// Which list a rule is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    Block,
    Allow,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Block => "block",
            ListKind::Allow => "allow",
        }
    }

    pub fn parse(text: &str) -> Option<ListKind> {
        match text {
            "block" => Some(ListKind::Block),
            "allow" => Some(ListKind::Allow),
            _ => None,
        }
    }
}

/// The operators' rules as held in memory.
#[derive(Debug, Default)]
pub struct OperatorRules {
    allow_domains: Vec<DomainPattern>,
    block_domains: Vec<DomainPattern>,
    allow_networks: Vec<IpNet>,
    block_networks: Vec<IpNet>,
}

impl OperatorRules {
    fn from_rows(rows: &[screening_rule::Model]) -> OperatorRules {
        let mut rules = OperatorRules::default();
        for row in rows {
            let list = ListKind::parse(&row.list);
            match (row.kind.as_str(), list) {
                ("domain", Some(list)) => {
                    if let Some(p) = DomainPattern::parse(&row.pattern) {
                        match list {
                            ListKind::Allow => rules.allow_domains.push(p),
                            ListKind::Block => rules.block_domains.push(p),
                        }
                    }
                }
                ("network", Some(list)) => {
                    if let Some(n) = parse_network(&row.pattern) {
                        match list {
                            ListKind::Allow => rules.allow_networks.push(n),
                            ListKind::Block => rules.block_networks.push(n),
                        }
                    }
                }
                _ => tracing::warn!(id = row.id, "screening rule of an unknown kind ignored"),
            }
        }
        rules
    }
}

/// What the lists say about an email domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainVerdict {
    /// On the operators' allow list: taken whatever else says.
    Allowed,
    Blocked,
    Disposable,
    Neutral,
}

/// What the lists say about a client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkVerdict {
    /// On the operators' allow list: its email domains are not screened either.
    Allowed,
    Blocked,
    Neutral,
}

/// All the lists of one replica.
pub struct ScreeningLists {
    disposable: ArcSwap<DomainSet>,
    disposable_file: Option<PathBuf>,
    rules: ArcSwap<OperatorRules>,
    refreshed: std::sync::Mutex<Instant>,
    refresh_every: Duration,
    refreshing: tokio::sync::Mutex<()>,
}

impl ScreeningLists {
    /// The disposable list from the settings' file (the shipped list when unset or
    /// unreadable, with an error logged) and empty operator lists until
    /// [`ScreeningLists::refresh`] reads them.
    pub fn new(settings: &Settings) -> ScreeningLists {
        let lists = ScreeningLists {
            disposable: ArcSwap::from_pointee(DomainSet::default()),
            disposable_file: settings.disposable_domains_file.clone(),
            rules: ArcSwap::from_pointee(OperatorRules::default()),
            refreshed: std::sync::Mutex::new(Instant::now()),
            refresh_every: settings.screening_lists_refresh,
            refreshing: tokio::sync::Mutex::new(()),
        };
        if let Err(e) = lists.reload_disposable() {
            tracing::error!(error = %e, "disposable-domain list unreadable; using the shipped list");
            lists
                .disposable
                .store(Arc::new(DomainSet::parse(SHIPPED_DISPOSABLE_DOMAINS)));
        }
        lists
    }

    /// Reads the disposable-domain list again (the SIGHUP handler and the staff button
    /// call this) and returns how many domains it holds. On error the list in use stays.
    pub fn reload_disposable(&self) -> anyhow::Result<usize> {
        let set = match &self.disposable_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("reading the disposable-domain list {}: {e}", path.display())
                })?;
                DomainSet::parse(&text)
            }
            None => DomainSet::parse(SHIPPED_DISPOSABLE_DOMAINS),
        };
        let count = set.len();
        self.disposable.store(Arc::new(set));
        tracing::info!(domains = count, file = ?self.disposable_file, "disposable-domain list loaded");
        Ok(count)
    }

    /// How many disposable domains are in use.
    pub fn disposable_count(&self) -> usize {
        self.disposable.load().len()
    }

    /// Where the disposable list comes from, for the staff page.
    pub fn disposable_source(&self) -> String {
        match &self.disposable_file {
            Some(path) => path.display().to_string(),
            None => "the list shipped with the service".into(),
        }
    }

    /// Reads the operators' rules from the database now.
    pub async fn refresh(&self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        let rows = rules(db).await?;
        self.rules.store(Arc::new(OperatorRules::from_rows(&rows)));
        if let Ok(mut at) = self.refreshed.lock() {
            *at = Instant::now();
        }
        Ok(())
    }

    /// Reads the rules again when the last read is older than `screening_lists_refresh`;
    /// one request does it while the others use the rules in memory. A failed read keeps
    /// the rules in use (logged): screening never fails a signing on its own.
    pub async fn refresh_if_due(&self, db: &DatabaseConnection) {
        let due = self
            .refreshed
            .lock()
            .map(|at| at.elapsed() >= self.refresh_every)
            .unwrap_or(true);
        if !due {
            return;
        }
        let Ok(_guard) = self.refreshing.try_lock() else {
            return;
        };
        if let Err(e) = self.refresh(db).await {
            tracing::warn!(error = %e, "reading the screening lists failed; the rules in memory stay");
        }
    }

    pub fn domain_verdict(&self, domain: &str) -> DomainVerdict {
        let rules = self.rules.load();
        if rules.allow_domains.iter().any(|p| p.matches(domain)) {
            DomainVerdict::Allowed
        } else if rules.block_domains.iter().any(|p| p.matches(domain)) {
            DomainVerdict::Blocked
        } else if self.disposable.load().covers(domain) {
            DomainVerdict::Disposable
        } else {
            DomainVerdict::Neutral
        }
    }

    pub fn network_verdict(&self, ip: IpAddr) -> NetworkVerdict {
        let rules = self.rules.load();
        // An IPv4 client seen through an IPv6 socket is judged by its IPv4 address.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if rules.allow_networks.iter().any(|n| n.contains(&ip)) {
            NetworkVerdict::Allowed
        } else if rules.block_networks.iter().any(|n| n.contains(&ip)) {
            NetworkVerdict::Blocked
        } else {
            NetworkVerdict::Neutral
        }
    }
}

/// Every rule, newest first (at most [`MAX_RULES`]).
pub async fn rules(db: &impl ConnectionTrait) -> Result<Vec<screening_rule::Model>, DbErr> {
    screening_rule::Entity::find()
        .order_by_desc(screening_rule::Column::Id)
        .limit(MAX_RULES)
        .all(db)
        .await
}

/// A rule to add, already checked.
#[derive(Clone, Debug)]
pub struct NewRule {
    pub list: ListKind,
    /// `domain` or `network`.
    pub kind: &'static str,
    pub pattern: String,
    pub note: Option<String>,
}

/// Adds a rule; `Ok(None)` when the pattern is already on a list (nothing changed).
pub async fn add_rule(
    db: &impl ConnectionTrait,
    rule: &NewRule,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<screening_rule::Model>, DbErr> {
    let existing = screening_rule::Entity::find()
        .filter(screening_rule::Column::Kind.eq(rule.kind))
        .filter(screening_rule::Column::Pattern.eq(rule.pattern.as_str()))
        .one(db)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    screening_rule::ActiveModel {
        list: Set(rule.list.as_str().to_owned()),
        kind: Set(rule.kind.to_owned()),
        pattern: Set(rule.pattern.clone()),
        note: Set(rule.note.clone()),
        created_by: Set(created_by),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(Some)
}

/// Removes a rule; the removed rule, or `None` when there was none with this id.
pub async fn remove_rule(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<screening_rule::Model>, DbErr> {
    let Some(rule) = screening_rule::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    screening_rule::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_domain_covers_its_subdomains_only() {
        let set = DomainSet::parse("# comment\n\nMailinator.com\nyopmail.com.\n");
        assert_eq!(set.len(), 2);
        assert!(set.covers("mailinator.com"));
        assert!(set.covers("eu.mailinator.com"));
        assert!(set.covers("A.B.MAILINATOR.COM"));
        assert!(!set.covers("notmailinator.com"));
        assert!(!set.covers("com"));
        assert!(!set.covers("example.org"));
    }

    #[test]
    fn the_shipped_list_is_loaded_and_holds_well_known_services() {
        let set = DomainSet::parse(SHIPPED_DISPOSABLE_DOMAINS);
        assert!(set.len() > 5_000, "{}", set.len());
        assert!(set.covers("mailinator.com"));
        assert!(set.covers("yopmail.com"));
        assert!(!set.covers("gmail.com"));
        assert!(!set.covers("example.org"));
    }

    #[test]
    fn domain_patterns_match_exactly_or_subdomains() {
        let exact = DomainPattern::parse(" Example.COM ").unwrap();
        assert_eq!(exact.as_stored(), "example.com");
        assert!(exact.matches("example.com"));
        assert!(!exact.matches("a.example.com"));
        let wild = DomainPattern::parse("*.example.com").unwrap();
        assert_eq!(wild.as_stored(), "*.example.com");
        assert!(wild.matches("a.example.com"));
        assert!(wild.matches("a.b.example.com"));
        assert!(!wild.matches("example.com"));
        assert!(!wild.matches("badexample.com"));
        for bad in [
            "",
            "*",
            "*.",
            "com",
            "*.com",
            "ex ample.com",
            "-a.com",
            "a..com",
            "*.*.a.com",
        ] {
            assert_eq!(DomainPattern::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn networks_are_stored_canonical() {
        assert_eq!(
            parse_network("192.0.2.77/24").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_network("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert_eq!(parse_network("192.0.2.0/33"), None);
        assert_eq!(parse_network("example.com"), None);
    }
}
