//! `SignerName`: the name of a person or organisation as it will appear under a letter.

use std::fmt;

use super::DomainError;
use super::content;
use super::text::{ForbiddenCharacter, clean_line};

/// A cleaned, non-empty, one-line name of at most [`SignerName::MAX_CHARS`] characters.
///
/// HTML-significant characters such as `<` and `&` are kept on purpose ("Smith & Sons"
/// is a real organisation); templates escape them when the name is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignerName(String);

impl SignerName {
    /// Longest accepted name, in characters (not bytes), after cleaning.
    pub const MAX_CHARS: usize = 120;

    /// Cleans the input (NFC, whitespace collapsed and trimmed) and checks it, including
    /// what a name may not hold (a link, an email address, a phone number, a leading
    /// `=`, `+`, `-` or `@`, nothing visible: see [`super::ContentProblem`]).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let cleaned =
            clean_line(input).map_err(|ForbiddenCharacter| DomainError::NameForbiddenCharacter)?;
        if cleaned.is_empty() {
            return Err(DomainError::NameEmpty);
        }
        if cleaned.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::NameTooLong {
                max: Self::MAX_CHARS,
            });
        }
        content::check(&cleaned).map_err(DomainError::NameContent)?;
        Ok(Self(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SignerName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::is_forbidden;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn collapses_and_trims_whitespace() {
        let name = SignerName::parse("  Ada \t\u{00A0} Lovelace\n ").unwrap();
        assert_eq!(name.as_str(), "Ada Lovelace");
    }

    #[test]
    fn normalises_to_nfc() {
        let decomposed = SignerName::parse("Jose\u{301} Marti\u{301}").unwrap();
        assert_eq!(decomposed.as_str(), "Jos\u{e9} Mart\u{ed}");
    }

    #[test]
    fn keeps_html_characters() {
        let name = SignerName::parse("Smith & Sons <Ltd>").unwrap();
        assert_eq!(name.as_str(), "Smith & Sons <Ltd>");
    }

    #[test]
    fn refuses_empty_and_blank() {
        assert_eq!(SignerName::parse(""), Err(DomainError::NameEmpty));
        assert_eq!(
            SignerName::parse(" \t\u{3000} "),
            Err(DomainError::NameEmpty)
        );
    }

    #[test]
    fn counts_characters_not_bytes() {
        let longest = "é".repeat(SignerName::MAX_CHARS);
        assert!(SignerName::parse(&longest).is_ok());
        let too_long = "é".repeat(SignerName::MAX_CHARS + 1);
        assert_eq!(
            SignerName::parse(&too_long),
            Err(DomainError::NameTooLong { max: 120 })
        );
    }

    #[test]
    fn empty_and_too_long_have_distinct_messages() {
        let empty = DomainError::NameEmpty.to_string();
        let long = DomainError::NameTooLong { max: 120 }.to_string();
        assert_ne!(empty, long);
        assert!(long.contains("120"));
    }

    #[test]
    fn refuses_control_and_bidi_characters() {
        for bad in [
            "Ada\u{0}Lovelace",
            "Ada\u{7}",
            "\u{1b}[31mAda",
            "Ada\u{7f}",
            "Ada \u{202E}ecalevol",
            "\u{2066}Ada\u{2069}",
            "Ada\u{202A}",
            "Ada\u{2068}",
        ] {
            assert_eq!(
                SignerName::parse(bad),
                Err(DomainError::NameForbiddenCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn real_names_pass_and_phishing_is_refused() {
        for name in [
            "Jean-Luc",
            "O'Brien",
            "Ng",
            "محمد",
            "王小明",
            "Amnesty International – EU Office",
        ] {
            assert!(SignerName::parse(name).is_ok(), "{name}");
        }
        assert!(matches!(
            SignerName::parse("Your account is suspended, restore it at https://bank.example"),
            Err(DomainError::NameContent(
                crate::domain::ContentProblem::Link
            ))
        ));
        assert!(matches!(
            SignerName::parse("\u{200B}\u{3164}"),
            Err(DomainError::NameContent(
                crate::domain::ContentProblem::Invisible
            ))
        ));
    }

    proptest! {
        /// Whatever is accepted shows something and holds no address a mail client
        /// would turn into a link.
        #[test]
        fn accepted_names_hold_no_link_or_address(input in any::<String>()) {
            if let Ok(name) = SignerName::parse(&input) {
                let lower = name.as_str().to_lowercase();
                prop_assert!(!lower.contains("://"));
                prop_assert!(!lower.starts_with(['=', '+', '-', '@']));
                prop_assert!(!name.as_str().chars().all(super::super::content::is_invisible));
            }
        }

        #[test]
        fn parse_is_idempotent(input in any::<String>()) {
            if let Ok(name) = SignerName::parse(&input) {
                let again = SignerName::parse(name.as_str());
                prop_assert_eq!(again, Ok(name));
            }
        }

        #[test]
        fn idempotent_on_names_with_odd_whitespace_and_marks(
            input in "[ \t\u{a0}\u{2000}\u{2001}\u{3000}a-zA-Zé\u{301}\u{308}&<>'-]{0,140}"
        ) {
            if let Ok(name) = SignerName::parse(&input) {
                prop_assert_eq!(SignerName::parse(name.as_str()), Ok(name));
            }
        }

        #[test]
        fn output_never_contains_forbidden_characters(input in any::<String>()) {
            if let Ok(name) = SignerName::parse(&input) {
                prop_assert!(!name.as_str().chars().any(is_forbidden));
                prop_assert!(!name.as_str().chars().any(char::is_control));
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(name.as_str().chars().count() <= SignerName::MAX_CHARS);
                prop_assert!(!name.as_str().contains("  "));
                prop_assert_eq!(name.as_str().trim(), name.as_str());
            }
        }
    }
}
