//! The same tree, proofs and roots as the parent module, computed from the hashes of
//! complete subtrees instead of every leaf, so a proof over a list of any length costs a
//! few dozen stored hashes rather than a pass over the list.
//!
//! A node `(level, index)` is the complete, aligned subtree over the leaves
//! `[index·2^level, (index+1)·2^level)`. In an append-only list such a subtree never
//! changes once its last leaf exists, so its hash is stored once and for good
//! (`list_nodes`). Every subtree RFC 6962 hashes in a proof starts at a multiple of a
//! power of two at least as large as itself, so it is the node over a few complete
//! subtrees in decreasing size ([`cover`]).
//!
//! Work is planned first (which ranges a proof needs, which nodes those are), the nodes
//! fetched in one query, and the hashes combined afterwards.

use std::collections::{BTreeSet, HashMap};

use super::{Hash, node_hash, split};

/// A complete, aligned subtree (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u32,
    pub index: u64,
}

/// A range of leaves `[start, end)` whose subtree hash a proof holds.
pub type Range = (u64, u64);

/// The complete subtrees whose hashes make up the subtree over `[lo, hi)`, left to right.
pub fn cover(mut lo: u64, hi: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    while lo < hi {
        let mut level = 0u32;
        while level < 62 {
            let next = 1u64 << (level + 1);
            if lo.is_multiple_of(next) && lo + next <= hi {
                level += 1;
            } else {
                break;
            }
        }
        out.push(NodeId {
            level,
            index: lo >> level,
        });
        lo += 1u64 << level;
    }
    out
}

/// The subtree hash over `[lo, hi)` from the nodes of its cover (`None` when one is
/// missing from `nodes`). An empty range has the hash of nothing.
pub fn range_root(lo: u64, hi: u64, nodes: &HashMap<NodeId, Hash>) -> Option<Hash> {
    if lo >= hi {
        return Some(super::root(&[]));
    }
    let parts = cover(lo, hi);
    let mut iter = parts.iter().rev();
    let mut acc = *nodes.get(iter.next()?)?;
    for id in iter {
        acc = node_hash(nodes.get(id)?, &acc);
    }
    Some(acc)
}

/// The ranges whose hashes form the inclusion proof of leaf `index` in a list of `size`
/// (the order of `super::inclusion_proof`), or `None` when the index is outside it.
pub fn inclusion_ranges(index: u64, size: u64) -> Option<Vec<Range>> {
    if index >= size {
        return None;
    }
    let mut out = Vec::new();
    inclusion_path(index, 0, size, &mut out);
    Some(out)
}

fn inclusion_path(m: u64, lo: u64, hi: u64, out: &mut Vec<Range>) {
    let n = hi - lo;
    if n <= 1 {
        return;
    }
    let k = split(n as usize) as u64;
    if m < k {
        inclusion_path(m, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        inclusion_path(m - k, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// The ranges whose hashes form the consistency proof from `old_size` to `new_size`
/// (the order of `super::consistency_proof`), or `None` when the old list is longer.
pub fn consistency_ranges(old_size: u64, new_size: u64) -> Option<Vec<Range>> {
    if old_size > new_size {
        return None;
    }
    let mut out = Vec::new();
    if old_size > 0 && old_size < new_size {
        subproof(old_size, 0, new_size, true, &mut out);
    }
    Some(out)
}

fn subproof(m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<Range>) {
    let n = hi - lo;
    if m == n {
        if !complete {
            out.push((lo, hi));
        }
        return;
    }
    let k = split(n as usize) as u64;
    if m <= k {
        subproof(m, lo, lo + k, complete, out);
        out.push((lo + k, hi));
    } else {
        subproof(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// Every node the hashes of `ranges` need.
pub fn nodes_for(ranges: &[Range]) -> BTreeSet<NodeId> {
    ranges.iter().flat_map(|&(lo, hi)| cover(lo, hi)).collect()
}

/// The hashes of `ranges`, from `nodes` (`None` when one is missing).
pub fn hashes_of(ranges: &[Range], nodes: &HashMap<NodeId, Hash>) -> Option<Vec<Hash>> {
    ranges
        .iter()
        .map(|&(lo, hi)| range_root(lo, hi, nodes))
        .collect()
}

/// The nodes that become complete when the list grows from `old_size` leaves to
/// `leaves.len()`: those whose last leaf is past `old_size`, level 0 (the leaves
/// themselves) included. `leaves` is the whole list, old entries first.
pub fn new_nodes(leaves: &[Hash], old_size: u64) -> Vec<(NodeId, Hash)> {
    let mut out = Vec::new();
    let mut level_hashes: Vec<Hash> = leaves.to_vec();
    let mut level = 0u32;
    while !level_hashes.is_empty() {
        for (i, h) in level_hashes.iter().enumerate() {
            let end = (i as u64 + 1) << level;
            if end > old_size {
                out.push((
                    NodeId {
                        level,
                        index: i as u64,
                    },
                    *h,
                ));
            }
        }
        level_hashes = level_hashes
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
        level += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{consistency_proof, inclusion_proof, leaf_hash, root};
    use super::*;

    fn hashes(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    fn stored(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
        new_nodes(leaves, 0).into_iter().collect()
    }

    #[test]
    fn a_cover_is_complete_aligned_subtrees_in_order() {
        assert_eq!(
            cover(0, 13),
            vec![
                NodeId { level: 3, index: 0 },
                NodeId { level: 2, index: 2 },
                NodeId {
                    level: 0,
                    index: 12
                }
            ]
        );
        assert_eq!(cover(8, 16), vec![NodeId { level: 3, index: 1 }]);
        assert!(cover(5, 5).is_empty());
    }

    #[test]
    fn growing_the_list_in_steps_stores_the_same_nodes_as_at_once() {
        let leaves = hashes(37);
        let mut grown = HashMap::new();
        for (from, to) in [(0, 5), (5, 8), (8, 21), (21, 37)] {
            for (id, h) in new_nodes(&leaves[..to], from as u64) {
                assert!(grown.insert(id, h).is_none(), "{id:?} written twice");
            }
        }
        assert_eq!(grown, stored(&leaves));
    }

    proptest! {
        #[test]
        fn stored_nodes_give_the_roots_and_proofs_of_the_whole_list(n in 1usize..150, a in 0usize..150, b in 0usize..150) {
            let leaves = hashes(n);
            let nodes = stored(&leaves);
            let size = (b % n) + 1;
            prop_assert_eq!(range_root(0, size as u64, &nodes), Some(root(&leaves[..size])));
            let index = a % size;
            let ranges = inclusion_ranges(index as u64, size as u64).unwrap();
            prop_assert_eq!(hashes_of(&ranges, &nodes), inclusion_proof(&leaves[..size], index));
            let old = a % (size + 1);
            let ranges = consistency_ranges(old as u64, size as u64).unwrap();
            prop_assert_eq!(hashes_of(&ranges, &nodes), consistency_proof(&leaves[..size], old));
        }
    }
}
