//! Exponential back-off with jitter, as a pure function of the attempt number.

use std::time::Duration;

/// How often and how long to wait between attempts.
///
/// `delay(attempt)` is `initial × multiplier^(attempt-1)`, capped at `max`, then reduced by a
/// random share of up to `jitter` (0.0–1.0) so that many clients do not retry in lockstep.
///
/// ```
/// use std::time::Duration;
/// use yizhan_core::RetryPolicy;
///
/// let policy = RetryPolicy { jitter: 0.0, ..RetryPolicy::default() };
/// assert_eq!(policy.delay(1), Duration::from_millis(200));
/// assert_eq!(policy.delay(2), Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 means no retry. Default 4 (3 retries).
    pub max_attempts: u32,
    /// Delay before the first retry. Default 200 ms.
    pub initial: Duration,
    /// Upper bound on any single delay. Default 10 s.
    pub max: Duration,
    /// Growth factor per attempt. Default 2.0.
    pub multiplier: f64,
    /// Share of the delay that is randomised, 0.0–1.0. Default 0.5.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial: Duration::from_millis(200),
            max: Duration::from_secs(10),
            multiplier: 2.0,
            jitter: 0.5,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// True when another attempt may follow attempt number `attempt` (1-based).
    pub fn allows_retry_after(&self, attempt: u32) -> bool {
        attempt < self.max_attempts
    }

    /// The delay after failed attempt `attempt` (1-based), with random jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, fastrand::f64())
    }

    /// The delay after failed attempt `attempt` for a given jitter sample `unit` in `[0, 1)`.
    /// Pure: the same inputs give the same output.
    pub fn delay_with(&self, attempt: u32, unit: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let base = self.initial.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        let capped = base.min(self.max.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0) * unit.clamp(0.0, 1.0);
        let secs = capped * (1.0 - jitter);
        if secs.is_finite() && secs > 0.0 { Duration::from_secs_f64(secs) } else { Duration::ZERO }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_exponentially_and_caps() {
        let p = RetryPolicy { jitter: 0.0, ..RetryPolicy::default() };
        let delays: Vec<_> = (1..=8).map(|a| p.delay(a).as_millis()).collect();
        assert_eq!(delays, vec![200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    }

    #[test]
    fn jitter_reduces_by_at_most_its_share() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay_with(1, 0.0), Duration::from_millis(200));
        assert_eq!(p.delay_with(1, 1.0), Duration::from_millis(100));
    }

    #[test]
    fn max_attempts_counts_the_first_try() {
        let p = RetryPolicy::default();
        assert!(p.allows_retry_after(3));
        assert!(!p.allows_retry_after(4));
        assert!(!RetryPolicy::none().allows_retry_after(1));
    }

    proptest! {
        #[test]
        fn delay_is_within_bounds(attempt in 0u32..10_000, unit in 0.0f64..1.0) {
            let p = RetryPolicy::default();
            let d = p.delay_with(attempt, unit);
            prop_assert!(d <= p.max);
            prop_assert!(d >= Duration::from_millis(100).min(p.max.mul_f64(0.5)));
        }
    }
}
