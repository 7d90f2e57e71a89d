//! `Website`: an optional http(s) link to a signer's or organisation's site.

use std::fmt;

use url::{Host, Url};

use super::DomainError;

/// An absolute `http` or `https` URL whose host is a domain name.
///
/// Stored and shown in the url crate's serialisation, so an internationalised domain
/// appears in its ASCII (punycode) form and cannot imitate another site's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Website(Url);

impl Website {
    /// Longest accepted address in characters, both as typed and once normalised.
    pub const MAX_CHARS: usize = 300;

    /// Accepts `example.org`, `www.example.org/path` or a full `http(s)://` URL; a
    /// missing scheme becomes `https://` because that is what people mean today.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let too_long = DomainError::WebsiteTooLong {
            max: Self::MAX_CHARS,
        };
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(too_long);
        }
        if trimmed.is_empty() {
            return Err(DomainError::WebsiteInvalid);
        }
        let absolute = match scheme_of(trimmed) {
            None => format!("https://{trimmed}"),
            Some(scheme)
                if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
            {
                trimmed.to_owned()
            }
            // `javascript:`, `data:`, `ftp:`, `mailto:`... would be dangerous or useless
            // as a link on a public page.
            Some(_) => return Err(DomainError::WebsiteScheme),
        };
        let url = Url::parse(&absolute).map_err(|_| DomainError::WebsiteInvalid)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(DomainError::WebsiteScheme);
        }
        // `https://bank.example@evil.example` shows one site and opens another.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(DomainError::WebsiteCredentials);
        }
        match url.host() {
            Some(Host::Domain(domain)) if is_public_looking_domain(domain) => {}
            _ => return Err(DomainError::WebsiteHost),
        }
        if url.as_str().chars().count() > Self::MAX_CHARS {
            return Err(too_long);
        }
        Ok(Self(url))
    }

    /// The normalised URL, e.g. `https://example.org/`.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Website {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scheme if the input starts with one (`mailto:`, `HTTP:`), telling it apart from a
/// host with a port (`example.org:8080`), whose colon is followed by a digit.
fn scheme_of(input: &str) -> Option<&str> {
    let (scheme, rest) = input.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let scheme_chars = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let port_follows = rest.starts_with(|c: char| c.is_ascii_digit());
    (starts_with_letter && scheme_chars && !port_follows).then_some(scheme)
}

/// At least two non-empty labels and a top-level label that is a real-looking TLD, which
/// rules out `localhost`, intranet names and numeric hosts. The url crate has already
/// turned the host into lowercase ASCII, so only ASCII needs checking here.
fn is_public_looking_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some(tld) = labels.last() else {
        return false;
    };
    let tld_ok = (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        || (tld.len() > 4 && tld.starts_with("xn--"));
    labels.len() >= 2 && labels.iter().all(|label| !label.is_empty()) && tld_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn normalised(input: &str) -> String {
        Website::parse(input).unwrap().as_str().to_owned()
    }

    #[test]
    fn adds_https_when_no_scheme_is_given() {
        assert_eq!(normalised("example.org"), "https://example.org/");
        assert_eq!(
            normalised(" www.example.org/path?q=1 "),
            "https://www.example.org/path?q=1"
        );
        assert_eq!(
            normalised("example.org:8080/x"),
            "https://example.org:8080/x"
        );
    }

    #[test]
    fn keeps_http_and_https() {
        assert_eq!(normalised("http://Example.ORG"), "http://example.org/");
        assert_eq!(
            normalised("HTTPS://example.org/a b#top"),
            "https://example.org/a%20b#top"
        );
    }

    #[test]
    fn shows_internationalised_domains_as_punycode() {
        assert_eq!(normalised("bücher.de"), "https://xn--bcher-kva.de/");
    }

    #[test]
    fn refuses_other_schemes() {
        for bad in [
            "ftp://example.org",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "mailto:someone@example.org",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                Website::parse(bad),
                Err(DomainError::WebsiteScheme),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_hosts_that_are_not_public_domains() {
        for bad in [
            "localhost",
            "http://localhost:8080/",
            "intranet",
            "127.0.0.1",
            "https://10.0.0.1/admin",
            "http://[::1]/",
            "https://0x7f.1/",
            "example.c",
            "example.org.",
        ] {
            assert_eq!(Website::parse(bad), Err(DomainError::WebsiteHost), "{bad}");
        }
    }

    #[test]
    fn refuses_credentials() {
        for bad in [
            "https://user:pw@example.org",
            "https://bank.example@evil.example",
        ] {
            assert_eq!(
                Website::parse(bad),
                Err(DomainError::WebsiteCredentials),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "   ",
            "http://",
            "https://exa mple.org",
            "example.org:port",
        ] {
            assert!(Website::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_too_long() {
        let longest = format!("https://example.org/{}", "a".repeat(300 - 20));
        assert_eq!(longest.chars().count(), 300);
        assert!(Website::parse(&longest).is_ok());
        assert_eq!(
            Website::parse(&format!("{longest}b")),
            Err(DomainError::WebsiteTooLong { max: 300 })
        );
        // Short as typed, but percent-encoding makes it too long to store.
        let grows = format!("example.org/{}", "é".repeat(100));
        assert_eq!(
            Website::parse(&grows),
            Err(DomainError::WebsiteTooLong { max: 300 })
        );
    }

    fn website() -> impl Strategy<Value = String> {
        (
            "(https?://)?",
            "([A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,6}",
            "(/[A-Za-z0-9._~ %-]{0,12}){0,3}",
        )
            // A label with hyphens in its third and fourth places is reserved by IDNA
            // ("xn--" starts Punycode): such hosts are not ordinary sites and are
            // checked on their own below.
            .prop_filter("IDNA-reserved label", |(_, host, _)| {
                !host.split('.').any(|label| label.get(2..4) == Some("--"))
            })
            .prop_map(|(scheme, host, path)| format!("{scheme}{host}{path}"))
    }

    #[test]
    fn refuses_broken_punycode_labels() {
        // Found by the generator above: "xn--" promises Punycode that is not there.
        for bad in ["xN--A.aa", "https://xn--.org", "xn--zz-.example"] {
            assert!(Website::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn generated_sites_parse_and_round_trip(input in website()) {
            let site = Website::parse(&input).unwrap();
            prop_assert_eq!(Website::parse(site.as_str()), Ok(site.clone()));
            prop_assert!(site.as_str().starts_with("http"));
        }

        #[test]
        fn parse_round_trips_whenever_it_succeeds(input in any::<String>()) {
            if let Ok(site) = Website::parse(&input) {
                prop_assert_eq!(Website::parse(site.as_str()), Ok(site.clone()));
            }
        }
    }
}
