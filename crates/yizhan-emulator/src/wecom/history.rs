//! What the emulated WeCom remembers about messages after sending them: msgids for recall,
//! used response codes, and delivered person-times per app and day for statistics.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// How many sent messages are remembered for recall (oldest forgotten first).
const SENT_CAPACITY: usize = 100_000;
/// Recall works for this long after sending (WeCom docs: 撤回应用消息).
pub(crate) const RECALL_WINDOW_MS: i64 = 24 * 3_600_000;
/// A response code is usable for this long (WeCom docs: 更新模版卡片消息).
pub(crate) const RESPONSE_CODE_LIFETIME_MS: i64 = 72 * 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Statistics count natural days in China time.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

#[derive(Debug)]
struct Sent {
    app: usize,
    at_ms: i64,
    recalled: bool,
}

/// Why a recall was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecallRefusal {
    /// Never sent by this app (or forgotten).
    Unknown,
    /// Sent more than 24 h ago.
    TooOld,
    /// Already recalled.
    AlreadyRecalled,
}

/// Message history of every app.
#[derive(Debug, Default)]
pub(crate) struct History {
    sent: HashMap<Arc<str>, Sent>,
    order: VecDeque<Arc<str>>,
    used_codes: HashSet<String>,
    delivered: HashMap<(usize, i64), u64>,
}

/// The natural day (UTC+8) of an epoch-ms time.
pub(crate) fn china_day(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

impl History {
    /// Remembers an accepted message and its delivered person-times.
    pub(crate) fn record(&mut self, msgid: &Arc<str>, app: usize, at_ms: i64, delivered: u64) {
        *self.delivered.entry((app, china_day(at_ms))).or_default() += delivered;
        if self.sent.contains_key(msgid) {
            return;
        }
        if self.order.len() >= SENT_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.sent.remove(&old);
        }
        self.order.push_back(msgid.clone());
        self.sent.insert(msgid.clone(), Sent { app, at_ms, recalled: false });
    }

    /// Recalls `msgid` for `app` at `now_ms`.
    pub(crate) fn recall(&mut self, msgid: &str, app: usize, now_ms: i64) -> Result<(), RecallRefusal> {
        let sent = self.sent.get_mut(msgid).filter(|s| s.app == app).ok_or(RecallRefusal::Unknown)?;
        if sent.recalled {
            return Err(RecallRefusal::AlreadyRecalled);
        }
        if now_ms - sent.at_ms > RECALL_WINDOW_MS {
            return Err(RecallRefusal::TooOld);
        }
        sent.recalled = true;
        Ok(())
    }

    /// Marks a response code used; false when it was used before.
    pub(crate) fn use_code(&mut self, code: &str) -> bool {
        self.used_codes.insert(code.to_owned())
    }

    /// Delivered person-times of `app` on the natural day of `at_ms`.
    pub(crate) fn delivered_on(&self, app: usize, at_ms: i64) -> u64 {
        self.delivered.get(&(app, china_day(at_ms))).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_rules() {
        let mut h = History::default();
        let id: Arc<str> = "m1".into();
        h.record(&id, 0, 1_000, 2);
        assert_eq!(h.recall("m1", 1, 2_000), Err(RecallRefusal::Unknown), "another app's message");
        assert_eq!(h.recall("nope", 0, 2_000), Err(RecallRefusal::Unknown));
        assert_eq!(h.recall("m1", 0, 1_000 + RECALL_WINDOW_MS + 1), Err(RecallRefusal::TooOld));
        assert_eq!(h.recall("m1", 0, 2_000), Ok(()));
        assert_eq!(h.recall("m1", 0, 3_000), Err(RecallRefusal::AlreadyRecalled));
    }

    #[test]
    fn codes_are_single_use_and_days_are_china_days() {
        let mut h = History::default();
        assert!(h.use_code("c"));
        assert!(!h.use_code("c"));
        // 2026-11-23 15:59:59 UTC is 23:59:59 in UTC+8; one second later is the next day there.
        let before_midnight = 1_795_449_599_000;
        h.record(&"a".into(), 0, before_midnight, 3);
        h.record(&"b".into(), 0, before_midnight + 1_000, 5);
        assert_eq!(h.delivered_on(0, before_midnight), 3);
        assert_eq!(h.delivered_on(0, before_midnight + 1_000), 5);
    }
}
