//! Proof documents: what the service hands out and `undersigned verify` checks, as JSON.
//!
//! An inclusion proof shows one signature is in a list:
//!
//! ```json
//! { "format": "undersigned-inclusion-proof-v1",
//!   "signature": { "letter": "…", "id": 42, "kind": "individual", "name": "…",
//!                  "country": "AZ", "confirmed": "2026-11-29T12:30:05Z", "version": 1 },
//!   "leaf_index": 17, "tree_size": 20000,
//!   "root": "<64 hex digits>", "path": ["<64 hex digits>", …] }
//! ```
//!
//! A consistency proof shows a later list begins with an earlier one:
//!
//! ```json
//! { "format": "undersigned-consistency-proof-v1",
//!   "old_size": 1000, "new_size": 20000,
//!   "old_root": "<hex>", "new_root": "<hex>", "path": ["<hex>", …] }
//! ```
//!
//! The entries of a snapshot (`/letters/{slug}/list/{size}.json`) rebuild its root:
//!
//! ```json
//! { "format": "undersigned-list-v1", "letter": "…", "tree_size": 3, "root": "<hex>",
//!   "taken_at": "2026-11-29T12:30:05Z",
//!   "entries": [ { "index": 0, "entry": "listing", "signature": { … }, "leaf_hash": "<hex>" },
//!                { "index": 1, "entry": "ended", "leaf_hash": "<hex>" },
//!                { "index": 2, "entry": "removal", "removal": { "letter": "…", "id": 7, "entry": 1 },
//!                  "leaf_hash": "<hex>" } ] }
//! ```
//!
//! Checking one needs no trust in the service, only a root obtained elsewhere (the
//! printed letter, the delivery receipt, the letter page): build the leaf from the
//! signature's fields (`canonical`), hash it, walk the path, compare with that root.

use serde::{Deserialize, Serialize};

use super::canonical::{PublicSignature, Removal};
use super::{Hash, from_hex, to_hex, verify_consistency, verify_inclusion};

pub const INCLUSION_FORMAT: &str = "undersigned-inclusion-proof-v1";
pub const CONSISTENCY_FORMAT: &str = "undersigned-consistency-proof-v1";
pub const LIST_FORMAT: &str = "undersigned-list-v1";

/// The entries of a snapshot of a letter's list log, as published.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ListDocument {
    pub format: String,
    pub letter: String,
    pub tree_size: u64,
    pub root: String,
    pub entries: Vec<ListEntry>,
}

/// One entry of a published list: a listing (with the signature's fields), a removal
/// (with its fields), or a listing a removal ended (its leaf hash only).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ListEntry {
    pub index: u64,
    pub entry: String,
    #[serde(default)]
    pub signature: Option<PublicSignature>,
    #[serde(default)]
    pub removal: Option<Removal>,
    pub leaf_hash: String,
}

impl ListDocument {
    /// The leaf hashes of the entries, rebuilt from their fields where they have them,
    /// with the entries' shape checked (indices in order, removals pointing back at a
    /// listing of the same letter).
    fn leaves(&self) -> Result<(Vec<Hash>, [usize; 3]), ProofError> {
        let bad = |i: u64, why: &str| ProofError::BadList(format!("entry {i}: {why}"));
        if self.entries.len() as u64 != self.tree_size {
            return Err(ProofError::BadList(format!(
                "{} entries for a tree of {}",
                self.entries.len(),
                self.tree_size
            )));
        }
        let mut leaves = Vec::with_capacity(self.entries.len());
        let mut tally = [0usize; 3];
        for (i, e) in self.entries.iter().enumerate() {
            let i = i as u64;
            if e.index != i {
                return Err(bad(e.index, "out of order"));
            }
            let leaf = match (e.entry.as_str(), &e.signature, &e.removal) {
                ("listing", Some(s), None) if s.letter == self.letter => {
                    tally[0] += 1;
                    s.leaf_hash()
                }
                ("removal", None, Some(r)) if r.letter == self.letter && r.entry < i => {
                    let target = &self.entries[r.entry as usize];
                    let same = match &target.signature {
                        Some(s) => s.id == r.id,
                        None => target.entry == "ended",
                    };
                    if !same {
                        return Err(bad(
                            i,
                            "removes an entry that is not that signature's listing",
                        ));
                    }
                    tally[1] += 1;
                    r.leaf_hash()
                }
                ("ended", None, None) => {
                    tally[2] += 1;
                    hash(&e.leaf_hash)?
                }
                _ => {
                    return Err(bad(
                        i,
                        "not a listing, removal or ended listing of this letter",
                    ));
                }
            };
            leaves.push(leaf);
        }
        Ok((leaves, tally))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    pub format: String,
    pub signature: PublicSignature,
    pub leaf_index: u64,
    pub tree_size: u64,
    pub root: String,
    pub path: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    pub format: String,
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    pub path: Vec<String>,
}

impl InclusionProof {
    pub fn new(
        signature: PublicSignature,
        leaf_index: u64,
        tree_size: u64,
        root: &Hash,
        path: &[Hash],
    ) -> InclusionProof {
        InclusionProof {
            format: INCLUSION_FORMAT.to_owned(),
            signature,
            leaf_index,
            tree_size,
            root: to_hex(root),
            path: path.iter().map(to_hex).collect(),
        }
    }
}

impl ConsistencyProof {
    pub fn new(
        old_size: u64,
        new_size: u64,
        old_root: &Hash,
        new_root: &Hash,
        path: &[Hash],
    ) -> ConsistencyProof {
        ConsistencyProof {
            format: CONSISTENCY_FORMAT.to_owned(),
            old_size,
            new_size,
            old_root: to_hex(old_root),
            new_root: to_hex(new_root),
            path: path.iter().map(to_hex).collect(),
        }
    }
}

/// Either kind of proof document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Document {
    Inclusion(InclusionProof),
    Consistency(ConsistencyProof),
    List(ListDocument),
}

/// Why a document does not prove what it says.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("this is not a proof document: {0}")]
    Unreadable(String),
    #[error("unknown proof format {0:?}")]
    UnknownFormat(String),
    #[error("{0} is not a hash of 64 hex digits")]
    BadHash(String),
    #[error("the proof does not lead to the root {0}")]
    DoesNotVerify(String),
    #[error("the list is not well formed: {0}")]
    BadList(String),
    #[error("the proof is for the root {claimed}, not the root you gave ({expected})")]
    OtherRoot { claimed: String, expected: String },
}

impl Document {
    /// Reads a document from its JSON text.
    pub fn parse(text: &str) -> Result<Document, ProofError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ProofError::Unreadable(e.to_string()))?;
        let format = value
            .get("format")
            .and_then(|f| f.as_str())
            .unwrap_or_default()
            .to_owned();
        let unreadable = |e: serde_json::Error| ProofError::Unreadable(e.to_string());
        match format.as_str() {
            INCLUSION_FORMAT => Ok(Document::Inclusion(
                serde_json::from_value(value).map_err(unreadable)?,
            )),
            CONSISTENCY_FORMAT => Ok(Document::Consistency(
                serde_json::from_value(value).map_err(unreadable)?,
            )),
            LIST_FORMAT => Ok(Document::List(
                serde_json::from_value(value).map_err(unreadable)?,
            )),
            _ => Err(ProofError::UnknownFormat(format)),
        }
    }

    /// Checks the document on its own terms and, when `expected_root` is given, that the
    /// root it proves against (the newer root for a consistency proof) is that one.
    /// Returns a sentence saying what was proven.
    pub fn verify(&self, expected_root: Option<&str>) -> Result<String, ProofError> {
        let (root, said) = match self {
            Document::Inclusion(p) => {
                let root = hash(&p.root)?;
                let path = hashes(&p.path)?;
                if !verify_inclusion(
                    &p.signature.leaf_hash(),
                    p.leaf_index,
                    p.tree_size,
                    &path,
                    &root,
                ) {
                    return Err(ProofError::DoesNotVerify(p.root.clone()));
                }
                (
                    root,
                    format!(
                        "signature {} ({}, {}) on \"{}\" is leaf {} of the {} in the list with root {}",
                        p.signature.id,
                        p.signature.kind,
                        if p.signature.name.is_empty() {
                            "not listed by name"
                        } else {
                            p.signature.name.as_str()
                        },
                        p.signature.letter,
                        p.leaf_index,
                        p.tree_size,
                        p.root
                    ),
                )
            }
            Document::Consistency(p) => {
                let (old_root, new_root) = (hash(&p.old_root)?, hash(&p.new_root)?);
                let path = hashes(&p.path)?;
                if !verify_consistency(p.old_size, p.new_size, &old_root, &new_root, &path) {
                    return Err(ProofError::DoesNotVerify(p.new_root.clone()));
                }
                (
                    new_root,
                    format!(
                        "the list of {} with root {} begins with the list of {} with root {}",
                        p.new_size, p.new_root, p.old_size, p.old_root
                    ),
                )
            }
            Document::List(l) => {
                let claimed = hash(&l.root)?;
                let (leaves, [listed, removals, ended]) = l.leaves()?;
                let root = super::root(&leaves);
                if root != claimed {
                    return Err(ProofError::DoesNotVerify(l.root.clone()));
                }
                let standing = listed + ended - removals.min(listed + ended);
                (
                    root,
                    format!(
                        "the list of {} entries of \"{}\" has the root {}: {} listings shown, {} ended listings shown by hash only, {} removals ({} signatures stand)",
                        l.tree_size, l.letter, l.root, listed, ended, removals, standing
                    ),
                )
            }
        };
        if let Some(expected) = expected_root {
            let expected_hash = hash(expected)?;
            if expected_hash != root {
                return Err(ProofError::OtherRoot {
                    claimed: to_hex(&root),
                    expected: to_hex(&expected_hash),
                });
            }
        }
        Ok(said)
    }
}

fn hash(text: &str) -> Result<Hash, ProofError> {
    from_hex(text).ok_or_else(|| ProofError::BadHash(text.to_owned()))
}

fn hashes(texts: &[String]) -> Result<Vec<Hash>, ProofError> {
    texts.iter().map(|t| hash(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{consistency_proof, inclusion_proof, root};
    use super::*;

    fn list(n: usize) -> Vec<PublicSignature> {
        (0..n)
            .map(|i| PublicSignature {
                letter: "free-them".into(),
                id: i as i64 + 1,
                kind: "individual".into(),
                name: if i % 3 == 0 {
                    String::new()
                } else {
                    format!("Signer {i}")
                },
                country: "AZ".into(),
                confirmed: "2026-11-29T12:00:00Z".into(),
                version: 1,
            })
            .collect()
    }

    #[test]
    fn an_inclusion_document_round_trips_and_verifies_only_as_published() {
        let sigs = list(11);
        let leaves: Vec<Hash> = sigs.iter().map(PublicSignature::leaf_hash).collect();
        let r = root(&leaves);
        let doc = InclusionProof::new(
            sigs[4].clone(),
            4,
            11,
            &r,
            &inclusion_proof(&leaves, 4).unwrap(),
        );
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let parsed = Document::parse(&text).unwrap();
        assert!(parsed.verify(None).unwrap().contains("leaf 4 of the 11"));
        assert!(parsed.verify(Some(&to_hex(&r))).is_ok());
        assert!(matches!(
            parsed.verify(Some(&to_hex(&leaves[0]))),
            Err(ProofError::OtherRoot { .. })
        ));

        // A changed name, or a signature that is not in the list, does not verify.
        let mut forged = doc.clone();
        forged.signature.name = "Someone Else".into();
        assert!(matches!(
            Document::Inclusion(forged).verify(None),
            Err(ProofError::DoesNotVerify(_))
        ));
        let mut missing = doc.clone();
        missing.signature.id = 99;
        assert!(Document::Inclusion(missing).verify(None).is_err());
    }

    #[test]
    fn a_consistency_document_verifies_and_a_rewritten_history_does_not() {
        let sigs = list(20);
        let leaves: Vec<Hash> = sigs.iter().map(PublicSignature::leaf_hash).collect();
        let doc = ConsistencyProof::new(
            7,
            20,
            &root(&leaves[..7]),
            &root(&leaves),
            &consistency_proof(&leaves, 7).unwrap(),
        );
        let parsed = Document::parse(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert!(parsed.verify(Some(&doc.new_root)).is_ok());

        let mut rewritten = sigs.clone();
        rewritten[3].name = "Removed and replaced".into();
        let old: Vec<Hash> = rewritten[..7]
            .iter()
            .map(PublicSignature::leaf_hash)
            .collect();
        let mut lie = doc.clone();
        lie.old_root = to_hex(&root(&old));
        assert!(Document::Consistency(lie).verify(None).is_err());
    }

    #[test]
    fn a_published_list_rebuilds_its_root_and_a_changed_one_does_not() {
        let sigs = list(3);
        let removal = Removal {
            letter: "free-them".into(),
            id: sigs[1].id,
            entry: 1,
        };
        let leaves = [
            sigs[0].leaf_hash(),
            sigs[1].leaf_hash(),
            sigs[2].leaf_hash(),
            removal.leaf_hash(),
        ];
        let r = to_hex(&root(&leaves));
        let text = serde_json::json!({
            "format": LIST_FORMAT, "letter": "free-them", "tree_size": 4, "root": r,
            "taken_at": "2026-11-29T12:00:00Z",
            "entries": [
                {"index": 0, "entry": "listing", "signature": sigs[0], "leaf_hash": to_hex(&leaves[0])},
                {"index": 1, "entry": "ended", "leaf_hash": to_hex(&leaves[1])},
                {"index": 2, "entry": "listing", "signature": sigs[2], "leaf_hash": to_hex(&leaves[2])},
                {"index": 3, "entry": "removal", "removal": removal, "leaf_hash": to_hex(&leaves[3])},
            ]
        });
        let doc = Document::parse(&text.to_string()).unwrap();
        let said = doc.verify(Some(&r)).unwrap();
        assert!(said.contains("2 signatures stand"), "{said}");

        let mut changed = text.clone();
        changed["entries"][0]["signature"]["name"] = "Someone Else".into();
        let doc = Document::parse(&changed.to_string()).unwrap();
        assert!(matches!(
            doc.verify(None),
            Err(ProofError::DoesNotVerify(_))
        ));
        let mut dropped = text.clone();
        dropped["entries"].as_array_mut().unwrap().remove(2);
        dropped["tree_size"] = 3.into();
        let doc = Document::parse(&dropped.to_string()).unwrap();
        assert!(doc.verify(None).is_err());
    }

    #[test]
    fn what_is_not_a_proof_is_said_so() {
        assert!(matches!(
            Document::parse("not json"),
            Err(ProofError::Unreadable(_))
        ));
        assert!(matches!(
            Document::parse(r#"{"format":"other"}"#),
            Err(ProofError::UnknownFormat(_))
        ));
        let mut doc = ConsistencyProof::new(1, 1, &[0; 32], &[0; 32], &[]);
        doc.old_root = "xyz".into();
        assert!(matches!(
            Document::Consistency(doc).verify(None),
            Err(ProofError::BadHash(_))
        ));
    }
}
