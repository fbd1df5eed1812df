//! The current time, injectable so that tests of windows and expiry run in milliseconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time in milliseconds since the Unix epoch.
///
/// `Clock::System` reads the wall clock. `Clock::Manual` is driven by a test through
/// [`ManualClock`]; cloning it shares the same time.
///
/// ```
/// use std::time::Duration;
/// use yizhan_core::Clock;
///
/// let (clock, control) = Clock::manual(1_700_000_000_000);
/// control.advance(Duration::from_secs(60));
/// assert_eq!(clock.now_ms(), 1_700_000_060_000);
/// ```
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system wall clock.
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(Arc<ManualClock>),
}

/// The control side of a manual clock.
#[derive(Debug)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.now_ms.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::SeqCst);
    }

    /// Sets the clock to an absolute time in epoch milliseconds.
    pub fn set_ms(&self, now_ms: i64) {
        self.now_ms.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock {
    /// A manual clock starting at `start_ms`, and its control.
    pub fn manual(start_ms: i64) -> (Clock, Arc<ManualClock>) {
        let control = Arc::new(ManualClock { now_ms: AtomicI64::new(start_ms) });
        (Clock::Manual(control.clone()), control)
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            Clock::Manual(m) => m.now_ms.load(Ordering::SeqCst),
        }
    }

    /// Whole seconds since the Unix epoch.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_is_shared_by_clones() {
        let (clock, control) = Clock::manual(1_000);
        let other = clock.clone();
        control.advance(Duration::from_millis(500));
        assert_eq!(other.now_ms(), 1_500);
        control.set_ms(10);
        assert_eq!(clock.now_ms(), 10);
        assert_eq!(clock.now_secs(), 0);
    }

    #[test]
    fn system_clock_is_after_2024() {
        assert!(Clock::System.now_ms() > 1_704_067_200_000);
    }
}
