//! `SignerEmail`: the address a signature is confirmed through, and its uniqueness key.

use std::fmt;

use email_address::{EmailAddress, Options};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::DomainError;

/// One mailbox address, without display name, quoting or IP-literal domain.
///
/// Equality compares [`SignerEmail::as_str`]; use [`SignerEmail::normalized`] to decide
/// whether two signatures come from the same person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignerEmail {
    address: String,
    normalized: String,
}

impl SignerEmail {
    /// RFC 5321 caps a forward path at 256 octets including the angle brackets; we count
    /// characters, which is the limit people can see while typing.
    pub const MAX_CHARS: usize = 254;

    /// Trims the input and checks that it is one plain address like `name@example.org`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::EmailEmpty);
        }
        let too_long = DomainError::EmailTooLong {
            max: Self::MAX_CHARS,
        };
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(too_long);
        }
        // Angle brackets only appear in `Name <address>` forms (quoted local parts are
        // refused below), so a dedicated message tells the signer exactly what to remove.
        if trimmed.contains(['<', '>']) {
            return Err(DomainError::EmailDisplayName);
        }
        // Without quoted local parts a valid address has exactly one `@`, so several mean
        // a list was pasted (`a@x.org, b@y.org`).
        if trimmed.matches('@').count() > 1 {
            return Err(DomainError::EmailMultiple);
        }
        let Some((local, domain)) = trimmed.split_once('@') else {
            return Err(DomainError::EmailInvalid);
        };
        // Quoted local parts (`"john doe"@example.org`) are valid RFC 5322 but no real
        // signer has one, browsers' `type=email` refuses them, and they would let spaces
        // and backslashes through into mail headers and exports.
        if local.starts_with('"') {
            return Err(DomainError::EmailInvalid);
        }
        // The domain part is case-insensitive (RFC 5321 §2.4), the local part is not, so
        // only the domain is lowercased in the address we send mail to.
        let address = format!("{local}@{}", domain.to_lowercase());
        if address.chars().count() > Self::MAX_CHARS {
            return Err(too_long);
        }
        // Validating the final form rather than the input guarantees that
        // `parse(email.as_str())` succeeds again.
        let options = Options::default()
            .without_display_text()
            .without_domain_literal()
            .with_required_tld();
        if EmailAddress::parse_with_options(&address, options).is_err() {
            return Err(DomainError::EmailInvalid);
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(DomainError::EmailInvalid);
        };
        if !is_plain_local_part(local) || !is_deliverable_domain(domain) {
            return Err(DomainError::EmailInvalid);
        }
        let normalized = normalize_key(&address);
        Ok(Self {
            address,
            normalized,
        })
    }

    /// The address as typed (trimmed), with the domain lowercased: where mail is sent.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// NFC and fully lowercased: the key for "one signature per email per letter".
    ///
    /// Lowercasing the local part is technically lossy, but no real provider treats
    /// `Ann@` and `ann@` as different people, while a duplicate signature is a real harm.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The lowercased domain part, for per-domain abuse checks.
    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
    }
}

impl AsRef<str> for SignerEmail {
    fn as_ref(&self) -> &str {
        &self.address
    }
}

impl fmt::Display for SignerEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

/// The email_address crate follows RFC 6532 and lets *any* non-ASCII character into the
/// local part, including invisible ones (C1 controls, zero-width and bidi characters, odd
/// spaces) that would make an address look like another. Internationalised addresses are
/// made of letters, digits and combining marks, so only those are let through.
fn is_plain_local_part(local: &str) -> bool {
    local
        .chars()
        .all(|c| c.is_ascii() || c.is_alphanumeric() || is_combining_mark(c))
}

/// The email_address crate accepts any RFC 5322 atom as a domain label (`ex!ample.org`)
/// and any top-level label; mail can only be delivered to host names, so each label must
/// be letters, digits and hyphens, and the top-level one a real-looking TLD.
fn is_deliverable_domain(domain: &str) -> bool {
    let labels_ok = domain
        .split('.')
        .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'));
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    labels_ok && is_plausible_tld(tld)
}

/// Alphabetic and at least two characters (`org`, `de`, `рф`); the ASCII form of an
/// internationalised TLD (`xn--p1ai`) is accepted too, since that is how some people type it.
fn is_plausible_tld(tld: &str) -> bool {
    let alphabetic = tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic);
    let punycode = tld.len() > 4
        && tld.starts_with("xn--")
        && tld.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    alphabetic || punycode
}

/// NFC, lowercase, then NFC again: Unicode does not promise that lowercasing preserves
/// the normal form, and the key must be idempotent to be usable for uniqueness.
fn normalize_key(address: &str) -> String {
    let lowered = address.nfc().collect::<String>().to_lowercase();
    lowered.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_plain_addresses() {
        for ok in [
            "name@example.org",
            "first.last+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "x@example.museum",
            "jörg@müller.de",
            "jose\u{301}@example.org",
            "用户@例子.广告",
            "user@xn--80ak6aa92e.xn--p1ai",
            "user@пример.рф",
            "1234@123.example.com",
        ] {
            let email = SignerEmail::parse(ok);
            assert!(email.is_ok(), "{ok}: {email:?}");
        }
    }

    #[test]
    fn trims_and_lowercases_only_the_domain() {
        let email = SignerEmail::parse("  Ada.Lovelace@Example.ORG \n").unwrap();
        assert_eq!(email.as_str(), "Ada.Lovelace@example.org");
        assert_eq!(email.normalized(), "ada.lovelace@example.org");
        assert_eq!(email.domain(), "example.org");
    }

    #[test]
    fn normalized_unifies_unicode_forms() {
        let composed = SignerEmail::parse("jos\u{e9}@example.org").unwrap();
        let decomposed = SignerEmail::parse("JOSE\u{301}@example.org").unwrap();
        assert_eq!(composed.normalized(), decomposed.normalized());
    }

    #[test]
    fn refuses_empty() {
        assert_eq!(SignerEmail::parse(""), Err(DomainError::EmailEmpty));
        assert_eq!(SignerEmail::parse("   "), Err(DomainError::EmailEmpty));
    }

    #[test]
    fn refuses_display_names() {
        for bad in [
            "Foo <a@example.org>",
            "<a@example.org>",
            "\"Foo\" <a@example.org>",
        ] {
            assert_eq!(
                SignerEmail::parse(bad),
                Err(DomainError::EmailDisplayName),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_more_than_one_address() {
        for bad in [
            "a@example.org, b@example.org",
            "a@example.org b@example.org",
            "a@b@example.org",
        ] {
            assert_eq!(
                SignerEmail::parse(bad),
                Err(DomainError::EmailMultiple),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "example.org",
            "@example.org",
            "name@",
            "name@localhost",
            "name@example",
            "name@example.c",
            "name@example.123",
            "name@example.c0m",
            "name@[127.0.0.1]",
            "name@[IPv6:::1]",
            "name@127.0.0.1",
            "name@ex!ample.org",
            "name@example..org",
            "name@-example.org",
            "name@example.org.",
            "na me@example.org",
            "name.@example.org",
            "na..me@example.org",
            "\"john doe\"@example.org",
            "name@exa mple.org",
            "name\u{0}@example.org",
            "name\u{202E}@example.org",
            "name\u{85}@example.org",
            "name\u{200B}@example.org",
            "na\u{a0}me@example.org",
            "name\u{1F642}@example.org",
            "name@example.org;",
        ] {
            assert_eq!(
                SignerEmail::parse(bad),
                Err(DomainError::EmailInvalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_too_long() {
        let local = "a".repeat(60);
        let labels = ["b", "c", "d", "e"].map(|l| l.repeat(60));
        let address = format!("{local}@{}.org", labels.join("."));
        assert!(address.len() > SignerEmail::MAX_CHARS);
        assert_eq!(
            SignerEmail::parse(&address),
            Err(DomainError::EmailTooLong { max: 254 })
        );
    }

    #[test]
    fn messages_are_instructions() {
        assert_eq!(
            DomainError::EmailInvalid.to_string(),
            "Enter an email address in the form name@example.org"
        );
    }

    /// Plausible addresses, including non-ASCII letters and mixed case.
    fn address() -> impl Strategy<Value = String> {
        let local = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}(\\.[A-Za-zÀ-ÖØ-öø-ÿ0-9_+-]{1,8}){0,2}";
        let domain = "([A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,6}";
        (local, domain).prop_map(|(local, domain)| format!("{local}@{domain}"))
    }

    /// Flips the case of the characters picked by `mask`, where that round-trips.
    fn flip_case(text: &str, mask: &[bool]) -> String {
        text.chars()
            .zip(mask.iter().cycle())
            .map(|(c, &flip)| {
                let mut upper = c.to_uppercase();
                match (flip, upper.next(), upper.next()) {
                    (true, Some(u), None) if c.is_lowercase() => u,
                    (true, _, _) if c.is_uppercase() => c.to_lowercase().next().unwrap_or(c),
                    _ => c,
                }
            })
            .collect()
    }

    proptest! {
        #[test]
        fn generated_addresses_parse(input in address()) {
            prop_assert!(SignerEmail::parse(&input).is_ok(), "{}", input);
        }

        #[test]
        fn parse_round_trips_through_as_str(input in address(), pad in "[ \t\n]{0,3}") {
            let email = SignerEmail::parse(&format!("{pad}{input}{pad}")).unwrap();
            prop_assert_eq!(SignerEmail::parse(email.as_str()), Ok(email.clone()));
        }

        #[test]
        fn parse_round_trips_whenever_it_succeeds(input in any::<String>()) {
            if let Ok(email) = SignerEmail::parse(&input) {
                prop_assert_eq!(SignerEmail::parse(email.as_str()), Ok(email.clone()));
            }
        }

        #[test]
        fn normalized_is_idempotent(input in address()) {
            let email = SignerEmail::parse(&input).unwrap();
            let again = SignerEmail::parse(email.normalized()).unwrap();
            prop_assert_eq!(again.normalized(), email.normalized());
        }

        #[test]
        fn normalize_key_is_idempotent_on_any_text(input in any::<String>()) {
            let once = normalize_key(&input);
            prop_assert_eq!(normalize_key(&once), once);
        }

        #[test]
        fn case_variants_normalise_equal(
            input in address(),
            mask in proptest::collection::vec(any::<bool>(), 1..16),
        ) {
            let variant = flip_case(&input, &mask);
            let a = SignerEmail::parse(&input).unwrap();
            let b = SignerEmail::parse(&variant).unwrap();
            prop_assert_eq!(a.normalized(), b.normalized());
            prop_assert_eq!(a.domain(), b.domain());
        }
    }
}
