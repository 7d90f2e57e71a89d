//! A Merkle tree over a letter's signature list, as RFC 6962 (section 2.1) defines it, so
//! anyone can check that a signature is in a published list (an inclusion proof) and that
//! a later list extends an earlier one (a consistency proof) without trusting the service.
//!
//! The algorithm, in full (it is what `undersigned verify` and a third party implement):
//! - `SHA-256` is the hash. A leaf's hash is `SHA-256(0x00 || leaf bytes)`; an inner
//!   node's is `SHA-256(0x01 || left || right)`. The root of an empty list is
//!   `SHA-256("")`.
//! - For a list of `n > 1` leaves, let `k` be the largest power of two smaller than `n`;
//!   the root is the node over the root of the first `k` leaves and the root of the rest.
//! - Proofs are generated (`inclusion_proof`, `consistency_proof`) as RFC 6962 section
//!   2.1.1 and 2.1.2 define them, and verified (`verify_inclusion`,
//!   `verify_consistency`) with the algorithms of RFC 9162 section 2.1.3.2 and 2.1.4.2.
//!
//! What a leaf holds is [`canonical`]'s business.

pub mod canonical;
pub mod proof;
pub mod stored;

use sha2::{Digest, Sha256};

/// A SHA-256 value.
pub type Hash = [u8; 32];

/// The hash of one leaf, from its bytes.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    h.finalize().into()
}

/// The hash of an inner node over two subtrees.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two smaller than `n` (for `n > 1`).
fn split(n: usize) -> usize {
    debug_assert!(n > 1);
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The root over a list of leaf hashes, in list order.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The hashes that prove leaf `index` is in the list (`None` when the index is outside
/// it), from the leaf's neighbour up to the root's other child.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    path(index, leaves, &mut proof);
    Some(proof)
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(root(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(root(&leaves[..k]));
    }
}

/// The hashes that prove the list's first `old_size` leaves form the list an earlier root
/// was computed over (`None` when `old_size` is larger than the list). Empty when the
/// sizes are equal or the earlier list was empty.
pub fn consistency_proof(leaves: &[Hash], old_size: usize) -> Option<Vec<Hash>> {
    if old_size > leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    if old_size > 0 && old_size < leaves.len() {
        subproof(old_size, leaves, true, &mut proof);
    }
    Some(proof)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root(leaves));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows that the leaf with hash `leaf` is at `index` in a list of `size`
/// leaves whose root is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// Whether `proof` shows that a list of `new_size` leaves with root `new_root` begins with
/// the list of `old_size` leaves whose root was `old_root` (RFC 9162, 2.1.4.2). Equal
/// sizes need an empty proof and equal roots; an empty earlier list is a prefix of any.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *old_root && sr == *new_root && s == 0
}

/// Lower-case hex, as roots and proofs are written in documents and emails.
pub fn to_hex(hash: &Hash) -> String {
    crate::encoding::hex(hash)
}

/// A hash from 64 hex digits.
pub fn from_hex(text: &str) -> Option<Hash> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The eight leaves of the test data used with RFC 6962 by Certificate Transparency
    /// implementations, and the roots of their first 1..=8.
    const LEAVES: [&[u8]; 8] = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn hashes(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    #[test]
    fn the_roots_match_the_test_vectors() {
        let leaves: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(l)).collect();
        for (n, expected) in ROOTS.iter().enumerate() {
            assert_eq!(to_hex(&root(&leaves[..=n])), *expected, "root of {}", n + 1);
        }
        assert_eq!(
            to_hex(&root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn proofs_over_the_test_vectors_verify() {
        let leaves: Vec<Hash> = LEAVES.iter().map(|l| leaf_hash(l)).collect();
        let new_root = from_hex(ROOTS[7]).unwrap();
        for (i, leaf) in leaves.iter().enumerate() {
            let proof = inclusion_proof(&leaves, i).unwrap();
            assert_eq!(proof.len(), 3);
            assert!(verify_inclusion(leaf, i as u64, 8, &proof, &new_root));
        }
        for m in 1..=8 {
            let old_root = from_hex(ROOTS[m - 1]).unwrap();
            let proof = consistency_proof(&leaves, m).unwrap();
            assert!(
                verify_consistency(m as u64, 8, &old_root, &new_root, &proof),
                "{m}"
            );
        }
    }

    #[test]
    fn a_proof_does_not_verify_for_another_leaf_index_size_or_root() {
        let leaves = hashes(13);
        let r = root(&leaves);
        let proof = inclusion_proof(&leaves, 5).unwrap();
        assert!(verify_inclusion(&leaves[5], 5, 13, &proof, &r));
        assert!(!verify_inclusion(&leaves[6], 5, 13, &proof, &r));
        assert!(!verify_inclusion(&leaves[5], 4, 13, &proof, &r));
        // A size whose tree has another shape (the size itself is bound to the root by
        // whoever publishes it, as in RFC 6962's signed tree heads).
        assert!(!verify_inclusion(&leaves[5], 5, 6, &proof, &r));
        assert!(!verify_inclusion(&leaves[5], 5, 13, &proof, &leaves[0]));
        assert!(!verify_inclusion(&leaves[5], 5, 13, &proof[1..], &r));
        assert!(!verify_inclusion(&leaves[5], 13, 13, &proof, &r));
        assert!(inclusion_proof(&leaves, 13).is_none());
    }

    #[test]
    fn a_list_with_a_changed_leaf_is_not_consistent() {
        let leaves = hashes(10);
        let mut changed = leaves.clone();
        changed[2] = leaf_hash(b"someone else");
        let old_root = root(&changed[..6]);
        let proof = consistency_proof(&leaves, 6).unwrap();
        assert!(!verify_consistency(
            6,
            10,
            &old_root,
            &root(&leaves),
            &proof
        ));
        assert!(verify_consistency(
            6,
            10,
            &root(&leaves[..6]),
            &root(&leaves),
            &proof
        ));
        assert!(!verify_consistency(7, 6, &old_root, &root(&leaves), &[]));
        assert!(consistency_proof(&leaves, 11).is_none());
    }

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_a_hash() {
        let h = leaf_hash(b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }

    proptest! {
        #[test]
        fn every_inclusion_proof_verifies_and_a_flipped_bit_does_not(n in 1usize..80, pick in 0usize..80, bit in 0usize..256) {
            let leaves = hashes(n);
            let i = pick % n;
            let r = root(&leaves);
            let proof = inclusion_proof(&leaves, i).unwrap();
            prop_assert!(verify_inclusion(&leaves[i], i as u64, n as u64, &proof, &r));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let which = bit % bad.len();
                bad[which][(bit / 8) % 32] ^= 1 << (bit % 8);
                prop_assert!(!verify_inclusion(&leaves[i], i as u64, n as u64, &bad, &r));
            }
        }

        #[test]
        fn every_consistency_proof_verifies_and_a_flipped_bit_does_not(n in 1usize..80, pick in 0usize..80, bit in 0usize..256) {
            let leaves = hashes(n);
            let m = pick % (n + 1);
            let proof = consistency_proof(&leaves, m).unwrap();
            let (old_root, new_root) = (root(&leaves[..m]), root(&leaves));
            prop_assert!(verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof));
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let which = bit % bad.len();
                bad[which][(bit / 8) % 32] ^= 1 << (bit % 8);
                prop_assert!(!verify_consistency(m as u64, n as u64, &old_root, &new_root, &bad));
            }
        }
    }
}
