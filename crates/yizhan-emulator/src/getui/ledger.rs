//! Push-side memory: the per-app `request_id` dedupe window and the quota counters.
//!
//! * A `request_id` accepted by any push endpoint of an app is remembered with the answer's
//!   `data` and the targets it reached, for `request_id_window_ms` (at most
//!   [`REQUEST_ID_CAPACITY`] of them; the oldest are forgotten first).
//! * `/push/all` + `/push/tag` share a sliding minute (30014) and a UTC+8 daily count (30007 for
//!   all, 30010 for tag); rejected calls do not count.
//! * List pushes count their targets per UTC+8 day (30008).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use super::envelope::Answer;
use super::registry::PushStatus;
use super::time::{self, MINUTE_MS};

/// Most request_ids remembered at once (all apps).
const REQUEST_ID_CAPACITY: usize = 1_000_000;

/// What an accepted push with a `request_id` answered.
#[derive(Debug, Clone)]
pub(super) struct Remembered {
    pub(super) at_ms: i64,
    /// The answer's `data` (for async batches: what the sync answer would have been).
    pub(super) data: Value,
    /// Every (taskid, cid, status) the push reached at the time it was accepted.
    pub(super) targets: Vec<(Arc<str>, Arc<str>, PushStatus)>,
}

/// The quota limits of one app.
#[derive(Debug, Clone, Copy)]
pub(super) struct AppQuota {
    pub(super) per_minute: u32,
    pub(super) per_day: u32,
}

/// Mutable push-side state; lives inside the Getui state's mutex.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    seen: HashMap<usize, HashMap<Arc<str>, Remembered>>,
    /// (app, request_id, accepted at) in acceptance order, for forgetting.
    order: VecDeque<(usize, Arc<str>, i64)>,
    app_minute: HashMap<usize, VecDeque<i64>>,
    app_daily: HashMap<(usize, i64), u32>,
    list_daily: HashMap<(usize, i64), u64>,
}

impl Ledger {
    /// The earlier push of `app` with `request_id`, if still within `window_ms`.
    pub(super) fn recall(&self, app: usize, request_id: &str, now_ms: i64, window_ms: i64) -> Option<&Remembered> {
        self.seen.get(&app)?.get(request_id).filter(|r| now_ms - r.at_ms < window_ms)
    }

    /// Remembers an accepted push; forgets entries out of the window or over the capacity.
    pub(super) fn remember(&mut self, app: usize, request_id: Arc<str>, entry: Remembered, window_ms: i64) {
        let now_ms = entry.at_ms;
        self.order.push_back((app, request_id.clone(), now_ms));
        self.seen.entry(app).or_default().insert(request_id, entry);
        while let Some((_, _, at)) = self.order.front() {
            if now_ms - *at < window_ms && self.order.len() <= REQUEST_ID_CAPACITY {
                break;
            }
            if let Some((app, id, at)) = self.order.pop_front()
                && let Some(map) = self.seen.get_mut(&app)
                && map.get(&id).is_some_and(|r| r.at_ms == at)
            {
                map.remove(&id);
            }
        }
    }

    /// Admits one `/push/all` (`tag` false) or `/push/tag` call, or answers the quota code.
    pub(super) fn admit_app_push(&mut self, app: usize, now_ms: i64, quota: AppQuota, tag: bool) -> Result<(), Answer> {
        let window = self.app_minute.entry(app).or_default();
        while window.front().is_some_and(|&t| t <= now_ms - MINUTE_MS) {
            window.pop_front();
        }
        if window.len() >= quota.per_minute as usize {
            return Err(Answer::error(
                30014,
                format!("push/all and push/tag frequency over limit, max {} per minute", quota.per_minute),
            ));
        }
        let today = self.app_daily.entry((app, time::day(now_ms))).or_default();
        if *today >= quota.per_day {
            let (code, what) = if tag { (30010, "push/tag") } else { (30007, "push/all") };
            return Err(Answer::error(code, format!("{what} daily limit exceeded, max {} per day", quota.per_day)));
        }
        *today += 1;
        window.push_back(now_ms);
        Ok(())
    }

    /// Whether `n` more list targets fit today's `cap`; counts them when they do.
    pub(super) fn admit_list(&mut self, app: usize, now_ms: i64, n: u64, cap: u64) -> Result<(), Answer> {
        let today = self.list_daily.entry((app, time::day(now_ms))).or_default();
        if today.saturating_add(n) > cap || (n == 0 && *today >= cap) {
            return Err(Answer::error(30008, format!("push/list daily limit exceeded, max {cap}")));
        }
        *today += n;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn app_quota_minute_then_day() {
        let mut l = Ledger::default();
        let q = AppQuota { per_minute: 2, per_day: 3 };
        assert!(l.admit_app_push(0, 0, q, false).is_ok() && l.admit_app_push(0, 1, q, true).is_ok());
        assert_eq!(l.admit_app_push(0, 2, q, false).err().map(|a| a.code), Some(30014));
        assert!(l.admit_app_push(0, 60_000, q, false).is_ok());
        assert_eq!(l.admit_app_push(0, 120_000, q, false).err().map(|a| a.code), Some(30007));
        assert_eq!(l.admit_app_push(0, 120_000, q, true).err().map(|a| a.code), Some(30010));
        assert!(l.admit_app_push(0, 120_000 + time::DAY_MS, q, true).is_ok(), "a new day");
    }

    #[test]
    fn list_cap_and_dedupe_window() {
        let mut l = Ledger::default();
        assert!(l.admit_list(0, 0, 5, 6).is_ok());
        assert_eq!(l.admit_list(0, 0, 2, 6).err().map(|a| a.code), Some(30008));
        let entry = Remembered { at_ms: 10, data: json!({}), targets: vec![] };
        l.remember(0, "req-000001".into(), entry, 100);
        assert!(l.recall(0, "req-000001", 109, 100).is_some());
        assert!(l.recall(0, "req-000001", 110, 100).is_none());
        assert!(l.recall(1, "req-000001", 50, 100).is_none(), "per app");
    }
}
