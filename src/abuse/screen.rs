//! Screening a sign form before anything is recorded: the honeypot, the signed render
//! time (too fast, too old, forged), and the email domain and client address against the
//! disposable list and the operators' block and allow lists ([`super::lists`]).
//!
//! The render time is signed with HMAC-SHA256 over the letter id and the time, so a
//! client cannot claim it saw the form earlier than it did, nor reuse a stamp of one
//! letter on another. A stamp is not single-use: a robot that waits the minimum time can
//! post many forms with one stamp until it is `sign_form_max_age` old; the per-address
//! and durable limits deal with volume, this check with the cheapest scripts.
//!
//! Public letter pages are cached (in memory for `page_cache_ttl`, by a CDN for up to
//! `s-maxage` + `stale-while-revalidate`), and the stamp is part of the page, so a
//! cached page carries an older stamp than the moment the reader opened it. That only
//! ever makes the minimum time easier to meet, never refuses a person.
//!
//! Logs name the client's network (its /24 or /48, [`crate::privacy::ip::prefix`]), never
//! the full address: full addresses are shown only in the admin tools.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;

use super::lists::{DomainVerdict, NetworkVerdict};
use crate::config::Settings;
use crate::domain::SignerEmail;
use crate::encoding::hex;
use crate::privacy;
use crate::web::AppState;
use crate::web::sign_form::SignFormInput;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks the render time of sign forms with one key.
#[derive(Clone)]
pub struct FormStamps {
    key: [u8; 32],
}

impl std::fmt::Debug for FormStamps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormStamps(..)")
    }
}

/// Why a stamp was not good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampProblem {
    /// Missing, damaged, made up, or for another letter.
    Forged,
    /// Sent sooner than `sign_min_fill` after rendering.
    TooFast,
    /// Sent later than `sign_form_max_age` after rendering.
    TooOld,
}

impl FormStamps {
    /// Stamps signed with `secret` (any length; it is hashed into the key).
    pub fn new(secret: &[u8]) -> FormStamps {
        use sha2::Digest;
        let mut key = [0u8; 32];
        key.copy_from_slice(&Sha256::digest(secret));
        FormStamps { key }
    }

    /// Stamps with a random key of this process.
    pub fn random() -> FormStamps {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        FormStamps::new(&secret)
    }

    /// The stamps of the `form_secret` setting; unset, of a key the service keeps in the
    /// database, so forms survive a restart and every replica accepts the others' forms.
    pub async fn load<C: sea_orm::ConnectionTrait>(
        conn: &C,
        settings: &Settings,
    ) -> Result<FormStamps, sea_orm::DbErr> {
        Ok(match &settings.form_secret {
            Some(secret) => FormStamps::new(secret.expose_secret().as_bytes()),
            None => FormStamps::new(&crate::store::secrets::shared(conn, "form_secret").await?),
        })
    }

    fn tag(&self, letter_id: i64, secs: i64) -> HmacSha256 {
        // `new_from_slice` takes any key length; 32 bytes never fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"undersigned sign form\0");
        mac.update(&letter_id.to_be_bytes());
        mac.update(&secs.to_be_bytes());
        mac
    }

    /// The stamp of a form of letter `letter_id` rendered at `at`:
    /// `{seconds}.{hex of the first 16 bytes of the HMAC}`.
    pub fn mint(&self, letter_id: i64, at: DateTime<Utc>) -> String {
        let secs = at.timestamp();
        let tag = self.tag(letter_id, secs).finalize().into_bytes();
        format!("{secs}.{}", hex(&tag[..16]))
    }

    /// Checks a stamp sent back with a form of letter `letter_id` at `now`.
    pub fn check(
        &self,
        stamp: &str,
        letter_id: i64,
        now: DateTime<Utc>,
        min_fill: Duration,
        max_age: Duration,
    ) -> Result<(), StampProblem> {
        let (secs, tag) = stamp.split_once('.').ok_or(StampProblem::Forged)?;
        let secs: i64 = secs.parse().map_err(|_| StampProblem::Forged)?;
        let tag = unhex(tag).ok_or(StampProblem::Forged)?;
        if tag.len() != 16 {
            return Err(StampProblem::Forged);
        }
        self.tag(letter_id, secs)
            .verify_truncated_left(&tag)
            .map_err(|_| StampProblem::Forged)?;
        let age = now.timestamp().saturating_sub(secs);
        let at_least = i64::try_from(min_fill.as_secs()).unwrap_or(i64::MAX);
        let at_most = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        if age < at_least {
            return Err(StampProblem::TooFast);
        }
        if age > at_most {
            return Err(StampProblem::TooOld);
        }
        Ok(())
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// What screening decided about a sign form.
#[derive(Debug)]
pub enum Screened {
    /// Nothing against it: record as usual.
    Pass,
    /// The honeypot was filled: answer like a success, record nothing.
    Honeypot,
    /// Show the form again with these messages (422), the input kept.
    Refuse(Vec<templates::FieldError>),
    /// The client address is on the operators' block list (403).
    Blocked,
}

/// The message for a form sent sooner than the minimum time.
pub const TOO_FAST: &str =
    "Please take a moment to read the letter before signing, then send the form again.";
/// The message for a stale or damaged form.
pub const FORM_EXPIRED: &str = "This form was too old or incomplete, so we have loaded it again. Please check your details and send it again.";
/// The message beside an email address at a disposable-address service.
pub const DISPOSABLE: &str =
    "Enter an address you will keep: we do not take signatures from disposable email services";
/// The message beside an email address whose domain the operators blocked.
pub const DOMAIN_BLOCKED: &str =
    "Signatures from this email domain are not taken here. Enter another email address";

/// Screens a sign form of letter `letter_id` from `ip` (called once, from the sign
/// handler, before the form's fields are checked and anything is written).
///
/// Order matters: a filled honeypot is answered like a success before anything else,
/// so a robot learns nothing; then the client address, then the form's age, then the
/// email domain. Allow-listed networks and domains skip the block and disposable lists.
pub async fn screen(
    state: &AppState,
    letter_id: i64,
    input: &SignFormInput,
    ip: IpAddr,
) -> Screened {
    if !input.homepage.trim().is_empty() {
        tracing::info!(
            letter_id,
            network = %privacy::ip::prefix(ip),
            "sign form with its honeypot filled: nothing recorded"
        );
        return Screened::Honeypot;
    }
    let stamp = state.stamps.check(
        &input.form_stamp,
        letter_id,
        state.clock.now(),
        state.settings.sign_min_fill,
        state.settings.sign_form_max_age,
    );
    screen_signer(state, letter_id, &input.email, ip, stamp.err()).await
}

/// The screening that applies to every signing, from our form or a partner's
/// (`api::write`): the operators' network list for the client address, then the email
/// domain against the operators' and the disposable lists. `stamp_problem` is what the
/// form's stamp check found (always `None` for a partner, who has no form of ours).
pub async fn screen_signer(
    state: &AppState,
    letter_id: i64,
    email: &str,
    ip: IpAddr,
    stamp_problem: Option<StampProblem>,
) -> Screened {
    state.lists.refresh_if_due(&state.db).await;
    let network = state.lists.network_verdict(ip);
    if network == NetworkVerdict::Blocked {
        tracing::info!(
            letter_id,
            network = %privacy::ip::prefix(ip),
            "signing from a blocked network refused"
        );
        return Screened::Blocked;
    }
    let mut errors = Vec::new();
    if let Some(problem) = stamp_problem {
        tracing::info!(
            letter_id,
            network = %privacy::ip::prefix(ip),
            ?problem,
            "sign form refused for its stamp"
        );
        errors.push(templates::FieldError {
            field: "form_stamp".into(),
            message: match problem {
                StampProblem::TooFast => TOO_FAST.into(),
                StampProblem::TooOld | StampProblem::Forged => FORM_EXPIRED.into(),
            },
        });
    }
    if network != NetworkVerdict::Allowed
        && let Ok(email) = SignerEmail::parse(email)
    {
        match state.lists.domain_verdict(email.domain()) {
            DomainVerdict::Allowed | DomainVerdict::Neutral => {}
            DomainVerdict::Blocked => errors.push(templates::FieldError {
                field: "email".into(),
                message: DOMAIN_BLOCKED.into(),
            }),
            DomainVerdict::Disposable => errors.push(templates::FieldError {
                field: "email".into(),
                message: DISPOSABLE.into(),
            }),
        }
    }
    if errors.is_empty() {
        Screened::Pass
    } else {
        Screened::Refuse(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    const MIN: Duration = Duration::from_secs(3);
    const MAX: Duration = Duration::from_secs(86_400);

    #[test]
    fn a_stamp_is_good_between_the_minimum_and_the_maximum_age() {
        let stamps = FormStamps::new(b"secret");
        let stamp = stamps.mint(7, at(1_000_000));
        assert_eq!(stamps.check(&stamp, 7, at(1_000_003), MIN, MAX), Ok(()));
        assert_eq!(stamps.check(&stamp, 7, at(1_086_400), MIN, MAX), Ok(()));
        assert_eq!(
            stamps.check(&stamp, 7, at(1_000_002), MIN, MAX),
            Err(StampProblem::TooFast)
        );
        assert_eq!(
            stamps.check(&stamp, 7, at(1_086_401), MIN, MAX),
            Err(StampProblem::TooOld)
        );
    }

    #[test]
    fn a_stamp_holds_only_for_its_letter_and_its_key() {
        let stamps = FormStamps::new(b"secret");
        let stamp = stamps.mint(7, at(1_000_000));
        let later = at(1_000_010);
        assert_eq!(
            stamps.check(&stamp, 8, later, MIN, MAX),
            Err(StampProblem::Forged)
        );
        assert_eq!(
            FormStamps::new(b"other").check(&stamp, 7, later, MIN, MAX),
            Err(StampProblem::Forged)
        );
        // An earlier time with the old tag does not verify.
        let (_, tag) = stamp.split_once('.').unwrap();
        let backdated = format!("999000.{tag}");
        assert_eq!(
            stamps.check(&backdated, 7, later, MIN, MAX),
            Err(StampProblem::Forged)
        );
        for junk in ["", ".", "1.", "x.00", "1000000", "1000000.zz", "1000000.00"] {
            assert_eq!(
                stamps.check(junk, 7, later, MIN, MAX),
                Err(StampProblem::Forged),
                "{junk}"
            );
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_passes_as_a_stamp(text in any::<String>()) {
            let stamps = FormStamps::new(b"secret");
            prop_assert_eq!(
                stamps.check(&text, 1, at(2_000_000_000), Duration::ZERO, MAX),
                Err(StampProblem::Forged)
            );
        }
    }
}
