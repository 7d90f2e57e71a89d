//! `ShortText`: an optional one-line field such as city, occupation or role.

use std::fmt;

use super::DomainError;
use super::content;
use super::text::{ForbiddenCharacter, clean_line};

/// A cleaned, non-empty, one-line text; absent fields are `None`, never an empty `ShortText`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShortText(String);

impl ShortText {
    /// Cleans like [`super::SignerName`]; blank input means the signer left the field out.
    ///
    /// The limit is a parameter because each optional field has its own column size.
    pub fn parse_optional(input: &str, max_chars: usize) -> Result<Option<Self>, DomainError> {
        let cleaned =
            clean_line(input).map_err(|ForbiddenCharacter| DomainError::TextForbiddenCharacter)?;
        if cleaned.is_empty() {
            return Ok(None);
        }
        if cleaned.chars().count() > max_chars {
            return Err(DomainError::TextTooLong { max: max_chars });
        }
        Ok(Some(Self(cleaned)))
    }

    /// Like [`ShortText::parse_optional`], for what a signer types (city, occupation,
    /// role): refuses what a name may not hold either ([`super::ContentProblem`]), since
    /// these fields are listed publicly and exported like names. Staff-written text (a
    /// letter's title) uses `parse_optional` and may hold links.
    pub fn parse_signer_optional(
        input: &str,
        max_chars: usize,
    ) -> Result<Option<Self>, DomainError> {
        let parsed = Self::parse_optional(input, max_chars)?;
        if let Some(text) = &parsed {
            content::check(text.as_str()).map_err(DomainError::TextContent)?;
        }
        Ok(parsed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ShortText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortText {
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
    fn blank_is_none() {
        assert_eq!(ShortText::parse_optional("", 80), Ok(None));
        assert_eq!(ShortText::parse_optional(" \t\n\u{a0}", 80), Ok(None));
    }

    #[test]
    fn cleans_like_a_name() {
        let city = ShortText::parse_optional("  São   Paulo ", 80)
            .unwrap()
            .unwrap();
        assert_eq!(city.as_str(), "São Paulo");
    }

    #[test]
    fn enforces_the_given_limit_in_characters() {
        assert!(ShortText::parse_optional("Zürich", 6).unwrap().is_some());
        assert_eq!(
            ShortText::parse_optional("Zürich!", 6),
            Err(DomainError::TextTooLong { max: 6 })
        );
    }

    #[test]
    fn refuses_control_and_bidi_characters() {
        assert_eq!(
            ShortText::parse_optional("Berlin\u{202E}", 80),
            Err(DomainError::TextForbiddenCharacter)
        );
        assert_eq!(
            ShortText::parse_optional("Ber\u{0}lin", 80),
            Err(DomainError::TextForbiddenCharacter)
        );
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(input in any::<String>(), max in 0usize..200) {
            if let Ok(Some(text)) = ShortText::parse_optional(&input, max) {
                prop_assert_eq!(ShortText::parse_optional(text.as_str(), max), Ok(Some(text.clone())));
                prop_assert!(!text.as_str().chars().any(is_forbidden));
                prop_assert!(text.as_str().chars().count() <= max);
            }
        }
    }
}
