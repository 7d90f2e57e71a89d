//! The API keys screen (admins): partner keys for the write API, made here and shown
//! once, each scoped to every letter or to chosen ones, revocable.

use maud::{Markup, html};

use super::{StaffBar, csrf_field, page};
use crate::util::field_error;

/// One key as listed (never the key itself: only its first characters).
#[derive(Clone, Debug)]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    /// "every letter", or the letters' slugs.
    pub scope: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

/// A letter that a new key may be scoped to.
#[derive(Clone, Debug)]
pub struct ApiKeyLetter {
    pub id: i64,
    pub slug: String,
    pub title: String,
}

#[derive(Clone, Debug)]
pub struct ApiKeysPage<'a> {
    pub bar: StaffBar<'a>,
    pub keys: &'a [ApiKeyRow],
    pub letters: &'a [ApiKeyLetter],
    /// A key just made: (name, key), shown this once.
    pub new_key: Option<(&'a str, &'a str)>,
    /// A line saying what the last action did.
    pub notice: Option<&'a str>,
    /// The add form again, with its mistake.
    pub name: &'a str,
    pub error: Option<&'a str>,
}

pub fn api_keys(p: &ApiKeysPage<'_>) -> Markup {
    let invalid = p.error.is_some();
    let messages: Vec<&str> = p.error.into_iter().collect();
    page(
        "API keys",
        Some(&p.bar),
        html! {
            h1 { "API keys" }
            p {
                "A partner site records signatures from its own form with a key "
                "(" code { "Authorization: Bearer <key>" } ", see " a href="/api/v1/openapi.json" { "the API document" } "). "
                "Its signers still confirm by email. Every use is in the audit log."
            }
            @if let Some((name, key)) = p.new_key {
                div.notice role="status" {
                    p { "The key " strong { (name) } ". Copy it now: it is not shown again, and only its hash is kept." }
                    p { code { (key) } }
                }
            }
            @if let Some(notice) = p.notice {
                div.notice role="status" { p { (notice) } }
            }
            table {
                thead { tr { th { "Name" } th { "Starts with" } th { "Letters" } th { "Made" } th { "Last used" } th { "State" } } }
                tbody {
                    @if p.keys.is_empty() {
                        tr { td colspan="6" { "No keys yet." } }
                    }
                    @for k in p.keys {
                        tr {
                            td { (k.name) }
                            td { code { (k.prefix) "…" } }
                            td { (k.scope) }
                            td { (k.created) }
                            td { (k.last_used.as_deref().unwrap_or("never")) }
                            td {
                                @if let Some(revoked) = &k.revoked {
                                    "revoked " (revoked)
                                } @else {
                                    form method="post" action="/staff/api-keys/revoke" {
                                        (csrf_field(p.bar.csrf))
                                        input type="hidden" name="id" value=(k.id);
                                        button.button.button--secondary type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Make a key" }
            form method="post" action="/staff/api-keys" {
                (csrf_field(p.bar.csrf))
                div.field."field--invalid"[invalid] {
                    label for="api-key-name" { "Name (the partner it is for)" }
                    (field_error("api-key-name-error", &messages))
                    input type="text" id="api-key-name" name="name" value=(p.name) required
                        maxlength="100"
                        aria-invalid=[invalid.then_some("true")]
                        aria-describedby=[invalid.then_some("api-key-name-error")];
                }
                fieldset {
                    legend { "Letters it may sign for" }
                    div.field {
                        input type="checkbox" id="api-key-all" name="all_letters" value="on";
                        label for="api-key-all" { "Every letter, also those written later" }
                    }
                    @for l in p.letters {
                        div.field {
                            input type="checkbox" id=(format!("api-key-letter-{}", l.id)) name="letter" value=(l.id);
                            label for=(format!("api-key-letter-{}", l.id)) { (l.title) " (" (l.slug) ")" }
                        }
                    }
                }
                button.button type="submit" { "Make the key" }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "\"'><script>alert(1)</script>";

    fn bar() -> StaffBar<'static> {
        StaffBar {
            email: "admin@example.org",
            is_admin: true,
            csrf: "csrf-token-value",
        }
    }

    #[test]
    fn the_page_escapes_names_shows_a_new_key_once_and_carries_the_token() {
        let keys = [
            ApiKeyRow {
                id: 1,
                name: EVIL.into(),
                prefix: "usk_abcdefgh".into(),
                scope: EVIL.into(),
                created: "2026-11-30 10:00 UTC".into(),
                last_used: None,
                revoked: None,
            },
            ApiKeyRow {
                id: 2,
                name: "Old partner".into(),
                prefix: "usk_zyxwvuts".into(),
                scope: "every letter".into(),
                created: "2026-11-30 10:00 UTC".into(),
                last_used: Some("2026-11-30 11:00 UTC".into()),
                revoked: Some("2026-11-30 12:00 UTC".into()),
            },
        ];
        let letters = [ApiKeyLetter {
            id: 7,
            slug: "a-letter".into(),
            title: EVIL.into(),
        }];
        let html = api_keys(&ApiKeysPage {
            bar: bar(),
            keys: &keys,
            letters: &letters,
            new_key: Some((EVIL, "usk_the-new-key")),
            notice: None,
            name: EVIL,
            error: Some("Give the key a name"),
        })
        .into_string();
        assert!(!html.contains("<script>alert(1)"), "user text is escaped");
        assert!(html.contains("<code>usk_the-new-key</code>"));
        // Sign-out, one revoke (the revoked key has none) and the add form.
        assert_eq!(
            html.matches("name=\"csrf\" value=\"csrf-token-value\"")
                .count(),
            3
        );
        assert!(html.contains("revoked 2026-11-30 12:00 UTC"));
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("name=\"letter\" value=\"7\""));
        let empty = api_keys(&ApiKeysPage {
            bar: bar(),
            keys: &[],
            letters: &[],
            new_key: None,
            notice: None,
            name: "",
            error: None,
        })
        .into_string();
        assert!(empty.contains("No keys yet."));
        assert!(!empty.contains("usk_"));
    }
}
