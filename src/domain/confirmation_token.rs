//! `ConfirmationToken`: the secret in a signature's confirmation link.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::DomainError;

/// 256 random bits, shown as 43 characters of unpadded base64url.
///
/// Only [`ConfirmationToken::hash`] is stored, so a leaked database cannot be used to
/// confirm signatures. There is deliberately no `Display` and no `PartialEq`: the token
/// should go into exactly one place (the email), and lookups compare hashes.
#[derive(Clone)]
pub struct ConfirmationToken {
    bytes: [u8; Self::BYTES],
    text: String,
}

impl ConfirmationToken {
    const BYTES: usize = 32;
    /// `ceil(32 * 8 / 6)`: unpadded base64 of 32 bytes.
    const TEXT_LEN: usize = 43;

    /// A fresh token from the thread-local CSPRNG, which rand seeds from the OS.
    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let text = URL_SAFE_NO_PAD.encode(bytes);
        Self { bytes, text }
    }

    /// Accepts only the exact form [`ConfirmationToken::generate`] produces.
    ///
    /// The base64 engine also refuses non-zero trailing bits, so each token has a single
    /// spelling and `as_str` is always what was parsed.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let alphabet_ok = input
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if input.len() != Self::TEXT_LEN || !alphabet_ok {
            return Err(DomainError::TokenInvalid);
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(input)
            .map_err(|_| DomainError::TokenInvalid)?;
        let bytes: [u8; Self::BYTES] = decoded.try_into().map_err(|_| DomainError::TokenInvalid)?;
        Ok(Self {
            bytes,
            text: input.to_owned(),
        })
    }

    /// The token as it goes into the confirmation link.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Lowercase hex SHA-256 of the raw 32 bytes: the only form the database keeps.
    ///
    /// A plain hash suffices (no salt or slow KDF) because the input has 256 bits of
    /// entropy; there is nothing to brute-force.
    pub fn hash(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(self.bytes);
        let mut hex = String::with_capacity(digest.len() * 2);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        hex
    }
}

/// Hand-written so the secret never reaches logs, panics or error reports.
impl fmt::Debug for ConfirmationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmationToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let token = ConfirmationToken::generate();
        assert_eq!(token.as_str().len(), 43);
        assert!(
            token
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let hash = token.hash();
        assert_eq!(hash.len(), 64);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
    }

    #[test]
    fn parse_round_trips_with_the_same_hash() {
        let token = ConfirmationToken::generate();
        let parsed = ConfirmationToken::parse(token.as_str()).unwrap();
        assert_eq!(parsed.as_str(), token.as_str());
        assert_eq!(parsed.hash(), token.hash());
    }

    #[test]
    fn generated_tokens_differ() {
        let a = ConfirmationToken::generate();
        let b = ConfirmationToken::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn hash_is_sha256_of_the_raw_bytes() {
        // 32 zero bytes; the expected value is the well-known SHA-256 of that input.
        let token = ConfirmationToken::parse(&"A".repeat(43)).unwrap();
        assert_eq!(
            token.hash(),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let token = ConfirmationToken::generate();
        let shown = format!("{token:?} {:?}", Some(&token));
        assert!(!shown.contains(token.as_str()));
        assert_eq!(format!("{token:?}"), "ConfirmationToken(..)");
    }

    #[test]
    fn refuses_wrong_lengths_and_characters() {
        let good = ConfirmationToken::generate().as_str().to_owned();
        let bad = [
            String::new(),
            good[..42].to_owned(),
            format!("{good}A"),
            format!("{good}="),
            format!(" {}", &good[1..]),
            format!("{}+", &good[..42]),
            format!("{}/", &good[..42]),
            format!("{}=", &good[..42]),
            format!("{}é", &good[..41]),
            // 44 chars of padded standard base64 is not the URL form.
            format!("{}=", &good),
        ];
        for input in bad {
            assert_eq!(
                ConfirmationToken::parse(&input).map(|t| t.hash()),
                Err(DomainError::TokenInvalid),
                "{input:?}"
            );
        }
    }

    #[test]
    fn refuses_non_canonical_trailing_bits() {
        // The last character carries 2 data bits and 4 bits that must be zero:
        // "A" is canonical, "B" differs only in those padding bits.
        let canonical = "A".repeat(43);
        let sloppy = format!("{}B", "A".repeat(42));
        assert!(ConfirmationToken::parse(&canonical).is_ok());
        assert_eq!(
            ConfirmationToken::parse(&sloppy).map(|t| t.hash()),
            Err(DomainError::TokenInvalid)
        );
    }

    proptest! {
        #[test]
        fn parse_accepts_exactly_the_encodings_of_32_bytes(bytes in any::<[u8; 32]>()) {
            let text = URL_SAFE_NO_PAD.encode(bytes);
            let token = ConfirmationToken::parse(&text).unwrap();
            prop_assert_eq!(token.as_str(), text.as_str());
            prop_assert_eq!(token.hash(), ConfirmationToken { bytes, text: text.clone() }.hash());
        }

        #[test]
        fn parse_never_panics_and_round_trips(input in "[A-Za-z0-9_=+/-]{0,50}") {
            if let Ok(token) = ConfirmationToken::parse(&input) {
                prop_assert_eq!(token.as_str(), input.as_str());
                prop_assert_eq!(ConfirmationToken::parse(token.as_str()).map(|t| t.hash()), Ok(token.hash()));
            }
        }
    }
}
