//! The verifiable signature list of a letter: an append-only log of list entries, the
//! snapshots (size and Merkle root) published of it, and the proofs handed out.
//!
//! # Why a log, and its order
//!
//! A consistency proof shows that a later tree begins with an earlier one, leaf for leaf.
//! The public list itself cannot be that tree: a signature confirmed late may have a
//! smaller id than one listed earlier, and a withdrawn signer's name must leave the list.
//! So the tree is over a **log of list entries** that only ever grows:
//!
//! - a **listing** (`undersigned-signature-v1` leaf, `merkle::canonical::PublicSignature`):
//!   this confirmed signature, with these public fields, is on the list;
//! - a **removal** (`undersigned-removal-v1` leaf, `merkle::canonical::Removal`): the
//!   listing at leaf index `entry` no longer stands (withdrawn by its signer, invalidated
//!   or rejected by staff, or its public fields changed).
//!
//! Entries get their position when a **snapshot** is taken, never on the signing path:
//! [`take_snapshot`] reads the letter's confirmed signatures and the log, appends first a
//! removal for every standing listing that is no longer on the list (or whose fields
//! changed), in signature id order, then a listing for every confirmed signature without
//! a standing listing (a new one, one released from quarantine or approved, one restored
//! by staff, or the new form of a changed one), in signature id order, and records the
//! snapshot: the log's size and its root. Appending happens in one write transaction that
//! holds the letter's row, after checking that no other snapshot grew the log meanwhile,
//! so the positions of a letter are `0, 1, 2, …` without gaps or overlaps. A snapshot
//! that would append nothing returns the latest one.
//!
//! The list **as of a snapshot of size `n`** is every listing among the first `n`
//! entries that no removal among them ends. Every later snapshot extends every earlier
//! one, removals included, so each published root stays provably extended.
//!
//! # What stays public after a removal
//!
//! The leaves of a snapshot are published (`/letters/{slug}/list/{size}.json`) so anyone
//! can rebuild its root. A listing that a removal ended is published as its leaf hash
//! only: its fields (and so the name) are dropped from the database and from every
//! download, while the hash keeps every root rebuildable. Someone who already holds a
//! copy of the earlier list keeps what they saw; and someone who can guess every field
//! of the removed leaf (name, country, the second of confirmation) could test the guess
//! against the hash. That is the price of proofs that nobody, the service included, can
//! rewrite; it is stated in the README.
//!
//! # Bounded work
//!
//! Taking a snapshot reads the whole log and list (a staff or delivery action, never on
//! a hot path; the reading happens before the write transaction, which only appends).
//! It stores the hash of every complete subtree (`list_nodes`, see
//! `merkle::stored`), so a proof for any snapshot reads a few dozen stored hashes.

pub mod links;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::audit::{self, Actor};
use crate::entities::{SignatureStatus, letter, list_entry, list_node, list_snapshot, signature};
use crate::merkle::canonical::{PublicSignature, Removal};
use crate::merkle::proof::{ConsistencyProof, InclusionProof};
use crate::merkle::stored::{self, NodeId};
use crate::merkle::{self, Hash, from_hex, to_hex};

/// `entry_kind` of a listing.
pub const LISTING: &str = "listing";
/// `entry_kind` of a removal.
pub const REMOVAL: &str = "removal";

/// Rows read or written per statement.
const PAGE: u64 = 2000;
/// Times a snapshot is tried again when another one grew the log meanwhile.
const ATTEMPTS: usize = 5;

/// A published head of a letter's list log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ListSnapshot {
    pub id: i64,
    pub letter_id: i64,
    /// How many log entries the root covers.
    pub size: u64,
    /// The Merkle root, lowercase hex.
    pub root: String,
    pub taken_at: DateTime<Utc>,
    /// The staff member's email, `cli` or `system`.
    pub taken_by: String,
}

impl From<list_snapshot::Model> for ListSnapshot {
    fn from(m: list_snapshot::Model) -> Self {
        ListSnapshot {
            id: m.id,
            letter_id: m.letter_id,
            size: u64::try_from(m.size).unwrap_or(0),
            root: m.root,
            taken_at: m.taken_at,
            taken_by: m.taken_by,
        }
    }
}

/// Why a snapshot was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("there is no letter {0}")]
    NoLetter(i64),
    #[error("other snapshots of the letter kept growing its list; try again")]
    Busy,
    #[error("a stored list hash is not hex: {0}")]
    Corrupt(String),
    #[error("computing the list's hashes: {0}")]
    Task(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// One entry of the log as the snapshot reads it.
#[derive(Clone, Debug)]
struct LogRow {
    signature_id: i64,
    listing: bool,
    ended: bool,
    leaf: Hash,
}

/// An entry to append.
struct NewEntry {
    signature_id: i64,
    kind: &'static str,
    fields: String,
    leaf: Hash,
    /// For a removal: the position of the listing it ends.
    ends: Option<u64>,
}

/// What a snapshot appends and stores, computed off the async threads.
struct Plan {
    entries: Vec<NewEntry>,
    nodes: Vec<(NodeId, Hash)>,
    root: Hash,
    size: u64,
}

/// Takes a snapshot of the letter's list now (see the module documentation): appends
/// what changed since the last one to the log and records the new size and root, or
/// returns the latest snapshot when nothing changed. `actor` is recorded with it and in
/// the audit log.
pub async fn take_snapshot(
    db: &DatabaseConnection,
    letter_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ListSnapshot, SnapshotError> {
    let letter = letter::Entity::find_by_id(letter_id)
        .one(db)
        .await?
        .ok_or(SnapshotError::NoLetter(letter_id))?;
    for _ in 0..ATTEMPTS {
        let log = read_log(db, letter_id).await?;
        let public = read_public(db, &letter).await?;
        let old_size = log.len() as u64;
        let slug = letter.slug.clone();
        let plan = tokio::task::spawn_blocking(move || plan(&slug, log, public))
            .await
            .map_err(|e| SnapshotError::Task(e.to_string()))??;
        if plan.entries.is_empty()
            && let Some(latest) = latest_snapshot(db, letter_id).await?
            && latest.size == old_size
        {
            return Ok(latest);
        }
        if let Some(snapshot) = append(db, &letter, old_size, &plan, actor, now).await? {
            return Ok(snapshot);
        }
    }
    Err(SnapshotError::Busy)
}

/// The letter's latest snapshot, if one was taken.
pub async fn latest_snapshot<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
) -> Result<Option<ListSnapshot>, DbErr> {
    Ok(list_snapshot::Entity::find()
        .filter(list_snapshot::Column::LetterId.eq(letter_id))
        .order_by_desc(list_snapshot::Column::Size)
        .one(conn)
        .await?
        .map(ListSnapshot::from))
}

/// The letter's snapshot of `size` entries, if one was taken.
pub async fn snapshot_of_size<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    size: u64,
) -> Result<Option<ListSnapshot>, DbErr> {
    let Ok(size) = i64::try_from(size) else {
        return Ok(None);
    };
    Ok(list_snapshot::Entity::find()
        .filter(list_snapshot::Column::LetterId.eq(letter_id))
        .filter(list_snapshot::Column::Size.eq(size))
        .one(conn)
        .await?
        .map(ListSnapshot::from))
}

/// The letter's snapshots, newest first, at most `limit`.
pub async fn snapshots<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    limit: u64,
) -> Result<Vec<ListSnapshot>, DbErr> {
    Ok(list_snapshot::Entity::find()
        .filter(list_snapshot::Column::LetterId.eq(letter_id))
        .order_by_desc(list_snapshot::Column::Size)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(ListSnapshot::from)
        .collect())
}

async fn read_log(db: &DatabaseConnection, letter_id: i64) -> Result<Vec<LogRow>, SnapshotError> {
    let mut out = Vec::new();
    let mut after = -1i64;
    loop {
        let rows = list_entry::Entity::find()
            .filter(list_entry::Column::LetterId.eq(letter_id))
            .filter(list_entry::Column::Position.gt(after))
            .order_by_asc(list_entry::Column::Position)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.position;
        for row in rows {
            if row.position != out.len() as i64 {
                return Err(SnapshotError::Corrupt(format!(
                    "entry {} of letter {letter_id} is not at its place",
                    row.position
                )));
            }
            let leaf = from_hex(&row.leaf_hash)
                .ok_or_else(|| SnapshotError::Corrupt(row.leaf_hash.clone()))?;
            out.push(LogRow {
                signature_id: row.signature_id,
                listing: row.entry_kind == LISTING,
                ended: row.ended_at_position.is_some(),
                leaf,
            });
        }
    }
    Ok(out)
}

/// The letter's public confirmed signatures, in id order.
async fn read_public(
    db: &DatabaseConnection,
    letter: &letter::Model,
) -> Result<Vec<PublicSignature>, DbErr> {
    let mut out = Vec::new();
    let mut after = 0i64;
    loop {
        let rows = signature::Entity::find()
            .filter(signature::Column::LetterId.eq(letter.id))
            .filter(signature::Column::Status.eq(SignatureStatus::Confirmed))
            .filter(signature::Column::Id.gt(after))
            .order_by_asc(signature::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        out.extend(rows.iter().map(|s| PublicSignature::of(&letter.slug, s)));
    }
    Ok(out)
}

fn plan(slug: &str, log: Vec<LogRow>, public: Vec<PublicSignature>) -> Result<Plan, SnapshotError> {
    let old_size = log.len() as u64;
    // The standing listing of each signature: its position and leaf.
    let standing: BTreeMap<i64, (u64, Hash)> = log
        .iter()
        .enumerate()
        .filter(|(_, r)| r.listing && !r.ended)
        .map(|(i, r)| (r.signature_id, (i as u64, r.leaf)))
        .collect();
    let public: Vec<(PublicSignature, Hash)> = public
        .into_iter()
        .map(|p| {
            let leaf = p.leaf_hash();
            (p, leaf)
        })
        .collect();
    let wanted: HashMap<i64, Hash> = public.iter().map(|(p, h)| (p.id, *h)).collect();
    let mut entries = Vec::new();
    for (&id, &(position, leaf)) in &standing {
        if wanted.get(&id) == Some(&leaf) {
            continue;
        }
        let removal = Removal {
            letter: slug.to_owned(),
            id,
            entry: position,
        };
        entries.push(NewEntry {
            signature_id: id,
            kind: REMOVAL,
            fields: json(&removal)?,
            leaf: removal.leaf_hash(),
            ends: Some(position),
        });
    }
    for (p, leaf) in &public {
        if standing.get(&p.id).is_some_and(|(_, h)| h == leaf) {
            continue;
        }
        entries.push(NewEntry {
            signature_id: p.id,
            kind: LISTING,
            fields: json(p)?,
            leaf: *leaf,
            ends: None,
        });
    }
    let mut leaves: Vec<Hash> = log.into_iter().map(|r| r.leaf).collect();
    leaves.extend(entries.iter().map(|e| e.leaf));
    let nodes = stored::new_nodes(&leaves, old_size);
    Ok(Plan {
        root: merkle::root(&leaves),
        size: leaves.len() as u64,
        entries,
        nodes,
    })
}

/// An entry's fields as stored.
fn json<T: serde::Serialize>(value: &T) -> Result<String, SnapshotError> {
    serde_json::to_string(value).map_err(|e| SnapshotError::Task(e.to_string()))
}

/// Appends the plan in one write transaction, unless another snapshot grew the log
/// since it was read (`None`: read again).
async fn append(
    db: &DatabaseConnection,
    letter: &letter::Model,
    old_size: u64,
    plan: &Plan,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Option<ListSnapshot>, SnapshotError> {
    let txn = crate::db::begin_write(db).await?;
    // Snapshots of one letter take turns on its row (PostgreSQL; SQLite's write
    // transaction already holds the whole database).
    letter::Entity::find_by_id(letter.id)
        .lock(LockType::Update)
        .one(&txn)
        .await?;
    let size_now = list_entry::Entity::find()
        .filter(list_entry::Column::LetterId.eq(letter.id))
        .count(&txn)
        .await?;
    if size_now != old_size {
        txn.rollback().await?;
        return Ok(None);
    }
    let mut rows = Vec::with_capacity(plan.entries.len());
    for (i, e) in plan.entries.iter().enumerate() {
        let position = old_size + i as u64;
        rows.push(list_entry::ActiveModel {
            letter_id: Set(letter.id),
            position: Set(to_i64(position)),
            signature_id: Set(e.signature_id),
            entry_kind: Set(e.kind.to_owned()),
            fields: Set(Some(e.fields.clone())),
            leaf_hash: Set(to_hex(&e.leaf)),
            ended_at_position: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
        if let Some(ended) = e.ends {
            // The ended listing keeps its hash and loses its fields (the name).
            list_entry::Entity::update_many()
                .col_expr(
                    list_entry::Column::EndedAtPosition,
                    Expr::value(to_i64(position)),
                )
                .col_expr(
                    list_entry::Column::Fields,
                    Expr::value(Option::<String>::None),
                )
                .filter(list_entry::Column::LetterId.eq(letter.id))
                .filter(list_entry::Column::Position.eq(to_i64(ended)))
                .exec(&txn)
                .await?;
        }
    }
    for chunk in rows.chunks(PAGE as usize / 4) {
        list_entry::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let nodes: Vec<list_node::ActiveModel> = plan
        .nodes
        .iter()
        .map(|(id, h)| list_node::ActiveModel {
            letter_id: Set(letter.id),
            level: Set(id.level as i32),
            node_index: Set(to_i64(id.index)),
            hash: Set(to_hex(h)),
        })
        .collect();
    for chunk in nodes.chunks(PAGE as usize / 2) {
        list_node::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let (account_id, taken_by) = who(actor);
    let inserted = list_snapshot::Entity::insert(list_snapshot::ActiveModel {
        letter_id: Set(letter.id),
        size: Set(to_i64(plan.size)),
        root: Set(to_hex(&plan.root)),
        taken_at: Set(now),
        taken_by_account_id: Set(account_id),
        taken_by: Set(taken_by),
        ..Default::default()
    })
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        audit::Entry {
            actor: actor.clone(),
            action: "list_snapshot",
            subject: Some(&letter.slug),
            detail: Some(serde_json::json!({
                "size": plan.size,
                "root": to_hex(&plan.root),
                "appended": plan.entries.len(),
            })),
            client_ip: None,
        },
        now,
    )
    .await?;
    let snapshot = list_snapshot::Entity::find_by_id(inserted.last_insert_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the snapshot just written".into()))?;
    txn.commit().await?;
    tracing::info!(letter = %letter.slug, size = plan.size, root = %to_hex(&plan.root), appended = plan.entries.len(), "list snapshot taken");
    Ok(Some(snapshot.into()))
}

fn who(actor: &Actor) -> (Option<i64>, String) {
    let (id, name) = actor.columns();
    (id, name.unwrap_or_default())
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The stored hashes of `ids` for the letter (those that exist).
async fn fetch_nodes<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    ids: impl IntoIterator<Item = NodeId>,
) -> Result<HashMap<NodeId, Hash>, DbErr> {
    // One query per level, each on the primary key's prefix (an OR of pairs is a
    // scan of the letter's nodes on SQLite).
    let mut by_level: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    for id in ids {
        by_level.entry(id.level).or_default().push(to_i64(id.index));
    }
    let mut out = HashMap::new();
    for (level, indices) in by_level {
        let rows = list_node::Entity::find()
            .filter(list_node::Column::LetterId.eq(letter_id))
            .filter(list_node::Column::Level.eq(level as i32))
            .filter(list_node::Column::NodeIndex.is_in(indices))
            .all(conn)
            .await?;
        for row in rows {
            let (Ok(index), Some(hash)) = (u64::try_from(row.node_index), from_hex(&row.hash))
            else {
                return Err(DbErr::Custom(format!("bad list node {row:?}")));
            };
            out.insert(NodeId { level, index }, hash);
        }
    }
    Ok(out)
}

/// The hashes of `ranges` of the letter's log, checked against the root the snapshot of
/// `size` published (so a damaged store gives an error, never a wrong proof).
async fn stored_path<C: ConnectionTrait>(
    conn: &C,
    snapshot: &ListSnapshot,
    ranges: &[stored::Range],
) -> Result<Vec<Hash>, DbErr> {
    let mut wanted = stored::nodes_for(ranges);
    wanted.extend(stored::cover(0, snapshot.size));
    let nodes = fetch_nodes(conn, snapshot.letter_id, wanted).await?;
    let missing = || DbErr::Custom(format!("list nodes missing for {snapshot:?}"));
    let root = stored::range_root(0, snapshot.size, &nodes).ok_or_else(missing)?;
    if to_hex(&root) != snapshot.root {
        return Err(DbErr::Custom(format!(
            "the stored list of letter {} no longer gives the root of its snapshot of {}",
            snapshot.letter_id, snapshot.size
        )));
    }
    stored::hashes_of(ranges, &nodes).ok_or_else(missing)
}

/// The consistency proof between two snapshots of the letter (`None` when either size is
/// not a snapshot of it, or `from` is larger than `to`).
pub async fn consistency<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    from: u64,
    to: u64,
) -> Result<Option<ConsistencyProof>, DbErr> {
    let (Some(old), Some(new)) = (
        snapshot_of_size(conn, letter_id, from).await?,
        snapshot_of_size(conn, letter_id, to).await?,
    ) else {
        return Ok(None);
    };
    let Some(ranges) = stored::consistency_ranges(from, to) else {
        return Ok(None);
    };
    let path = stored_path(conn, &new, &ranges).await?;
    let (Some(old_root), Some(new_root)) = (from_hex(&old.root), from_hex(&new.root)) else {
        return Err(DbErr::Custom("a snapshot root is not hex".into()));
    };
    Ok(Some(ConsistencyProof::new(
        from, to, &old_root, &new_root, &path,
    )))
}

/// Where a signature stands in its letter's published list.
#[derive(Clone, Debug)]
pub enum SignerProof {
    /// Listed in the latest snapshot: the proof against it.
    Listed {
        proof: Box<InclusionProof>,
        snapshot: ListSnapshot,
    },
    /// On the list now, but no snapshot holds it yet (or only one that still holds an
    /// earlier form of it).
    NotYet,
    /// Not on the list (not confirmed, held, withdrawn, invalidated, or ended in the log).
    NotListed,
}

/// The inclusion proof of a signature against the latest snapshot of its letter.
pub async fn signer_proof<C: ConnectionTrait>(
    conn: &C,
    sig: &signature::Model,
) -> Result<SignerProof, DbErr> {
    let Some(snapshot) = latest_snapshot(conn, sig.letter_id).await? else {
        return Ok(if sig.status == SignatureStatus::Confirmed {
            SignerProof::NotYet
        } else {
            SignerProof::NotListed
        });
    };
    // Its newest listing, if that stands in the snapshot.
    let listing = list_entry::Entity::find()
        .filter(list_entry::Column::LetterId.eq(sig.letter_id))
        .filter(list_entry::Column::SignatureId.eq(sig.id))
        .filter(list_entry::Column::EntryKind.eq(LISTING))
        .filter(list_entry::Column::Position.lt(to_i64(snapshot.size)))
        .order_by_desc(list_entry::Column::Position)
        .one(conn)
        .await?;
    let standing = listing.filter(|l| {
        l.ended_at_position
            .is_none_or(|end| end >= to_i64(snapshot.size))
    });
    let Some(entry) = standing else {
        return Ok(if sig.status == SignatureStatus::Confirmed {
            SignerProof::NotYet
        } else {
            SignerProof::NotListed
        });
    };
    let Some(fields) = entry.fields.as_deref() else {
        return Ok(SignerProof::NotListed);
    };
    let public: PublicSignature = serde_json::from_str(fields)
        .map_err(|e| DbErr::Custom(format!("list entry {}: {e}", entry.id)))?;
    let index = u64::try_from(entry.position).unwrap_or(0);
    let ranges = stored::inclusion_ranges(index, snapshot.size)
        .ok_or_else(|| DbErr::Custom("a listing outside its snapshot".into()))?;
    let path = stored_path(conn, &snapshot, &ranges).await?;
    let root = from_hex(&snapshot.root).ok_or_else(|| DbErr::Custom("root not hex".into()))?;
    Ok(SignerProof::Listed {
        proof: Box::new(InclusionProof::new(
            public,
            index,
            snapshot.size,
            &root,
            &path,
        )),
        snapshot,
    })
}

/// One entry of a published list, as the leaves download shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PublishedEntry {
    pub index: u64,
    /// `listing`, `removal`, or `ended` (a listing a removal ended: hash only).
    pub entry: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<PublicSignature>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal: Option<Removal>,
    /// The leaf hash, lowercase hex (for a listing or removal, what its fields hash to).
    pub leaf_hash: String,
}

/// Up to `limit` entries of the letter's log from `start` (for a download in pages),
/// stopping before `size`.
pub async fn published_entries<C: ConnectionTrait>(
    conn: &C,
    letter_id: i64,
    start: u64,
    size: u64,
    limit: u64,
) -> Result<Vec<PublishedEntry>, DbErr> {
    let rows = list_entry::Entity::find()
        .filter(list_entry::Column::LetterId.eq(letter_id))
        .filter(list_entry::Column::Position.gte(to_i64(start)))
        .filter(list_entry::Column::Position.lt(to_i64(size)))
        .order_by_asc(list_entry::Column::Position)
        .limit(limit)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let bad = |e: serde_json::Error| DbErr::Custom(format!("list entry {}: {e}", row.id));
            let index = u64::try_from(row.position).unwrap_or(0);
            let (entry, signature, removal) = match (row.entry_kind.as_str(), &row.fields) {
                (LISTING, Some(f)) => {
                    ("listing", Some(serde_json::from_str(f).map_err(bad)?), None)
                }
                (REMOVAL, Some(f)) => {
                    ("removal", None, Some(serde_json::from_str(f).map_err(bad)?))
                }
                _ => ("ended", None, None),
            };
            Ok(PublishedEntry {
                index,
                entry,
                signature,
                removal,
                leaf_hash: row.leaf_hash,
            })
        })
        .collect()
}
