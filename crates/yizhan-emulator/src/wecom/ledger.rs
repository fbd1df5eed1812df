//! Send-side memory: per-member sliding windows, the duplicate check and issued response codes.
//!
//! Windows: per (app, member) the timestamps of deliveries in the last hour. A delivery is allowed
//! when fewer than `per_minute` fall in the last 60 s and fewer than `per_hour` in the last 3600 s;
//! otherwise it is dropped and does not enter the window.
//!
//! Duplicate check: per app, the canonical request JSON of accepted requests with their msgid,
//! response code and acceptance time.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
/// Longest duplicate-check interval WeCom accepts (4 h); older entries can be forgotten.
pub(crate) const MAX_DUPLICATE_INTERVAL_SECS: i64 = 14_400;
/// At most this many response codes are remembered (oldest forgotten first).
const RESPONSE_CODE_CAPACITY: usize = 100_000;

/// Why a delivery was dropped because of the minute window.
pub(crate) const MINUTE_LIMIT: &str = "per_member_minute_limit";
/// Why a delivery was dropped because of the hour window.
pub(crate) const HOUR_LIMIT: &str = "per_member_hour_limit";

/// A `response_code` issued for an interactive template card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseCodeRecord {
    /// The code returned to the caller (single use, valid 72 h at WeCom).
    pub response_code: String,
    /// Agent id of the sending app, as text.
    pub app: String,
    /// The msgid of the message that carried the card.
    pub msgid: String,
    /// The card type, e.g. `"button_interaction"`.
    pub card_type: String,
    /// The card's `task_id`, when it had one.
    pub task_id: Option<String>,
    /// When it was issued, epoch milliseconds of the emulator's clock.
    pub issued_at_ms: i64,
}

/// What an accepted request answered, for repeating it to duplicates.
#[derive(Debug, Clone)]
pub(crate) struct Accepted {
    pub(crate) msgid: Arc<str>,
    pub(crate) response_code: Option<Arc<str>>,
    pub(crate) at_ms: i64,
}

/// The limits of the per-member windows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) per_minute: u32,
    pub(crate) per_hour: u32,
}

/// Mutable send-side state; lives behind one mutex, locked once per request.
#[derive(Debug, Default)]
pub(crate) struct SendLedger {
    windows: HashMap<(usize, usize), VecDeque<i64>>,
    accepted: HashMap<usize, HashMap<String, Accepted>>,
    accepted_len: usize,
    prune_above: usize,
    response_codes: VecDeque<ResponseCodeRecord>,
}

impl SendLedger {
    /// Records a delivery to `user` of `app` at `now_ms`, or says which limit drops it.
    pub(crate) fn admit(&mut self, app: usize, user: usize, now_ms: i64, limits: Limits) -> Result<(), &'static str> {
        let window = self.windows.entry((app, user)).or_default();
        while window.front().is_some_and(|&t| t <= now_ms - HOUR_MS) {
            window.pop_front();
        }
        // The window is in arrival order: a binary search, not a walk over the last minute
        // (thousands of entries per member at benchmark rates).
        let last_minute = window.len() - window.partition_point(|&t| t <= now_ms - MINUTE_MS);
        if last_minute >= limits.per_minute as usize {
            return Err(MINUTE_LIMIT);
        }
        if window.len() >= limits.per_hour as usize {
            return Err(HOUR_LIMIT);
        }
        window.push_back(now_ms);
        Ok(())
    }

    /// The earlier accepted request with the same canonical JSON within `interval_secs`, if any.
    pub(crate) fn duplicate_of(
        &self,
        app: usize,
        canonical: &str,
        now_ms: i64,
        interval_secs: i64,
    ) -> Option<Accepted> {
        let earlier = self.accepted.get(&app)?.get(canonical)?;
        (now_ms - earlier.at_ms < interval_secs.saturating_mul(1000)).then(|| earlier.clone())
    }

    /// Remembers an accepted request for later duplicate checks.
    pub(crate) fn remember(&mut self, app: usize, canonical: String, accepted: Accepted) {
        let now_ms = accepted.at_ms;
        if self.accepted.entry(app).or_default().insert(canonical, accepted).is_none() {
            self.accepted_len += 1;
        }
        if self.accepted_len > self.prune_above.max(10_000) {
            let horizon = now_ms - MAX_DUPLICATE_INTERVAL_SECS * 1000;
            self.accepted.values_mut().for_each(|m| m.retain(|_, a| a.at_ms > horizon));
            self.accepted_len = self.accepted.values().map(HashMap::len).sum();
            self.prune_above = self.accepted_len * 2;
        }
    }

    /// Remembers an issued response code.
    pub(crate) fn issue_response_code(&mut self, record: ResponseCodeRecord) {
        if self.response_codes.len() >= RESPONSE_CODE_CAPACITY {
            self.response_codes.pop_front();
        }
        self.response_codes.push_back(record);
    }

    /// The latest record of a card sent as `msgid` and/or with `task_id` (both must match when
    /// both are given).
    pub(crate) fn find_card(&self, msgid: Option<&str>, task_id: Option<&str>) -> Option<ResponseCodeRecord> {
        self.response_codes
            .iter()
            .rev()
            .find(|r| msgid.is_none_or(|m| r.msgid == m) && task_id.is_none_or(|t| r.task_id.as_deref() == Some(t)))
            .cloned()
    }

    /// Issued response codes, oldest first.
    pub(crate) fn response_codes(&self) -> Vec<ResponseCodeRecord> {
        self.response_codes.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { per_minute: 30, per_hour: 1000 };

    #[test]
    fn minute_window_slides() {
        let mut l = SendLedger::default();
        for i in 0..30 {
            assert_eq!(l.admit(0, 0, i * 100, LIMITS), Ok(()));
        }
        assert_eq!(l.admit(0, 0, 3_000, LIMITS), Err(MINUTE_LIMIT));
        assert_eq!(l.admit(0, 1, 3_000, LIMITS), Ok(()), "other member");
        assert_eq!(l.admit(1, 0, 3_000, LIMITS), Ok(()), "other app");
        assert_eq!(l.admit(0, 0, 60_000, LIMITS), Ok(()), "first delivery left the window");
        assert_eq!(l.admit(0, 0, 60_001, LIMITS), Err(MINUTE_LIMIT), "drops do not count, 29 + 1 in window");
        assert_eq!(l.admit(0, 0, 60_100, LIMITS), Ok(()));
    }

    #[test]
    fn hour_window() {
        let mut l = SendLedger::default();
        for i in 0..1000 {
            assert_eq!(l.admit(0, 0, i * 3_000, LIMITS), Ok(()));
        }
        assert_eq!(l.admit(0, 0, 3_000_000, LIMITS), Err(HOUR_LIMIT));
        assert_eq!(l.admit(0, 0, 3_600_000, LIMITS), Ok(()), "the first one is an hour old");
        assert_eq!(l.admit(0, 0, 3_600_001, LIMITS), Err(HOUR_LIMIT));
    }

    #[test]
    fn duplicates_within_interval() {
        let mut l = SendLedger::default();
        let acc = Accepted { msgid: "m1".into(), response_code: None, at_ms: 1_000 };
        l.remember(0, "{}".to_owned(), acc);
        assert_eq!(l.duplicate_of(0, "{}", 1_800_999, 1800).map(|a| a.msgid), Some("m1".into()));
        assert!(l.duplicate_of(0, "{}", 1_801_000, 1800).is_none());
        assert!(l.duplicate_of(1, "{}", 2_000, 1800).is_none());
        assert!(l.duplicate_of(0, "{\"a\":1}", 2_000, 1800).is_none());
    }

    #[test]
    fn old_duplicates_are_pruned() {
        let mut l = SendLedger::default();
        for i in 0..10_000 {
            l.remember(0, i.to_string(), Accepted { msgid: "m".into(), response_code: None, at_ms: 0 });
        }
        let late = MAX_DUPLICATE_INTERVAL_SECS * 1000 + 1;
        l.remember(0, "new".into(), Accepted { msgid: "m".into(), response_code: None, at_ms: late });
        assert_eq!(l.accepted_len, 1);
    }
}
