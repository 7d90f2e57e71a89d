//! The service's notion of "now", injectable so tests can move time instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, Utc};

/// Where the time comes from. Every time the service stores or compares goes through here.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// A clock that only moves when told to (tests, benchmarks).
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A manual clock starting at `start`.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(truncate(start))))
    }

    /// The current time, to the microsecond (what PostgreSQL keeps), so a value read back
    /// from the database compares equal to the one written.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => truncate(Utc::now()),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved and ignores this.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(at) = self {
            let mut at = at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *at = truncate(*at + by);
        }
    }
}

/// A settings duration as a span to add to timestamps. Anything beyond a century (far
/// past any sensible setting) counts as a century, so adding it to "now" cannot overflow.
pub fn span(d: std::time::Duration) -> Duration {
    let century = Duration::days(36_525);
    Duration::from_std(d).map_or(century, |d| d.min(century))
}

fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Utc::now();
        let clock = Clock::manual(start);
        let first = clock.now();
        assert_eq!(first, clock.now());
        clock.advance(Duration::days(8));
        assert_eq!(clock.now() - first, Duration::days(8));
    }

    #[test]
    fn spans_are_capped_at_a_century() {
        assert_eq!(
            span(std::time::Duration::from_secs(90)),
            Duration::seconds(90)
        );
        assert_eq!(span(std::time::Duration::MAX), Duration::days(36_525));
    }
}
