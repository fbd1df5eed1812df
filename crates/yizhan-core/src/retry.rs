//! Exponential back-off with jitter, as a pure function of the attempt number, and the one
//! client-side retry loop ([`RetryPolicy::run`]) the provider clients use when a library user
//! opts into it. The gateway's clients make one call per call and leave retries to the worker.

use std::future::Future;
use std::time::Duration;

use crate::{FailureKind, SendError};

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

    /// True when `failure` of attempt number `attempt` may be retried: it is transient, the
    /// request is not ambiguous unless resending it is safe, and the policy allows another.
    pub fn retries(&self, failure: &SendError, attempt: u32, resend_is_safe: bool) -> bool {
        failure.kind == FailureKind::Transient
            && (!failure.ambiguous || resend_is_safe)
            && self.allows_retry_after(attempt)
    }

    /// Calls `call` until it succeeds or fails for good, sleeping [`RetryPolicy::delay`]
    /// between attempts. `call` answers `Ok(result)` when its result is final (a success, or
    /// an error no retry can help) and `Err(failure)` when the policy decides
    /// ([`RetryPolicy::retries`]); a failure it refuses is returned as `E`. `what` names the
    /// call in debug logs.
    pub async fn run<T, E, F, Fut>(&self, what: &str, resend_is_safe: bool, mut call: F) -> Result<T, E>
    where
        E: From<SendError>,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Result<T, E>, SendError>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Ok(result) => return result,
                Err(failure) if self.retries(&failure, attempt, resend_is_safe) => {
                    let delay = self.delay(attempt);
                    tracing::debug!(what, attempt, ?delay, error = %failure, "transient failure; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(failure) => return Err(failure.into()),
            }
        }
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

    fn busy(ambiguous: bool) -> SendError {
        SendError::provider(crate::Provider::Wecom, FailureKind::Transient, -1, "busy").with_ambiguous(ambiguous)
    }

    #[tokio::test]
    async fn run_retries_transient_failures_until_the_policy_stops() {
        let policy = RetryPolicy { max_attempts: 3, initial: Duration::from_millis(1), ..RetryPolicy::default() };
        let mut calls = 0;
        let result: Result<(), SendError> = policy
            .run("t", false, || {
                calls += 1;
                std::future::ready(Err(busy(false)))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn run_stops_at_success_and_never_resends_an_unsafe_ambiguous_call() {
        let policy = RetryPolicy { initial: Duration::from_millis(1), ..RetryPolicy::default() };
        let mut calls = 0;
        let ok = policy
            .run("t", false, || {
                calls += 1;
                std::future::ready(if calls < 2 { Err(busy(false)) } else { Ok(Ok::<_, SendError>(calls)) })
            })
            .await;
        assert_eq!(ok.ok(), Some(2));
        let mut calls = 0;
        let lost: Result<(), SendError> = policy
            .run("t", false, || {
                calls += 1;
                std::future::ready(Err(busy(true)))
            })
            .await;
        assert!(lost.is_err_and(|e| e.ambiguous));
        assert_eq!(calls, 1, "an ambiguous failure without a dedupe identity is not resent");
        assert!(policy.retries(&busy(true), 1, true));
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
