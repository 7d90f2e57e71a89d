//! `Slug`: the short, URL-safe name of a letter, as in `/letters/{slug}`.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::DomainError;

/// 1 to [`Slug::MAX_CHARS`] characters of `a-z`, `0-9` and single inner hyphens.
///
/// Because each slug has exactly one spelling, it can be compared and stored as is and
/// used in URLs without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub const MAX_CHARS: usize = 80;

    /// Used when a title has no letters or digits we can keep (e.g. all CJK or emoji).
    const FALLBACK: &'static str = "letter";

    /// Checks a slug exactly as given; nothing is trimmed or lowercased, so that a URL
    /// path resolves to a letter only under its one canonical spelling.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        if input.is_empty() {
            return Err(DomainError::SlugEmpty);
        }
        if input.chars().count() > Self::MAX_CHARS {
            return Err(DomainError::SlugTooLong {
                max: Self::MAX_CHARS,
            });
        }
        let allowed = input
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || input.starts_with('-') || input.ends_with('-') || input.contains("--") {
            return Err(DomainError::SlugInvalid);
        }
        Ok(Self(input.to_owned()))
    }

    /// Derives a slug from a letter's title; always succeeds.
    ///
    /// Letters are lowercased and accents dropped (`Élan` -> `elan`); apostrophes vanish
    /// so `Don't` becomes `dont` rather than `don-t`; every other run of characters
    /// becomes one hyphen. Long results are cut at a word boundary.
    pub fn from_title(title: &str) -> Slug {
        let mut slug = String::with_capacity(title.len().min(Self::MAX_CHARS * 2));
        let mut separator_pending = false;
        // NFKD splits accented letters into a base letter and combining marks (skipped
        // below) and turns ligatures and full-width forms into plain letters; lowercasing
        // after it catches capitals that only appear once decomposed.
        for c in title.nfkd().flat_map(char::to_lowercase) {
            if is_combining_mark(c) || matches!(c, '\'' | '\u{2019}' | '\u{2bc}') {
                continue;
            }
            let mut buf = [0; 4];
            let piece: &str = if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c.encode_utf8(&mut buf)
            } else if let Some(ascii) = ascii_fold(c) {
                ascii
            } else {
                separator_pending = true;
                continue;
            };
            if separator_pending && !slug.is_empty() {
                slug.push('-');
            }
            separator_pending = false;
            slug.push_str(piece);
        }
        truncate_at_word(&mut slug, Self::MAX_CHARS);
        if slug.is_empty() {
            slug.push_str(Self::FALLBACK);
        }
        Slug(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Latin letters that NFKD does not decompose into an ASCII base letter.
fn ascii_fold(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ŋ' => "ng",
        _ => return None,
    })
}

/// Cuts an ASCII slug to at most `max` bytes, preferring the last hyphen so no word is
/// split; a single word longer than `max` is cut hard.
fn truncate_at_word(slug: &mut String, max: usize) {
    if slug.len() <= max {
        return;
    }
    // The byte right after the limit being a hyphen means the cut falls between words.
    let cut = if slug.as_bytes().get(max) == Some(&b'-') {
        max
    } else {
        slug.get(..max)
            .and_then(|head| head.rfind('-'))
            .unwrap_or(max)
    };
    slug.truncate(cut);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_accepts_canonical_slugs() {
        for ok in ["a", "open-letter", "2025-climate-plan", &"x".repeat(80)] {
            assert_eq!(
                Slug::parse(ok).map(|s| s.as_str().to_owned()),
                Ok(ok.to_owned())
            );
        }
    }

    #[test]
    fn parse_refuses_everything_else() {
        assert_eq!(Slug::parse(""), Err(DomainError::SlugEmpty));
        assert_eq!(
            Slug::parse(&"x".repeat(81)),
            Err(DomainError::SlugTooLong { max: 80 })
        );
        for bad in [
            "-a", "a-", "a--b", "Open", "a b", " a", "a_b", "é", "a/b", "a.b", "-", "%20",
        ] {
            assert_eq!(Slug::parse(bad), Err(DomainError::SlugInvalid), "{bad}");
        }
    }

    #[test]
    fn from_title_examples() {
        let cases = [
            ("Open Letter to the Council", "open-letter-to-the-council"),
            ("  Élan vital: Ça va?! ", "elan-vital-ca-va"),
            ("Don't close the Straße", "dont-close-the-strasse"),
            ("Łódź & Kraków — 2025", "lodz-krakow-2025"),
            ("Ærø Fjord Ølbryggeri", "aero-fjord-olbryggeri"),
            ("İstanbul için", "istanbul-icin"),
            ("C++ / Rust", "c-rust"),
            ("Ｆｕｌｌ ﬁre²", "full-fire2"),
            ("---", "letter"),
            ("", "letter"),
            ("公开信", "letter"),
            ("🙂 Smile 🙂", "smile"),
        ];
        for (title, expected) in cases {
            assert_eq!(Slug::from_title(title).as_str(), expected, "{title}");
        }
    }

    #[test]
    fn from_title_cuts_long_titles_between_words() {
        let title = "word ".repeat(30);
        let slug = Slug::from_title(&title);
        assert_eq!(slug.as_str(), ["word"; 16].join("-"));
        assert_eq!(slug.as_str().len(), 79);

        let exactly = format!("{} tail", "a".repeat(80));
        assert_eq!(Slug::from_title(&exactly).as_str(), "a".repeat(80));

        let one_word = "b".repeat(100);
        assert_eq!(Slug::from_title(&one_word).as_str(), "b".repeat(80));
    }

    proptest! {
        #[test]
        fn from_title_always_parses(title in any::<String>()) {
            let slug = Slug::from_title(&title);
            prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
        }

        #[test]
        fn from_title_always_parses_for_latin_titles(
            title in "[ A-Za-z0-9À-ÿ'’!?.,:;&/()-]{0,200}"
        ) {
            let slug = Slug::from_title(&title);
            prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
        }

        #[test]
        fn from_title_keeps_valid_slugs(slug in "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,6}") {
            prop_assert_eq!(Slug::from_title(&slug), Slug::parse(&slug).unwrap());
        }
    }
}
