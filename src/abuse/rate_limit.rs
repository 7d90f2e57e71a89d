//! Per-address rate limits (governor), kept in memory per replica; a sweep forgets idle
//! addresses so memory stays bounded under a flood of distinct sources.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::limit_key;
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
}

impl RateLimits {
    pub fn new(settings: &Settings) -> RateLimits {
        RateLimits {
            sign: RateLimiter::keyed(quota(settings.sign_rate_per_minute, settings.sign_burst)),
            confirm: RateLimiter::keyed(quota(
                settings.confirm_rate_per_minute,
                settings.confirm_burst,
            )),
        }
    }

    /// Counts a request from `ip`; when over the limit, says how long to wait.
    pub fn check(&self, limit: Limit, ip: IpAddr) -> Result<(), Duration> {
        let limiter = match limit {
            Limit::Sign => &self.sign,
            Limit::Confirm => &self.confirm,
        };
        limiter
            .check_key(&limit_key(ip))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Forgets addresses whose limit has fully recovered; returns how many remain.
    pub fn sweep(&self) -> usize {
        self.sign.retain_recent();
        self.confirm.retain_recent();
        self.sign.shrink_to_fit();
        self.confirm.shrink_to_fit();
        self.sign.len() + self.confirm.len()
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
}
