//! Per-address rate limits (governor), kept in memory per replica; a sweep forgets idle
//! addresses so memory stays bounded under a flood of distinct sources.
//!
//! Each request counts against two keys at once: the address (an IPv6 /64, an IPv4
//! address) and its wider network (the /48, the /24) with `sign_wide_prefix_factor` times
//! the quota, so rotating /64s inside one /48 (or addresses inside one /24) is stopped.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::{limit_key, wide_limit_key};
use crate::config::Settings;

/// Which limit a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Submitting a signature.
    Sign,
    /// Opening or posting a confirmation link, or asking for a new one.
    Confirm,
}

/// The limiters of one replica.
pub struct RateLimits {
    sign: DefaultKeyedRateLimiter<IpAddr>,
    confirm: DefaultKeyedRateLimiter<IpAddr>,
    /// The same limits by /48 or /24, with the wider quota.
    sign_wide: DefaultKeyedRateLimiter<IpAddr>,
    confirm_wide: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimits {
    pub fn new(settings: &Settings) -> RateLimits {
        let wide = |n: u32| n.saturating_mul(settings.sign_wide_prefix_factor.max(1));
        RateLimits {
            sign_wide: RateLimiter::keyed(quota(
                wide(settings.sign_rate_per_minute),
                wide(settings.sign_burst),
            )),
            confirm_wide: RateLimiter::keyed(quota(
                wide(settings.confirm_rate_per_minute),
                wide(settings.confirm_burst),
            )),
            sign: RateLimiter::keyed(quota(settings.sign_rate_per_minute, settings.sign_burst)),
            confirm: RateLimiter::keyed(quota(
                settings.confirm_rate_per_minute,
                settings.confirm_burst,
            )),
        }
    }

    /// Counts a request from `ip` against its address and its wider network; when over
    /// either limit, says how long to wait.
    pub fn check(&self, limit: Limit, ip: IpAddr) -> Result<(), Duration> {
        let (narrow, wide) = match limit {
            Limit::Sign => (&self.sign, &self.sign_wide),
            Limit::Confirm => (&self.confirm, &self.confirm_wide),
        };
        let wait = |not_until: governor::NotUntil<_>| {
            not_until.wait_time_from(DefaultClock::default().now())
        };
        // The address first: one busy address alone does not use up its network's quota.
        narrow.check_key(&limit_key(ip)).map_err(wait)?;
        wide.check_key(&wide_limit_key(ip)).map_err(wait)
    }

    /// Forgets addresses whose limit has fully recovered; returns how many remain.
    pub fn sweep(&self) -> usize {
        let all = [
            &self.sign,
            &self.confirm,
            &self.sign_wide,
            &self.confirm_wide,
        ];
        for limiter in all {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        all.iter().map(|l| l.len()).sum()
    }
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_passes_and_the_next_request_waits() {
        let settings = Settings {
            sign_rate_per_minute: 1,
            sign_burst: 2,
            ..Settings::default()
        };
        let limits = RateLimits::new(&settings);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.check(Limit::Sign, a).is_ok());
        assert!(limits.check(Limit::Sign, a).is_ok());
        let wait = limits.check(Limit::Sign, a).unwrap_err();
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(60));
        // Another address and another limit are untouched.
        assert!(limits.check(Limit::Sign, b).is_ok());
        assert!(limits.check(Limit::Confirm, a).is_ok());
        assert!(limits.sweep() >= 2);
    }

    #[test]
    fn rotating_64s_inside_one_48_or_addresses_inside_one_24_is_stopped() {
        let settings = Settings {
            sign_rate_per_minute: 1,
            sign_burst: 2,
            sign_wide_prefix_factor: 3,
            ..Settings::default()
        };
        let limits = RateLimits::new(&settings);
        for (inside, outside) in [
            ("2001:db8:7:{}::1", "2001:db8:8::1"),
            ("198.51.100.{}", "198.51.101.1"),
        ] {
            let passed = (1..=20)
                .filter(|i| {
                    let ip: IpAddr = inside.replace("{}", &i.to_string()).parse().unwrap();
                    limits.check(Limit::Sign, ip).is_ok()
                })
                .count();
            // Each address would pass twice; the network passes 3 x 2 in all.
            assert_eq!(passed, 6, "{inside}");
            assert!(limits.check(Limit::Sign, outside.parse().unwrap()).is_ok());
        }
    }
}
