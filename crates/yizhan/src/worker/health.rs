//! Per-channel delivery health, kept in memory by the worker and shown by `GET /v1/channels`:
//! the last successful send, the last failure (code and message) and the consecutive failures
//! since the last success, plus the age of each provider client's cached access token.
//!
//! Nothing is persisted: after a restart every channel starts with no history.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::channels::Channels;

/// The last failed attempt of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastFailure {
    /// When it was recorded (epoch ms).
    pub at_ms: i64,
    /// The provider's code, if it gave one.
    pub code: Option<i64>,
    /// The provider's (or transport's) message; never a secret.
    pub message: String,
}

/// One channel's delivery history since the worker started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// The last attempt that was delivered (epoch ms).
    pub last_success_at_ms: Option<i64>,
    /// The last attempt that failed.
    pub last_failure: Option<LastFailure>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u64,
}

/// Shared between the worker (which records) and the HTTP API (which reads). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ChannelHealth {
    records: Arc<Mutex<HashMap<String, Health>>>,
    channels: Channels,
}

impl ChannelHealth {
    /// Health for the channels whose clients are `channels` (for their token ages).
    pub fn new(channels: Channels) -> ChannelHealth {
        ChannelHealth { records: Arc::default(), channels }
    }

    /// Records a delivered attempt on `channel`.
    pub fn success(&self, channel: &str, at_ms: i64) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let h = records.entry(channel.to_owned()).or_default();
        h.last_success_at_ms = Some(at_ms);
        h.consecutive_failures = 0;
    }

    /// Records a failed attempt on `channel`.
    pub fn failure(&self, channel: &str, at_ms: i64, code: Option<i64>, message: &str) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let h = records.entry(channel.to_owned()).or_default();
        h.last_failure = Some(LastFailure { at_ms, code, message: message.to_owned() });
        h.consecutive_failures = h.consecutive_failures.saturating_add(1);
    }

    /// `channel`'s history (empty when nothing was attempted).
    pub fn health(&self, channel: &str) -> Health {
        self.records.lock().unwrap_or_else(PoisonError::into_inner).get(channel).cloned().unwrap_or_default()
    }

    /// How long ago `channel`'s client fetched its current access token; `None` when it has
    /// none cached, the channel has no token (group robots) or no client is known.
    pub fn token_age(&self, channel: &str) -> Option<Duration> {
        self.channels.token_age(channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_until_a_success() {
        let h = ChannelHealth::default();
        assert_eq!(h.health("ops"), Health::default());
        h.failure("ops", 10, Some(-1), "system busy");
        h.failure("ops", 20, None, "timed out");
        let got = h.health("ops");
        assert_eq!(got.consecutive_failures, 2);
        assert_eq!(got.last_failure, Some(LastFailure { at_ms: 20, code: None, message: "timed out".into() }));
        h.success("ops", 30);
        let got = h.health("ops");
        assert_eq!((got.consecutive_failures, got.last_success_at_ms), (0, Some(30)));
        assert!(got.last_failure.is_some(), "the last failure stays visible");
        assert_eq!(h.health("other"), Health::default());
        assert_eq!(h.token_age("ops"), None);
    }
}
