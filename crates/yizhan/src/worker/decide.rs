//! What the worker does after a failed attempt: a pure function of the failure, the attempt
//! number, the channel's retry policy and the time, so every rule is tested without I/O.

use std::time::Duration;

use yizhan_core::{FailureKind, RetryPolicy};

use super::execute::Failed;

/// Retry rules of one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelRetry {
    /// Back-off between counted attempts.
    pub policy: RetryPolicy,
    /// No attempt starts later than this after the message was accepted. Default 4 h, which is
    /// also WeCom's longest `duplicate_check_interval`, so every resend stays deduplicated.
    pub horizon: Duration,
    /// Wait after `TokenExpired` (the client already refreshed once). Default 5 s.
    pub token_retry: Duration,
}

impl Default for ChannelRetry {
    fn default() -> Self {
        ChannelRetry {
            policy: RetryPolicy {
                max_attempts: 8,
                initial: Duration::from_secs(1),
                max: Duration::from_secs(600),
                ..RetryPolicy::default()
            },
            horizon: Duration::from_secs(4 * 3600),
            token_retry: Duration::from_secs(5),
        }
    }
}

impl ChannelRetry {
    /// The worker's back-off (`initial_delay_ms`, `max_delay_secs`) without an attempt limit,
    /// bounded by `horizon` alone: the rules of the gateway's own outbound posts (callback
    /// forwards, webhook deliveries).
    pub fn until_horizon(worker: &crate::config::WorkerConfig, horizon: Duration) -> ChannelRetry {
        ChannelRetry {
            policy: RetryPolicy {
                max_attempts: u32::MAX,
                initial: Duration::from_millis(worker.initial_delay_ms),
                max: Duration::from_secs(worker.max_delay_secs),
                ..RetryPolicy::default()
            },
            horizon,
            ..ChannelRetry::default()
        }
    }
}

/// The next step for a dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Try again at `at_ms`; `counts_attempt` is false for rate limits.
    Retry {
        /// When.
        at_ms: i64,
        /// Whether this failure used up an attempt.
        counts_attempt: bool,
    },
    /// Give up; the reason is kept with the message.
    Dead {
        /// Why, for the API and the dead-letter list.
        reason: String,
    },
}

/// Decides after failed attempt number `attempt` (1-based, counting only counted attempts) of a
/// dispatch accepted at `accepted_ms`. `resend_is_safe` says whether the persisted body carries
/// a provider dedupe identity (WeCom duplicate check, Getui request_id); without one an ambiguous
/// failure is not resent, because the provider may already have delivered it.
pub fn decide(
    failure: &Failed,
    attempt: u32,
    rules: &ChannelRetry,
    accepted_ms: i64,
    now_ms: i64,
    resend_is_safe: bool,
) -> Next {
    let horizon_ms = accepted_ms.saturating_add(i64::try_from(rules.horizon.as_millis()).unwrap_or(i64::MAX));
    let later = |wait: Duration| now_ms.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    let within_horizon = |at_ms: i64, counts_attempt: bool| {
        if at_ms > horizon_ms {
            Next::Dead { reason: format!("retry horizon of {} s passed: {}", rules.horizon.as_secs(), failure.message) }
        } else {
            Next::Retry { at_ms, counts_attempt }
        }
    };
    if failure.ambiguous && !resend_is_safe {
        return Next::Dead {
            reason: format!("outcome unknown and the body has no dedupe identity, not resent: {}", failure.message),
        };
    }
    match failure.kind {
        FailureKind::Permanent => Next::Dead { reason: failure.message.clone() },
        FailureKind::RateLimited { retry_after } => {
            within_horizon(later(retry_after.unwrap_or(Duration::from_secs(60))), false)
        }
        FailureKind::TokenExpired | FailureKind::Transient if !rules.policy.allows_retry_after(attempt) => {
            Next::Dead { reason: format!("gave up after {attempt} attempts: {}", failure.message) }
        }
        FailureKind::TokenExpired => within_horizon(later(rules.token_retry), true),
        FailureKind::Transient => within_horizon(later(rules.policy.delay(attempt)), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(kind: FailureKind, ambiguous: bool) -> Failed {
        Failed { kind, code: Some(1), message: "m".into(), ambiguous }
    }

    const T0: i64 = 1_000_000;

    #[test]
    fn permanent_is_dead_with_the_provider_message() {
        let next = decide(&failed(FailureKind::Permanent, false), 1, &ChannelRetry::default(), T0, T0, true);
        assert_eq!(next, Next::Dead { reason: "m".into() });
    }

    #[test]
    fn rate_limits_wait_and_do_not_count() {
        let limited = failed(FailureKind::RateLimited { retry_after: Some(Duration::from_secs(30)) }, false);
        let next = decide(&limited, 7, &ChannelRetry::default(), T0, T0, true);
        assert_eq!(next, Next::Retry { at_ms: T0 + 30_000, counts_attempt: false });
    }

    #[test]
    fn transient_backs_off_until_attempts_run_out() {
        let rules = ChannelRetry::default();
        let busy = failed(FailureKind::Transient, false);
        match decide(&busy, 1, &rules, T0, T0, true) {
            Next::Retry { at_ms, counts_attempt: true } => assert!((T0 + 500..=T0 + 1_000).contains(&at_ms)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decide(&busy, 8, &rules, T0, T0, true), Next::Dead { .. }));
    }

    #[test]
    fn ambiguous_is_resent_only_with_a_dedupe_identity() {
        let lost = failed(FailureKind::Transient, true);
        assert!(matches!(decide(&lost, 1, &ChannelRetry::default(), T0, T0, true), Next::Retry { .. }));
        assert!(matches!(decide(&lost, 1, &ChannelRetry::default(), T0, T0, false), Next::Dead { .. }));
    }

    #[test]
    fn nothing_is_scheduled_past_the_horizon() {
        let rules = ChannelRetry { horizon: Duration::from_secs(10), ..ChannelRetry::default() };
        let limited = failed(FailureKind::RateLimited { retry_after: Some(Duration::from_secs(60)) }, false);
        assert!(
            matches!(decide(&limited, 1, &rules, T0, T0, true), Next::Dead { reason } if reason.contains("horizon"))
        );
        let token = failed(FailureKind::TokenExpired, false);
        assert_eq!(
            decide(&token, 1, &ChannelRetry::default(), T0, T0, true),
            Next::Retry { at_ms: T0 + 5_000, counts_attempt: true }
        );
    }
}
