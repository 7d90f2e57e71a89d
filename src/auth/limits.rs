//! Sign-in limits: per client address and per account, in memory per replica (governor),
//! so guessing passwords is slow from one place and slow against one account.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::abuse::limit_key;
use crate::config::Settings;

/// The sign-in limiters of one replica.
pub struct SignInLimits {
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
}

impl SignInLimits {
    pub fn new(settings: &Settings) -> SignInLimits {
        let per_minute =
            NonZeroU32::new(settings.staff_sign_in_per_minute).unwrap_or(NonZeroU32::MIN);
        let per_hour =
            NonZeroU32::new(settings.staff_sign_in_per_account_per_hour).unwrap_or(NonZeroU32::MIN);
        SignInLimits {
            per_address: RateLimiter::keyed(Quota::per_minute(per_minute)),
            per_account: RateLimiter::keyed(Quota::per_hour(per_hour)),
        }
    }

    /// Counts one attempt from `ip` for `email` (as typed, lower-cased); when either limit
    /// is spent, says how long to wait. Unknown emails count too, so the limit says
    /// nothing about which accounts exist.
    pub fn check(&self, ip: IpAddr, email: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_address
            .check_key(&limit_key(ip))
            .map_err(|n| n.wait_time_from(now))?;
        self.per_account
            .check_key(&email.trim().to_lowercase())
            .map_err(|n| n.wait_time_from(now))
    }

    /// Forgets keys whose limit has fully recovered.
    pub fn sweep(&self) {
        self.per_address.retain_recent();
        self.per_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_account_is_limited_across_addresses() {
        let settings = Settings {
            staff_sign_in_per_minute: 100,
            staff_sign_in_per_account_per_hour: 2,
            ..Settings::default()
        };
        let limits = SignInLimits::new(&settings);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limits.check(a, "Ann@example.org").is_ok());
        assert!(limits.check(b, "ann@example.org").is_ok());
        assert!(limits.check(b, "ANN@example.org ").is_err());
        assert!(limits.check(b, "bob@example.org").is_ok());
    }
}
