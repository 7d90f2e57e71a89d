//! Confusable skeletons of names, so that look-alikes in other scripts (a Cyrillic
//! "Аnna" and a Latin "Anna") compare equal for staff search and the quarantine rule.

use unicode_security::confusable_detection::skeleton;

/// Longest skeleton stored (a skeleton can be longer than its name: one character may
/// map to several).
const MAX_CHARS: usize = 400;

/// The lower-cased confusable skeleton (Unicode TR 39) of `name`, with runs of white
/// space made one space and the ends trimmed. Two names with the same skeleton look
/// alike on screen; it is a comparison key, never shown.
pub fn name_skeleton(name: &str) -> String {
    let lowered = name.to_lowercase();
    let skel: String = skeleton(&lowered).collect();
    let lowered_again = skel.to_lowercase();
    lowered_again
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_look_alikes_share_a_skeleton() {
        // U+0410 CYRILLIC CAPITAL LETTER A, U+043E CYRILLIC SMALL LETTER O.
        assert_eq!(name_skeleton("\u{410}nna"), name_skeleton("Anna"));
        assert_eq!(
            name_skeleton("J\u{43e}hn  Smith "),
            name_skeleton("john smith")
        );
        assert_ne!(name_skeleton("Anna"), name_skeleton("Anne"));
    }
}
