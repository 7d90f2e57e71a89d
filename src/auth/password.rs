//! Staff passwords: the policy a new password must meet, and argon2id hashing run on a
//! blocking thread so a sign-in never stalls the async workers.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The shortest password taken: length is what makes a password hard to guess.
pub const MIN_CHARS: usize = 12;

/// Longest password taken: argon2 takes any length, but a megabyte "password" is a
/// denial of service, not a secret.
pub const MAX_CHARS: usize = 256;

/// Why a new password is refused, in the words shown beside the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Use at least {MIN_CHARS} characters.")]
    TooShort,
    #[error("Use at most {MAX_CHARS} characters.")]
    TooLong,
    #[error("This is one of the most common passwords; choose one nobody would guess.")]
    Common,
    #[error("Do not use your email address, or part of it, as your password.")]
    LikeEmail,
}

/// Checks a new password for the account `email` against the policy.
pub fn check_policy(password: &str, email: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.trim().to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(PasswordProblem::Common);
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    if !email.is_empty()
        && (lower == email || lower.contains(&email) || (local.len() >= 4 && lower.contains(local)))
    {
        return Err(PasswordProblem::LikeEmail);
    }
    Ok(())
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// The argon2id PHC string of `password` (default parameters: 19 MiB, 2 passes), with a
/// fresh random salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("the password hashing task failed: {e}"))?
}

/// Whether `password` matches `stored`. With no stored hash (unknown account, or one
/// whose password was never set) a dummy hash is verified instead, so the answer takes
/// about as long whether or not the account exists.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let argon2 = Argon2::default();
        match stored {
            Some(hash) => Ok(argon2
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()),
            None => {
                let dummy = dummy_hash()?;
                // The result is thrown away: this is only here to take the same time.
                let _ = argon2.verify_password(password.as_bytes(), dummy);
                Ok(false)
            }
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("the password checking task failed: {e}"))?
}

fn dummy_hash() -> anyhow::Result<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = Argon2::default()
        .hash_password(b"no account has this password")
        .map_err(|e| anyhow::anyhow!("hashing the dummy password: {e}"))?
        .to_string();
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_refuses_short_common_and_email_like_passwords() {
        let email = "ann.editor@example.org";
        assert_eq!(check_policy("short", email), Err(PasswordProblem::TooShort));
        assert_eq!(
            check_policy("Password1234", email),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check_policy("QWERTYUIOP123", email),
            Err(PasswordProblem::Common)
        );
        assert_eq!(
            check_policy("ANN.EDITOR@example.org", email),
            Err(PasswordProblem::LikeEmail)
        );
        assert_eq!(
            check_policy("my-ann.editor-pw", email),
            Err(PasswordProblem::LikeEmail)
        );
        assert_eq!(
            check_policy(&"x".repeat(MAX_CHARS + 1), email),
            Err(PasswordProblem::TooLong)
        );
        assert_eq!(check_policy("violet staple river moon", email), Ok(()));
    }

    #[test]
    fn the_shipped_list_is_long_and_lower_case() {
        let list = common_passwords();
        assert!(list.len() > 300, "{}", list.len());
        assert!(list.iter().all(|p| *p == p.to_lowercase()));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hash = hash("violet staple river moon".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify("violet staple river moon".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify("violet staple river mood".into(), Some(hash))
                .await
                .unwrap()
        );
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }
}
