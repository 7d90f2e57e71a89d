//! Where a webhook may go. By default only `https://` URLs whose host resolves to public
//! addresses: a staff member (or a stolen staff session) must not be able to make the
//! service send requests into its own network (SSRF). The address is checked after
//! resolving, every address the name has, and the connection goes to the address that was
//! checked, so a name that changes its answer between check and connect (DNS rebinding)
//! gains nothing. `webhook_allow_private_targets` lifts both rules (tests, closed networks).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use url::{Host, Url};

/// Longest endpoint URL taken.
pub const MAX_URL_LEN: usize = 2000;

/// Checks the form of an endpoint URL (before any lookup): `https` (or `http` when
/// private targets are allowed), a host, no user name or password, no fragment, and
/// no literal address that is not public. The message is for staff.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.len() > MAX_URL_LEN {
        return Err(format!(
            "Keep the address to at most {MAX_URL_LEN} characters."
        ));
    }
    let url = Url::parse(raw).map_err(|_| {
        "Enter the endpoint's full address, such as https://hooks.example.org/undersigned."
            .to_owned()
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(
                "Use an https:// address: deliveries carry signed data and must be encrypted."
                    .into(),
            );
        }
        _ => return Err("Use an https:// address.".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Leave the user name and password out of the address.".into());
    }
    if url.fragment().is_some() {
        return Err("Leave the #fragment out of the address.".into());
    }
    match url.host() {
        None => return Err("The address needs a host name.".into()),
        Some(Host::Ipv4(ip)) if !allow_private && !is_public(IpAddr::V4(ip)) => {
            return Err(refused_address(IpAddr::V4(ip)));
        }
        Some(Host::Ipv6(ip)) if !allow_private && !is_public(IpAddr::V6(ip)) => {
            return Err(refused_address(IpAddr::V6(ip)));
        }
        Some(_) => {}
    }
    Ok(url)
}

fn refused_address(ip: IpAddr) -> String {
    format!("{ip} is not a public address; webhooks go to public addresses only.")
}

/// The addresses to connect to for `url`, resolved now and checked: all of them must be
/// public unless `allow_private`. The error says why, for the attempt's record.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, Refused> {
    check_url(url.as_str(), allow_private).map_err(Refused)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Refused("the address has no port".into()))?;
    let addresses: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| Refused(format!("{name} could not be resolved: {e}")))?
            .collect(),
        None => return Err(Refused("the address has no host".into())),
    };
    if addresses.is_empty() {
        return Err(Refused("the host name has no address".into()));
    }
    if !allow_private && let Some(bad) = addresses.iter().find(|a| !is_public(a.ip())) {
        return Err(Refused(format!(
            "the host resolves to {}, which is not a public address",
            bad.ip()
        )));
    }
    Ok(addresses)
}

/// A target the rules refuse, or that cannot be resolved: the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Ranges that are not on the public internet: loopback, private, shared (CGNAT),
/// link-local, documentation, benchmarking, multicast, reserved, and their IPv6
/// counterparts (unique local, link-local, site-local, documentation, discard).
const NOT_PUBLIC_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 0, 0, 0), 24),
    (Ipv4Addr::new(192, 0, 2, 0), 24),
    (Ipv4Addr::new(192, 88, 99, 0), 24),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(198, 18, 0, 0), 15),
    (Ipv4Addr::new(198, 51, 100, 0), 24),
    (Ipv4Addr::new(203, 0, 113, 0), 24),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

const NOT_PUBLIC_V6: [(Ipv6Addr, u8); 8] = [
    (Ipv6Addr::UNSPECIFIED, 128),
    (Ipv6Addr::LOCALHOST, 128),
    (Ipv6Addr::new(0x0100, 0, 0, 0, 0, 0, 0, 0), 64),
    (Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0), 32),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

/// Whether `ip` is a public internet address. IPv4 addresses inside IPv6 (mapped,
/// compatible, NAT64 `64:ff9b::/96`) are judged as the IPv4 address they carry.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !NOT_PUBLIC_V4.iter().any(|&(net, len)| {
            Ipv4Net::new(net, len).is_ok_and(|n| IpNet::V4(n).contains(&IpAddr::V4(v4)))
        }),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let embedded = Ipv4Addr::new(
                (segments[6] >> 8) as u8,
                segments[6] as u8,
                (segments[7] >> 8) as u8,
                segments[7] as u8,
            );
            // NAT64 and the deprecated IPv4-compatible form (::a.b.c.d).
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || segments[..6] == [0; 6] {
                return v6 != Ipv6Addr::UNSPECIFIED
                    && v6 != Ipv6Addr::LOCALHOST
                    && is_public(IpAddr::V4(embedded));
            }
            !NOT_PUBLIC_V6.iter().any(|&(net, len)| {
                Ipv6Net::new(net, len).is_ok_and(|n| IpNet::V6(n).contains(&IpAddr::V6(v6)))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "::10.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip(s)), "{s} passed as public");
        }
        for s in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(is_public(ip(s)), "{s} refused");
        }
    }

    #[test]
    fn only_https_urls_without_credentials_pass_by_default() {
        assert!(check_url("https://hooks.example.org/x?y=1", false).is_ok());
        assert!(check_url("http://hooks.example.org/x", false).is_err());
        assert!(check_url("http://hooks.example.org/x", true).is_ok());
        assert!(check_url("ftp://hooks.example.org/x", true).is_err());
        assert!(check_url("https://user:pw@hooks.example.org/", false).is_err());
        assert!(check_url("https://127.0.0.1/", false).is_err());
        assert!(check_url("https://[::1]/", false).is_err());
        assert!(check_url("https://10.0.0.1/", true).is_ok());
        assert!(check_url("not a url", false).is_err());
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let url = Url::parse("https://localhost:9/").unwrap();
        let refused = resolve(&url, false).await.unwrap_err();
        assert!(refused.0.contains("not a public address"), "{refused}");
        assert!(!resolve(&url, true).await.unwrap().is_empty());
    }
}
