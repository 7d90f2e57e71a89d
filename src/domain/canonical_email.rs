//! The canonical form of an address: the key for "one signature per inbox per letter".
//!
//! Some providers deliver several spellings of an address to one inbox. Counting each
//! spelling as a signer lets one person sign many times (`me+1@gmail.com`,
//! `me+2@gmail.com`, `m.e@gmail.com` and `me@googlemail.com` are one Gmail inbox), so
//! duplicate checks use [`canonical_email`] of the normalised address; mail still goes to
//! the address as typed.
//!
//! Only providers whose rules are documented by the provider are listed
//! ([`PROVIDERS`]); every other address is left exactly as normalised (lower case, NFC),
//! because on an unknown server `a.b@` and `ab@`, or `me+x@` and `me@`, may well be
//! different people. Left out on purpose: Yahoo (its `-` addresses are disposable
//! aliases built on a separately chosen base name, not a suffix of the account name) and
//! Proton's dot handling (not documented clearly enough to merge on).

/// What a provider ignores in the local part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Dots in the local part are ignored (`m.e@` is `me@`).
    pub ignores_dots: bool,
    /// Everything from the first `+` on is a tag (`me+news@` is `me@`).
    pub plus_tags: bool,
    /// Another name of the same domain (`googlemail.com` is `gmail.com`).
    pub same_as: Option<&'static str>,
}

const GMAIL: Rules = Rules {
    ignores_dots: true,
    plus_tags: true,
    same_as: None,
};
const PLUS_ONLY: Rules = Rules {
    ignores_dots: false,
    plus_tags: true,
    same_as: None,
};

/// The providers known to deliver variants of an address to one inbox, and how. Keep the
/// README's list ("Duplicate signatures") in step with this one.
pub const PROVIDERS: &[(&str, Rules)] = &[
    ("gmail.com", GMAIL),
    (
        "googlemail.com",
        Rules {
            same_as: Some("gmail.com"),
            ..GMAIL
        },
    ),
    // Outlook.com (Microsoft's consumer mail) supports plus addressing; dots count.
    ("outlook.com", PLUS_ONLY),
    ("hotmail.com", PLUS_ONLY),
    ("live.com", PLUS_ONLY),
    ("fastmail.com", PLUS_ONLY),
    ("proton.me", PLUS_ONLY),
    ("protonmail.com", PLUS_ONLY),
    ("icloud.com", PLUS_ONLY),
];

/// The rules of `domain` (lowercase), if it is a listed provider.
pub fn provider_rules(domain: &str) -> Option<Rules> {
    PROVIDERS
        .iter()
        .find(|(name, _)| *name == domain)
        .map(|(_, rules)| *rules)
}

/// The canonical form of a normalised address (`SignerEmail::normalized`: NFC, lower
/// case). For a listed provider the tag and/or dots are dropped and the domain's other
/// name replaced; anything else comes back unchanged. Idempotent. A local part that
/// would become empty (`+x@gmail.com`) is left as it was.
pub fn canonical_email(normalized: &str) -> String {
    let Some((local, domain)) = normalized.rsplit_once('@') else {
        return normalized.to_owned();
    };
    let Some(rules) = provider_rules(domain) else {
        return normalized.to_owned();
    };
    let mut canonical_local = local;
    if rules.plus_tags
        && let Some((base, _tag)) = local.split_once('+')
    {
        canonical_local = base;
    }
    let canonical_local: String = if rules.ignores_dots {
        canonical_local.chars().filter(|c| *c != '.').collect()
    } else {
        canonical_local.to_owned()
    };
    if canonical_local.is_empty() {
        return normalized.to_owned();
    }
    let domain = rules.same_as.unwrap_or(domain);
    format!("{canonical_local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SignerEmail;
    use proptest::prelude::*;

    fn canon(input: &str) -> String {
        canonical_email(SignerEmail::parse(input).unwrap().normalized())
    }

    #[test]
    fn gmail_variants_are_one_inbox() {
        for variant in [
            "me@gmail.com",
            "Me+1@gmail.com",
            "me+2@GMAIL.com",
            "m.e@gmail.com",
            "me@googlemail.com",
            "M.E+x@googlemail.com",
        ] {
            assert_eq!(canon(variant), "me@gmail.com", "{variant}");
        }
    }

    #[test]
    fn plus_only_providers_keep_their_dots() {
        assert_eq!(canon("a.b+news@outlook.com"), "a.b@outlook.com");
        assert_eq!(canon("a.b+x@hotmail.com"), "a.b@hotmail.com");
        assert_eq!(canon("a.b+x@live.com"), "a.b@live.com");
        assert_eq!(canon("a.b+x@fastmail.com"), "a.b@fastmail.com");
        assert_eq!(canon("a.b+x@proton.me"), "a.b@proton.me");
        assert_eq!(canon("a.b+x@protonmail.com"), "a.b@protonmail.com");
        assert_eq!(canon("a.b+x@icloud.com"), "a.b@icloud.com");
    }

    #[test]
    fn other_domains_are_untouched() {
        assert_eq!(canon("m.e+1@example.org"), "m.e+1@example.org");
        assert_eq!(canon("me-1@yahoo.com"), "me-1@yahoo.com");
        assert_eq!(canon("m.e+1@mail.gmail.com"), "m.e+1@mail.gmail.com");
    }

    #[test]
    fn an_empty_base_keeps_the_address() {
        assert_eq!(canon("+x@gmail.com"), "+x@gmail.com");
    }

    fn local() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_-]{1,8}([.+][a-zA-Z0-9_-]{1,6}){0,3}"
    }

    fn listed_domain() -> impl Strategy<Value = String> {
        prop::sample::select(
            PROVIDERS
                .iter()
                .map(|(d, _)| (*d).to_owned())
                .collect::<Vec<_>>(),
        )
    }

    fn other_domain() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9]{0,8}\\.(org|net|de|example)"
    }

    proptest! {
        #[test]
        fn idempotent(local in local(), domain in prop_oneof![listed_domain(), other_domain()]) {
            let once = canon(&format!("{local}@{domain}"));
            prop_assert_eq!(canonical_email(&once), once.clone());
            prop_assert!(SignerEmail::parse(&once).is_ok(), "{}", once);
        }

        #[test]
        fn case_insensitive(local in local(), domain in prop_oneof![listed_domain(), other_domain()]) {
            let address = format!("{local}@{domain}");
            prop_assert_eq!(canon(&address), canon(&address.to_uppercase()));
        }

        #[test]
        fn never_merges_different_unlisted_addresses(
            a in local(), b in local(), da in other_domain(), db in other_domain(),
        ) {
            let (x, y) = (format!("{a}@{da}"), format!("{b}@{db}"));
            let (nx, ny) = (
                SignerEmail::parse(&x).unwrap().normalized().to_owned(),
                SignerEmail::parse(&y).unwrap().normalized().to_owned(),
            );
            prop_assert_eq!(nx == ny, canonical_email(&nx) == canonical_email(&ny));
        }

        #[test]
        fn gmail_tags_and_dots_never_matter(
            base in "[a-z0-9]{1,10}", dots in prop::collection::vec(any::<bool>(), 10), tag in "[a-z0-9]{0,6}",
        ) {
            let dotted: String = base
                .chars()
                .zip(dots.iter().cycle())
                .enumerate()
                .map(|(i, (c, &dot))| if dot && i > 0 { format!(".{c}") } else { c.to_string() })
                .collect();
            let tagged = if tag.is_empty() { dotted } else { format!("{dotted}+{tag}") };
            prop_assert_eq!(canon(&format!("{tagged}@googlemail.com")), format!("{base}@gmail.com"));
        }
    }
}
