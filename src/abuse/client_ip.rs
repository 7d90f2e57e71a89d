//! The client's address: the socket's, unless the socket is a trusted proxy.

use std::net::{IpAddr, Ipv6Addr};

use http::HeaderMap;
use ipnet::IpNet;

/// The address a request came from.
///
/// When the peer is one of `trusted` proxies, `X-Forwarded-For` is read from the right:
/// each hop was appended by the proxy to its right, so the right-most address that is
/// not itself a trusted proxy is the client. Anything left of it was written by the
/// client and proves nothing (the left-most entry is trivially spoofed). An unreadable
/// entry stops the walk at the last hop we could vouch for.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut current = peer;
    for hop in hops.into_iter().rev() {
        if !is_trusted(current, trusted) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => current = ip,
            None => break,
        }
    }
    current
}

/// The key rate limits count by: the address itself for IPv4, the /64 network for IPv6
/// (one subscriber usually holds a whole /64 and could otherwise rotate through it).
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// The wider network `ip` belongs to, limited on top of [`limit_key`] so that rotating
/// addresses inside it does not escape: the /48 for IPv6 (a typical site's allocation,
/// 65,536 /64s), the /24 for IPv4.
pub fn wide_limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            IpAddr::V4(std::net::Ipv4Addr::new(o[0], o[1], o[2], 0))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0))
        }
    }
}

/// Whether a socket peer is one of the `trusted` proxies (IPv4-mapped IPv6 counts as IPv4).
pub fn is_trusted_proxy(peer: IpAddr, trusted: &[IpNet]) -> bool {
    is_trusted(canonical(peer), trusted)
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 addresses (dual-stack sockets) are treated as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// An address as proxies write it: bare, `[v6]`, `[v6]:port` or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let got = client_ip(
            ip("203.0.113.9"),
            &headers(&["1.2.3.4"]),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client claims to be 1.2.3.4; the proxy appended the real address.
        let got = client_ip(
            ip("10.0.0.2"),
            &headers(&["1.2.3.4, 198.51.100.7"]),
            &trusted,
        );
        assert_eq!(got, ip("198.51.100.7"));
        // Two proxies in a row.
        let got = client_ip(
            ip("10.0.0.2"),
            &headers(&["1.2.3.4", "198.51.100.7, 10.0.0.3"]),
            &trusted,
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        let got = client_ip(
            ip("10.0.0.2"),
            &headers(&["nonsense"]),
            &nets(&["10.0.0.0/8"]),
        );
        assert_eq!(got, ip("10.0.0.2"));
    }

    #[test]
    fn ports_and_brackets_are_understood() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&["[2001:db8::1]:4711"]), &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&["192.0.2.1:80"]), &trusted),
            ip("192.0.2.1")
        );
    }

    #[test]
    fn ipv6_is_limited_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("2001:db8:1:2:ffff::9")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
