//! What a signer's name, organisation name or role may hold besides its characters.
//!
//! These fields reach a public list, CSV exports opened in spreadsheets, and (before this
//! rule) emails sent from the service's own domain to any address. Phishing text such as
//! "your account is suspended, restore it at https://…" therefore has no place in them:
//! a web address, an email address, a phone number, a leading spreadsheet formula
//! character, or text that shows nothing at all is refused. The rules look at the text as
//! cleaned (NFC, whitespace collapsed) and also at its compatibility form (NFKC) so that
//! full-width look-alikes ("ｅｘａｍｐｌｅ．ｃｏｍ") are caught too.

use unicode_normalization::UnicodeNormalization;

/// Why a name-like field was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentProblem {
    /// A web address: a scheme (`https://`), `www.`, or a domain such as `example.com`.
    Link,
    /// An email address.
    Email,
    /// Seven or more digits in one run of digits and separators.
    Phone,
    /// Only invisible characters (zero-width spaces, Hangul fillers, ...).
    Invisible,
    /// Starts with `=`, `+`, `-` or `@`, which spreadsheets run as a formula.
    FormulaStart,
}

impl ContentProblem {
    /// The instruction shown beside the field.
    pub fn message(self) -> &'static str {
        match self {
            ContentProblem::Link => {
                "Remove the web address: enter only a name here (a website has its own field)"
            }
            ContentProblem::Email => {
                "Remove the email address: enter only a name here (your email address has its own field)"
            }
            ContentProblem::Phone => "Remove the phone number: enter only a name here",
            ContentProblem::Invisible => "Enter a name made of visible letters",
            ContentProblem::FormulaStart => "Start with a letter or digit, not with =, +, - or @",
        }
    }
}

/// Checks cleaned text (as returned by `clean_line`) against the rules; `Ok` for text
/// that holds none of the refused shapes.
pub(super) fn check(cleaned: &str) -> Result<(), ContentProblem> {
    if cleaned.chars().all(is_invisible) {
        return Err(ContentProblem::Invisible);
    }
    // What a reader (or a mail client) sees: compatibility forms folded, invisible
    // characters dropped so "exa\u{200B}mple.com" is still a domain, and the ideographic
    // full stops that browsers accept as dots turned into dots.
    let seen: String = cleaned
        .nfkc()
        .filter(|c| !is_invisible(*c) || c.is_whitespace())
        .map(|c| match c {
            '\u{3002}' | '\u{FF61}' => '.',
            other => other,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let visible_start = seen.trim_start().chars().next();
    if matches!(visible_start, Some('=' | '+' | '-' | '@')) {
        return Err(ContentProblem::FormulaStart);
    }
    if has_phone_number(&seen) {
        return Err(ContentProblem::Phone);
    }
    // Checked on the whole text: around "://" trimming would leave nothing to see.
    if seen.contains("://") {
        return Err(ContentProblem::Link);
    }
    for token in seen.split_whitespace() {
        // Brackets and quotes around a token do not change what it is.
        let token = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '@');
        if token.contains("://") || token.starts_with("www.") {
            return Err(ContentProblem::Link);
        }
        if let Some((local, domain)) = token.rsplit_once('@')
            && !local.is_empty()
            && !domain.is_empty()
        {
            return Err(ContentProblem::Email);
        }
        if looks_like_domain(token) {
            return Err(ContentProblem::Link);
        }
    }
    // A scheme without slashes ("mailto:x", "javascript:...") is a link too.
    for scheme in ["http:", "https:", "mailto:", "javascript:", "data:", "tel:"] {
        if seen.contains(scheme) {
            return Err(ContentProblem::Link);
        }
    }
    Ok(())
}

/// `example.com`, `bit.ly`, `a-b.example.co.uk`: two or more dot-separated labels, the
/// last (the top-level domain) of ASCII letters and at least two long. A single letter
/// before a dot is taken for an initial ("A.Smith", "J.R.R.") unless a well-known
/// top-level domain follows ("x.com", "t.co").
fn looks_like_domain(token: &str) -> bool {
    let host = token
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-');
    if !labels.iter().all(label_ok) {
        return false;
    }
    let (Some(tld), Some(first)) = (labels.last(), labels.first()) else {
        return false;
    };
    let tld_ok = (tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())) || *tld == "рф";
    tld_ok && (first.chars().count() >= 2 || WELL_KNOWN_TLDS.contains(tld))
}

/// Top-level domains common enough that `x.com` or `t.co` is read as a domain.
const WELL_KNOWN_TLDS: &[&str] = &[
    "com", "net", "org", "co", "io", "ly", "me", "info", "biz", "ru", "cn", "de", "uk", "fr", "eu",
    "xyz", "top", "app", "dev", "gl", "gd", "to", "cc", "tk", "link", "click",
];

/// Seven or more digits in one run made of digits and the separators people write
/// phone numbers with (spaces, dots, hyphens, slashes, brackets, a leading plus).
fn has_phone_number(seen: &str) -> bool {
    let mut digits = 0;
    for c in seen.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            if digits >= 7 {
                return true;
            }
        } else if !matches!(
            c,
            ' ' | '.' | '-' | '/' | '(' | ')' | '+' | '\u{2010}'..='\u{2015}'
        ) {
            digits = 0;
        }
    }
    false
}

/// Characters that draw nothing: whitespace, zero-width and joiner characters, variation
/// selectors, tag characters, and the "filler" letters (Hangul, Braille blank) that
/// pass for letters in most checks but show as empty space.
pub(super) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Names people really have, and organisation names that really exist.
    pub(crate) const REAL_NAMES: &[&str] = &[
        "Jean-Luc Picard",
        "O'Brien",
        "Ng",
        "Ada Lovelace",
        "J.R.R. Tolkien",
        "St. John Smith",
        "Dr. Amal Clooney",
        "محمد عبد الله",
        "王小明",
        "佐藤 花子",
        "Amnesty International – EU Office",
        "Human Rights Watch",
        "Smith & Sons <Ltd>",
        "Nguyễn Thị Minh Khai",
        "Zoë Saldaña",
        "Section 19 Group",
        "Class of 2024",
        "ΑΘΗΝΑ",
        "Ю. Гагарин",
        "Mary-Kate O'Neil-Smith",
        "Article 19",
        "Comité pour la Libération",
    ];

    #[test]
    fn real_names_pass() {
        for name in REAL_NAMES {
            assert_eq!(check(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn each_refused_shape_is_named() {
        for (text, problem) in [
            ("https://evil.example/login", ContentProblem::Link),
            ("Restore it at www.bank-login.net", ContentProblem::Link),
            ("Visit example.com now", ContentProblem::Link),
            ("bit.ly/abc", ContentProblem::Link),
            ("ｅｘａｍｐｌｅ．ｃｏｍ", ContentProblem::Link),
            ("example。com", ContentProblem::Link),
            ("exa\u{200B}mple.com", ContentProblem::Link),
            ("mailto:me", ContentProblem::Link),
            ("://", ContentProblem::Link),
            ("Write to me@example.org", ContentProblem::Email),
            ("Call +44 20 7946 0958", ContentProblem::Phone),
            ("(555) 123-4567", ContentProblem::Phone),
            ("0612345678", ContentProblem::Phone),
            ("\u{200B}", ContentProblem::Invisible),
            ("\u{3164}\u{3164}", ContentProblem::Invisible),
            ("\u{115F}", ContentProblem::Invisible),
            ("=HYPERLINK(\"x\")", ContentProblem::FormulaStart),
            ("+cmd", ContentProblem::FormulaStart),
            ("-2+3", ContentProblem::FormulaStart),
            ("@everyone", ContentProblem::FormulaStart),
            ("\u{200B}=1+1", ContentProblem::FormulaStart),
        ] {
            assert_eq!(check(text), Err(problem), "{text:?}");
        }
    }

    proptest! {
        /// Anything with a scheme, an address or a long number inside is refused, whatever
        /// surrounds it.
        #[test]
        fn links_addresses_and_numbers_are_refused_anywhere(
            before in "[A-Za-zéü ]{0,20}",
            after in "[A-Za-zéü ]{0,20}",
            host in "[a-z]{2,10}",
            tld in "(com|org|net|io|ly|de)",
            number in "[0-9]{3} [0-9]{4}",
        ) {
            let link = format!("{before} https://{host}.{tld}/x {after}");
            prop_assert!(check(&link).is_err());
            let domain = format!("{before} {host}.{tld} {after}");
            prop_assert_eq!(check(&domain), Err(ContentProblem::Link));
            let email = format!("{before} x@{host}.{tld} {after}");
            prop_assert_eq!(check(&email), Err(ContentProblem::Email));
            let phone = format!("{before} {number} {after}");
            prop_assert_eq!(check(&phone), Err(ContentProblem::Phone));
        }

        /// Letters (of any script), spaces, apostrophes and inner hyphens never trip the
        /// rules.
        #[test]
        fn plain_names_in_any_script_pass(
            name in "[A-Za-zÀ-ÿА-яא-תء-ي一-龥][A-Za-zÀ-ÿА-яא-תء-ي一-龥' -]{0,40}"
        ) {
            prop_assert_eq!(check(&name), Ok(()));
        }

        /// Only invisible characters are always refused as invisible.
        #[test]
        fn invisible_only_is_refused(
            text in "[\u{200B}\u{200C}\u{200D}\u{2060}\u{3164}\u{115F}\u{FEFF}\u{2800}]{1,10}"
        ) {
            prop_assert_eq!(check(&text), Err(ContentProblem::Invisible));
        }
    }
}
