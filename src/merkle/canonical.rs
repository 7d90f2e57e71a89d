//! The canonical form of a public signature: the exact bytes of its leaf in the list's
//! Merkle tree. Anyone holding the public list can rebuild every leaf from it.
//!
//! A leaf is UTF-8 text: the line `undersigned-signature-v1`, then one line per field in
//! this order, each `key=<length>:<value>` where `<length>` is the value's length in bytes
//! (decimal), and every line ends with a single `\n` (0x0A):
//!
//! | key | value |
//! |---|---|
//! | `letter` | the letter's slug |
//! | `id` | the signature's number, decimal |
//! | `kind` | `individual` or `organisation` |
//! | `name` | the organisation's name; an individual's name when they chose to be listed; empty otherwise |
//! | `country` | ISO 3166-1 alpha-2 code, upper case |
//! | `confirmed` | when it was confirmed, UTC, to the second: `YYYY-MM-DDTHH:MM:SSZ` |
//! | `version` | the number of the letter's text version it was given to sign, decimal |
//!
//! The length prefix makes the form unambiguous whatever a name holds. Values are the
//! stored text as is (no further normalisation), so the bytes shown in the public list are
//! the bytes hashed.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::entities::{SignatureKind, signature};

/// The first line of every leaf; a new form would get a new tag.
pub const TAG: &str = "undersigned-signature-v1";

/// The public fields of one confirmed signature, as they go into its leaf.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicSignature {
    pub letter: String,
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub country: String,
    pub confirmed: String,
    pub version: i32,
}

impl PublicSignature {
    /// The public fields of `sig` (a confirmed signature of the letter `letter_slug`); an
    /// individual who did not choose to be listed has an empty name.
    pub fn of(letter_slug: &str, sig: &signature::Model) -> PublicSignature {
        let name = match sig.kind {
            SignatureKind::Organisation => sig.organisation_name.clone().unwrap_or_default(),
            SignatureKind::Individual if sig.show_publicly => sig.name.clone(),
            SignatureKind::Individual => String::new(),
        };
        PublicSignature {
            letter: letter_slug.to_owned(),
            id: sig.id,
            kind: sig.kind.as_str().to_owned(),
            name,
            country: sig.country.clone(),
            confirmed: sig.confirmed_at.map(timestamp).unwrap_or_default(),
            version: sig.letter_version,
        }
    }

    /// The leaf's bytes (see the module documentation).
    pub fn leaf(&self) -> Vec<u8> {
        lines(
            TAG,
            &[
                ("letter", self.letter.as_str()),
                ("id", &self.id.to_string()),
                ("kind", self.kind.as_str()),
                ("name", self.name.as_str()),
                ("country", self.country.as_str()),
                ("confirmed", self.confirmed.as_str()),
                ("version", &self.version.to_string()),
            ],
        )
    }

    /// The leaf's hash in the tree.
    pub fn leaf_hash(&self) -> super::Hash {
        super::leaf_hash(&self.leaf())
    }
}

/// The first line of a removal entry's leaf.
pub const REMOVAL_TAG: &str = "undersigned-removal-v1";

/// A removal entry of the list log: the listing at leaf index `entry` (of the signature
/// `id`) no longer stands. Its leaf is the line `undersigned-removal-v1`, then `letter`,
/// `id` and `entry` in the same `key=<length>:<value>` lines as a signature's.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Removal {
    pub letter: String,
    pub id: i64,
    pub entry: u64,
}

impl Removal {
    /// The leaf's bytes.
    pub fn leaf(&self) -> Vec<u8> {
        lines(
            REMOVAL_TAG,
            &[
                ("letter", self.letter.as_str()),
                ("id", &self.id.to_string()),
                ("entry", &self.entry.to_string()),
            ],
        )
    }

    /// The leaf's hash in the tree.
    pub fn leaf_hash(&self) -> super::Hash {
        super::leaf_hash(&self.leaf())
    }
}

/// A tag line, then one `key=<length>:<value>` line per field.
fn lines(tag: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::with_capacity(128);
    out.push_str(tag);
    out.push('\n');
    for (key, value) in fields {
        out.push_str(key);
        out.push('=');
        out.push_str(&value.len().to_string());
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.into_bytes()
}

/// A time as it is written in a leaf: UTC, to the second, with a `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn sample() -> PublicSignature {
        PublicSignature {
            letter: "free-them".into(),
            id: 42,
            kind: "organisation".into(),
            name: "Ağ: \"x\"\nçə".into(),
            country: "AZ".into(),
            confirmed: timestamp(Utc.with_ymd_and_hms(2026, 11, 29, 12, 30, 5).unwrap()),
            version: 2,
        }
    }

    #[test]
    fn a_leaf_is_the_documented_text_with_byte_lengths() {
        let leaf = String::from_utf8(sample().leaf()).unwrap();
        assert_eq!(
            leaf,
            "undersigned-signature-v1\n\
             letter=9:free-them\n\
             id=2:42\n\
             kind=12:organisation\n\
             name=13:Ağ: \"x\"\nçə\n\
             country=2:AZ\n\
             confirmed=20:2026-11-29T12:30:05Z\n\
             version=1:2\n"
        );
    }

    /// The example in the README's "Verifying a signature list", byte for byte.
    #[test]
    fn the_readme_example_is_a_real_leaf() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("   undersigned-signature-v1\n")
            .expect("the example in the README");
        let example: String = readme[start..]
            .lines()
            .take(8)
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        let sig = PublicSignature {
            letter: "free-them".into(),
            id: 42,
            kind: "individual".into(),
            name: "Ləman Əliyeva".into(),
            country: "AZ".into(),
            confirmed: "2026-11-29T12:30:05Z".into(),
            version: 1,
        };
        assert_eq!(String::from_utf8(sig.leaf()).unwrap(), example);
    }

    #[test]
    fn every_field_changes_the_leaf_hash() {
        let base = sample().leaf_hash();
        let mut changed = Vec::new();
        for edit in 0..7 {
            let mut s = sample();
            match edit {
                0 => s.letter.push('x'),
                1 => s.id += 1,
                2 => s.kind = "individual".into(),
                3 => s.name.push(' '),
                4 => s.country = "AM".into(),
                5 => s.confirmed = "2026-11-29T12:30:06Z".into(),
                _ => s.version += 1,
            }
            changed.push(s.leaf_hash());
        }
        assert!(changed.iter().all(|h| *h != base));
    }

    #[test]
    fn a_removal_leaf_is_the_documented_text() {
        let removal = Removal {
            letter: "free-them".into(),
            id: 42,
            entry: 17,
        };
        assert_eq!(
            String::from_utf8(removal.leaf()).unwrap(),
            "undersigned-removal-v1\nletter=9:free-them\nid=2:42\nentry=2:17\n"
        );
    }

    #[test]
    fn a_name_cannot_pose_as_the_next_field() {
        let mut a = sample();
        a.name = "X".into();
        a.country = "AZ".into();
        let mut b = sample();
        b.name = "X\ncountry=2:AZ".into();
        b.country = String::new();
        assert_ne!(a.leaf(), b.leaf());
    }
}
