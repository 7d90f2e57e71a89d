//! Client addresses after erasure: the network prefix (/24 for IPv4, /48 for IPv6) plus
//! a keyed hash of the full address, so abuse control can still match a returning
//! address without anyone being able to read it back.
//!
//! The key is the `ip_hash_key` setting when given; otherwise the service makes one on
//! first use and keeps it in `server_secrets`, so every replica hashes alike.

use std::net::IpAddr;

use ipnet::IpNet;
use sea_orm::{ConnectionTrait, DbErr};
use sha2::Sha256;

use crate::encoding::hex;

/// The name of the key's row in `server_secrets`.
const KEY_NAME: &str = "ip_hash_key";

/// The prefix kept of an address: its /24 (IPv4) or /48 (IPv6) network, e.g.
/// `203.0.113.0/24`.
pub fn prefix(ip: IpAddr) -> String {
    let len = match ip {
        IpAddr::V4(_) => 24,
        IpAddr::V6(_) => 48,
    };
    match IpNet::new(ip, len) {
        Ok(net) => net.trunc().to_string(),
        Err(_) => String::new(),
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, as lowercase hex.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    // `new_from_slice` takes keys of any length; it cannot fail for HMAC.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// The keyed hash of a full address (its canonical text form).
pub fn hash(key: &[u8], ip: IpAddr) -> String {
    hmac_sha256_hex(key, ip.to_string().as_bytes())
}

/// The key of the IP hashes: the setting when given, else the database's own (made on
/// first use; of two replicas making it at once, the first insert wins for both).
pub async fn key<C: ConnectionTrait>(conn: &C, configured: Option<&str>) -> Result<Vec<u8>, DbErr> {
    if let Some(key) = configured {
        return Ok(key.as_bytes().to_vec());
    }
    crate::store::secrets::shared(conn, KEY_NAME).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_the_24_and_the_48() {
        assert_eq!(prefix("203.0.113.77".parse().unwrap()), "203.0.113.0/24");
        assert_eq!(
            prefix("2001:db8:abcd:12:1::9".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_6_with_a_long_key() {
        let key = [0xaau8; 131];
        assert_eq!(
            hmac_sha256_hex(
                &key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn the_hash_depends_on_the_key_and_the_address() {
        let a: IpAddr = "203.0.113.77".parse().unwrap();
        let b: IpAddr = "203.0.113.78".parse().unwrap();
        assert_ne!(hash(b"k1", a), hash(b"k2", a));
        assert_ne!(hash(b"k1", a), hash(b"k1", b));
        assert_eq!(hash(b"k1", a), hash(b"k1", a));
    }
}
