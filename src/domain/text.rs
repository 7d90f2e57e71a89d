//! Shared cleaning for the one-line free-text fields: names, city, occupation, role.

use unicode_normalization::UnicodeNormalization;

/// The cleaned text still contains a character we refuse to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ForbiddenCharacter;

/// Collapses every run of whitespace to one space, trims, and brings the text to NFC.
///
/// Whitespace is collapsed rather than refused because pasted names often carry tabs,
/// non-breaking or double spaces that the signer cannot see. NFC comes last so the
/// result is NFC by construction (no canonical composition creates whitespace), which
/// makes cleaning idempotent: cleaning the output again changes nothing.
pub(super) fn clean_line(input: &str) -> Result<String, ForbiddenCharacter> {
    let mut collapsed = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    let cleaned: String = collapsed.nfc().collect();
    if cleaned.chars().any(is_forbidden) {
        return Err(ForbiddenCharacter);
    }
    Ok(cleaned)
}

/// Control characters break e-mail headers, CSV exports and terminals; bidi overrides
/// and isolates can make a name render as different text than what is stored
/// ("Trojan Source"), which matters on a public list of signatories.
pub(super) fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
