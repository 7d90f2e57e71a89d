//! The proof of work asked of signers of a letter under attack, in the ALTCHA protocol
//! (self-hosted: we issue and check the challenges, our own script solves them), and the
//! delay ticket given to signers without JavaScript instead.
//!
//! A challenge: a random `salt` (carrying the letter and an expiry), a secret `number` up
//! to `maxnumber`, `challenge = hex(SHA-256(salt + number))` and `signature =
//! hex(HMAC-SHA-256(key, challenge))`. The browser tries numbers until the hash matches and
//! sends back base64(JSON {algorithm, challenge, number, salt, signature}). We check the
//! signature (so only our challenges count), the hash, the expiry and the letter, and then
//! remember the challenge in `used_proofs` in the signing transaction, so none is replayed.
//!
//! A ticket: `letter.issued.nonce.mac`, usable from `pow_delay` after it was given until
//! `pow_ttl`, once. The key is one random secret in `server_secrets`, made on first use and
//! shared by every replica.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::attack::AttackSettings;
use crate::encoding::hex;

type HmacSha256 = Hmac<Sha256>;

/// What the signer's browser (or the signer) sent to get past the under-attack mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// An ALTCHA payload: base64 JSON with the solved challenge.
    Work(String),
    /// A delay ticket, for signers without JavaScript.
    Ticket(String),
    /// Not a proof: the signing came through a partner's API key (`api::write`). The key
    /// answers for its signers (it is named, audited and revocable), so no work is asked;
    /// the per-letter and per-domain limits still apply.
    PartnerKey,
}

/// Why a proof is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the proof could not be read")]
    Malformed,
    #[error("the proof does not solve its challenge, or the challenge is not ours")]
    Wrong,
    #[error("the challenge was for another letter")]
    OtherLetter,
    #[error("the proof has expired")]
    Expired,
    #[error("the wait is not over yet ({wait_secs} s left)")]
    Early { wait_secs: u64 },
    #[error("the proof was used already")]
    Used,
}

/// A challenge as the ALTCHA widget (and our script) reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// A solved challenge, as the browser sends it back (base64 JSON).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Solution {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
}

/// The proof-of-work key, made on first use and shared by every replica.
pub async fn key<C: ConnectionTrait>(conn: &C) -> Result<Vec<u8>, DbErr> {
    crate::store::secrets::shared(conn, "pow").await
}

/// A new challenge for a signing of `letter_id`, usable until `now + ttl`.
pub fn new_challenge(
    key: &[u8],
    letter_id: i64,
    max_number: u64,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Challenge {
    let salt = format!(
        "{}?letter={letter_id}&expires={}",
        hex(&rand::random::<[u8; 12]>()),
        (now + ttl).timestamp()
    );
    let number = rand::random_range(0..=max_number);
    let challenge = hash_hex(&format!("{salt}{number}"));
    let signature = mac_hex(key, &challenge);
    Challenge {
        algorithm: "SHA-256".into(),
        challenge,
        maxnumber: max_number,
        salt,
        signature,
    }
}

/// Finds the number by trying them all, as a browser does (for tests and tools).
pub fn solve(challenge: &Challenge) -> Option<String> {
    let number = (0..=challenge.maxnumber)
        .find(|n| hash_hex(&format!("{}{n}", challenge.salt)) == challenge.challenge)?;
    let solution = Solution {
        algorithm: challenge.algorithm.clone(),
        challenge: challenge.challenge.clone(),
        number,
        salt: challenge.salt.clone(),
        signature: challenge.signature.clone(),
    };
    Some(STANDARD.encode(serde_json::to_vec(&solution).ok()?))
}

/// What a checked proof is remembered by, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub id: String,
    pub expires_at: DateTime<Utc>,
}

/// Checks an ALTCHA payload for `letter_id` (not whether it was used: see [`accept`]).
pub fn verify_work(
    key: &[u8],
    payload: &str,
    letter_id: i64,
    now: DateTime<Utc>,
) -> Result<Checked, ProofError> {
    let bytes = STANDARD
        .decode(payload.trim())
        .map_err(|_| ProofError::Malformed)?;
    let s: Solution = serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)?;
    if s.algorithm != "SHA-256" {
        return Err(ProofError::Malformed);
    }
    if !mac_matches(key, &s.challenge, &s.signature) {
        return Err(ProofError::Wrong);
    }
    if hash_hex(&format!("{}{}", s.salt, s.number)) != s.challenge {
        return Err(ProofError::Wrong);
    }
    // The salt is covered by the signature through the challenge: its parameters are ours.
    let params = s.salt.split_once('?').map(|(_, p)| p).unwrap_or_default();
    let param = |name: &str| {
        params
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let expires = param("expires")
        .and_then(|e| e.parse::<i64>().ok())
        .and_then(|e| DateTime::from_timestamp(e, 0))
        .ok_or(ProofError::Malformed)?;
    if param("letter") != Some(letter_id.to_string().as_str()) {
        return Err(ProofError::OtherLetter);
    }
    if now > expires {
        return Err(ProofError::Expired);
    }
    Ok(Checked {
        id: s.challenge,
        expires_at: expires,
    })
}

/// A delay ticket for a signing of `letter_id`, given at `now`.
pub fn new_ticket(key: &[u8], letter_id: i64, now: DateTime<Utc>) -> String {
    let body = format!(
        "{letter_id}.{}.{}",
        now.timestamp(),
        hex(&rand::random::<[u8; 12]>())
    );
    let mac = mac_hex(key, &format!("ticket:{body}"));
    format!("{body}.{mac}")
}

/// Checks a delay ticket for `letter_id` (not whether it was used: see [`accept`]).
pub fn verify_ticket(
    key: &[u8],
    ticket: &str,
    letter_id: i64,
    now: DateTime<Utc>,
    settings: &AttackSettings,
) -> Result<Checked, ProofError> {
    let ticket = ticket.trim();
    let (body, mac) = ticket.rsplit_once('.').ok_or(ProofError::Malformed)?;
    if !mac_matches(key, &format!("ticket:{body}"), mac) {
        return Err(ProofError::Wrong);
    }
    let mut parts = body.split('.');
    let (Some(letter), Some(issued)) = (parts.next(), parts.next()) else {
        return Err(ProofError::Malformed);
    };
    if letter != letter_id.to_string() {
        return Err(ProofError::OtherLetter);
    }
    let issued = issued
        .parse::<i64>()
        .ok()
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .ok_or(ProofError::Malformed)?;
    let ready = issued + settings.pow_delay;
    if now < ready {
        return Err(ProofError::Early {
            wait_secs: u64::try_from((ready - now).num_seconds())
                .unwrap_or(0)
                .max(1),
        });
    }
    let expires_at = issued + settings.pow_ttl;
    if now > expires_at {
        return Err(ProofError::Expired);
    }
    Ok(Checked {
        id: hash_hex(ticket),
        expires_at,
    })
}

/// Checks `proof` and remembers it as used, on `conn` (the signing transaction); the
/// inner error says why it is refused. A proof used once is refused ever after (until it
/// has expired anyway and the sweep forgets it).
pub async fn accept<C: ConnectionTrait>(
    conn: &C,
    proof: &Proof,
    letter_id: i64,
    settings: &AttackSettings,
    now: DateTime<Utc>,
) -> Result<Result<(), ProofError>, DbErr> {
    let key = key(conn).await?;
    let checked = match proof {
        Proof::Work(payload) => verify_work(&key, payload, letter_id, now),
        Proof::Ticket(ticket) => verify_ticket(&key, ticket, letter_id, now, settings),
        Proof::PartnerKey => return Ok(Ok(())),
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    use crate::entities::used_proof;
    let inserted = used_proof::Entity::insert(used_proof::ActiveModel {
        id: sea_orm::Set(checked.id),
        expires_at: sea_orm::Set(checked.expires_at),
    })
    .on_conflict_do_nothing_on([used_proof::Column::Id])
    .exec(conn)
    .await?;
    Ok(match inserted {
        sea_orm::TryInsertResult::Inserted(_) => Ok(()),
        _ => Err(ProofError::Used),
    })
}

/// Forgets used proofs that have expired; returns how many.
pub async fn sweep_used<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    use crate::entities::used_proof;
    let deleted = used_proof::Entity::delete_many()
        .filter(used_proof::Column::ExpiresAt.lt(now))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}

fn hash_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn mac_hex(key: &[u8], text: &str) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return String::new();
    };
    mac.update(text.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Compares in constant time.
fn mac_matches(key: &[u8], text: &str, given_hex: &str) -> bool {
    let Some(given) = unhex(given_hex) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        return false;
    };
    mac.update(text.as_bytes());
    mac.verify_slice(&given).is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn settings() -> AttackSettings {
        AttackSettings {
            threshold_per_minute: 10,
            min_duration: chrono::Duration::minutes(10),
            pow_max_number: 2000,
            pow_delay: chrono::Duration::seconds(10),
            pow_ttl: chrono::Duration::minutes(10),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_solved_challenge_verifies_and_anything_else_does_not() {
        let key = b"a key for the test";
        let c = new_challenge(key, 7, 2000, now(), chrono::Duration::minutes(10));
        let payload = solve(&c).expect("solvable");
        let checked = verify_work(key, &payload, 7, now()).unwrap();
        assert_eq!(checked.id, c.challenge);
        // Another key, another letter, too late, or a wrong number: refused.
        assert_eq!(
            verify_work(b"another key", &payload, 7, now()),
            Err(ProofError::Wrong)
        );
        assert_eq!(
            verify_work(key, &payload, 8, now()),
            Err(ProofError::OtherLetter)
        );
        assert_eq!(
            verify_work(key, &payload, 7, now() + chrono::Duration::minutes(11)),
            Err(ProofError::Expired)
        );
        let mut wrong: Solution =
            serde_json::from_slice(&STANDARD.decode(&payload).unwrap()).unwrap();
        wrong.number = (wrong.number + 1) % 2001;
        let wrong = STANDARD.encode(serde_json::to_vec(&wrong).unwrap());
        assert_eq!(verify_work(key, &wrong, 7, now()), Err(ProofError::Wrong));
        // A salt changed to move the expiry breaks the hash.
        let mut moved: Solution =
            serde_json::from_slice(&STANDARD.decode(&payload).unwrap()).unwrap();
        moved.salt = moved.salt.replace("expires=", "expires=9");
        let moved = STANDARD.encode(serde_json::to_vec(&moved).unwrap());
        assert_eq!(verify_work(key, &moved, 7, now()), Err(ProofError::Wrong));
        assert_eq!(
            verify_work(key, "not base64!", 7, now()),
            Err(ProofError::Malformed)
        );
    }

    #[test]
    fn a_ticket_works_after_the_delay_and_before_it_expires() {
        let key = b"a key for the test";
        let s = settings();
        let t = new_ticket(key, 3, now());
        assert_eq!(
            verify_ticket(key, &t, 3, now() + chrono::Duration::seconds(4), &s),
            Err(ProofError::Early { wait_secs: 6 })
        );
        assert!(verify_ticket(key, &t, 3, now() + chrono::Duration::seconds(10), &s).is_ok());
        assert_eq!(
            verify_ticket(key, &t, 3, now() + chrono::Duration::minutes(11), &s),
            Err(ProofError::Expired)
        );
        assert_eq!(
            verify_ticket(key, &t, 4, now() + chrono::Duration::seconds(10), &s),
            Err(ProofError::OtherLetter)
        );
        let forged = t.replacen("3.", "3.1", 1);
        assert_eq!(
            verify_ticket(key, &forged, 3, now() + chrono::Duration::seconds(10), &s),
            Err(ProofError::Wrong)
        );
    }
}
