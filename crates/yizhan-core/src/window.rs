//! Sliding-window budgets: "at most `limit` units in any `len_ms` interval", counted per key.
//!
//! This is the arithmetic of the quota ledger (WeCom's 30/min and 1000/h per member, robots'
//! 20/min per key, Getui's 5/min for push/all…), kept here without I/O so that every backend
//! (in process, Redis, PostgreSQL) implements the same semantics and can be tested against it:
//!
//! * A key's history is the list of instants (epoch ms) at which a unit was granted.
//! * An instant `e` counts in window `w` at time `now` when `e > now - w.len_ms` — including
//!   instants *after* `now`: in a cluster, an instance whose clock lags must still see the grants
//!   its peers stamped "in its future", or together they could exceed the limit. When `now` never
//!   goes backwards nothing lies ahead and this is the plain sliding window; when it does, no
//!   window ever holds more than `limit` (the unit granted last saw the others and would have
//!   been deferred).
//! * [`SlidingWindows::reserve`] takes one unit for each key, in order: it is granted (and
//!   recorded at `now`) when every window holds fewer than `limit` units; otherwise nothing is
//!   recorded and the answer is the earliest instant at which every window will have room
//!   again, assuming nothing else is granted meanwhile. A key listed twice takes two units.
//! * Grants are never refunded: a send that failed after its grant still counted, which is the
//!   conservative reading of a provider's limit.
//!
//! ```
//! use yizhan_core::window::{Grant, SlidingWindows, Window};
//! let minute = [Window { len_ms: 60_000, limit: 2 }];
//! let mut ledger = SlidingWindows::default();
//! let keys = ["alice".to_owned(), "alice".to_owned(), "alice".to_owned()];
//! let grants = ledger.reserve(&keys, &minute, 1_000);
//! assert_eq!(grants, vec![Grant::Granted, Grant::Granted, Grant::DeferUntil(61_000)]);
//! ```

use std::collections::HashMap;

/// At most `limit` units in any interval of `len_ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The window's length in milliseconds (> 0).
    pub len_ms: i64,
    /// Units allowed inside one window.
    pub limit: u32,
}

impl Window {
    /// `limit` per minute.
    pub const fn per_minute(limit: u32) -> Window {
        Window { len_ms: 60_000, limit }
    }

    /// `limit` per hour.
    pub const fn per_hour(limit: u32) -> Window {
        Window { len_ms: 3_600_000, limit }
    }
}

/// The answer for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grant {
    /// The unit was taken and recorded.
    Granted,
    /// No room now; every window has room again at this instant (epoch ms, later than `now`).
    DeferUntil(i64),
}

impl Grant {
    /// Whether the unit was granted.
    pub fn is_granted(self) -> bool {
        matches!(self, Grant::Granted)
    }
}

/// In-process sliding-window counters for many keys. Not synchronised: wrap it in a mutex.
#[derive(Debug, Clone, Default)]
pub struct SlidingWindows {
    history: HashMap<String, Vec<i64>>,
}

impl SlidingWindows {
    /// Takes one unit per key (in order) under every window; see the module docs.
    pub fn reserve(&mut self, keys: &[String], windows: &[Window], now_ms: i64) -> Vec<Grant> {
        let longest = windows.iter().map(|w| w.len_ms).max().unwrap_or(0);
        keys.iter()
            .map(|key| {
                let events = self.history.entry(key.clone()).or_default();
                prune(events, now_ms - longest);
                match blocked_until(events, windows, now_ms) {
                    Some(at) => Grant::DeferUntil(at),
                    None => {
                        insert_sorted(events, now_ms);
                        Grant::Granted
                    }
                }
            })
            .collect()
    }

    /// Records a unit granted at `at_ms` without checking, e.g. when rebuilding from history.
    pub fn record(&mut self, key: &str, at_ms: i64) {
        insert_sorted(self.history.entry(key.to_owned()).or_default(), at_ms);
    }

    /// Units of `key` inside `window` at `now_ms`.
    pub fn usage(&self, key: &str, window: Window, now_ms: i64) -> u32 {
        self.history.get(key).map_or(0, |events| in_window(events, window, now_ms).len() as u32)
    }

    /// Forgets every instant at or before `now_ms - longest_ms`, and keys left empty.
    pub fn prune_all(&mut self, now_ms: i64, longest_ms: i64) {
        self.history.retain(|_, events| {
            prune(events, now_ms - longest_ms);
            !events.is_empty()
        });
    }

    /// How many keys have history.
    pub fn len(&self) -> usize {
        self.history.len()
    }

    /// Whether no key has history.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }
}

/// The earliest instant at which every window has room, or `None` when all have room now.
///
/// `events` must be sorted. Exposed so other backends share the arithmetic.
pub fn blocked_until(events: &[i64], windows: &[Window], now_ms: i64) -> Option<i64> {
    windows
        .iter()
        .filter_map(|&w| {
            let inside = in_window(events, w, now_ms);
            let count = inside.len();
            let limit = w.limit as usize;
            // Room again once the (count - limit + 1)-th oldest unit leaves the window.
            (count >= limit).then(|| inside.get(count - limit).map_or(now_ms + w.len_ms, |e| e + w.len_ms))
        })
        .max()
}

/// The sorted instants of `events` that count in `window` at `now_ms` (those ahead included).
fn in_window(events: &[i64], window: Window, now_ms: i64) -> &[i64] {
    &events[events.partition_point(|&e| e <= now_ms - window.len_ms)..]
}

fn prune(events: &mut Vec<i64>, at_or_before: i64) {
    let stale = events.partition_point(|&e| e <= at_or_before);
    events.drain(..stale);
}

fn insert_sorted(events: &mut Vec<i64>, at_ms: i64) {
    let i = events.partition_point(|&e| e <= at_ms);
    events.insert(i, at_ms);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn minute_and_hour_windows_both_bind() {
        let windows = [Window::per_minute(30), Window::per_hour(1000)];
        let mut ledger = SlidingWindows::default();
        let batch = vec!["alice".to_owned(); 31];
        let grants = ledger.reserve(&batch, &windows, 0);
        assert_eq!(grants.iter().filter(|g| g.is_granted()).count(), 30);
        assert_eq!(grants[30], Grant::DeferUntil(60_000));
        // One minute later there is room again, for another 30.
        let grants = ledger.reserve(&batch, &windows, 60_000);
        assert_eq!(grants.iter().filter(|g| g.is_granted()).count(), 30);
        assert_eq!(ledger.usage("alice", Window::per_hour(1000), 60_000), 60);
    }

    #[test]
    fn grants_stamped_ahead_of_now_count() {
        let mut ledger = SlidingWindows::default();
        // A peer whose clock runs 5 ms ahead granted two units; this instance says 1_000.
        ledger.record("k", 1_000);
        ledger.record("k", 1_005);
        let grants = ledger.reserve(&keys(&["k"]), &[Window::per_minute(2)], 1_000);
        assert_eq!(grants, vec![Grant::DeferUntil(61_000)]);
    }

    #[test]
    fn zero_limit_defers_by_a_whole_window() {
        let mut ledger = SlidingWindows::default();
        assert_eq!(ledger.reserve(&keys(&["k"]), &[Window::per_minute(0)], 5), vec![Grant::DeferUntil(60_005)]);
    }

    #[test]
    fn keys_are_independent_and_recorded_history_counts() {
        let mut ledger = SlidingWindows::default();
        ledger.record("bob", 100);
        let grants = ledger.reserve(&keys(&["bob", "carol"]), &[Window::per_minute(1)], 200);
        assert_eq!(grants, vec![Grant::DeferUntil(60_100), Grant::Granted]);
        ledger.prune_all(60_100, 60_000);
        assert_eq!(ledger.len(), 1, "bob's unit left the window; carol's is still inside");
    }

    proptest! {
        /// Whatever the arrival pattern, no window ever holds more than its limit, and a
        /// deferred key is granted at the instant it was told (if nothing else was granted).
        #[test]
        fn never_exceeds_and_defer_time_is_exact(
            steps in proptest::collection::vec((0i64..5_000, 0usize..3), 1..200),
            limit in 1u32..6,
            len_ms in 1i64..20_000,
        ) {
            let windows = [Window { len_ms, limit }, Window { len_ms: len_ms * 3, limit: limit * 2 }];
            let names = ["a", "b", "c"];
            let mut ledger = SlidingWindows::default();
            let mut now = 0i64;
            let mut granted: Vec<(usize, i64)> = Vec::new();
            for (dt, who) in steps {
                now += dt;
                let key = vec![names[who].to_owned()];
                match ledger.reserve(&key, &windows, now)[0] {
                    Grant::Granted => granted.push((who, now)),
                    Grant::DeferUntil(at) => {
                        prop_assert!(at > now);
                        let mut probe = ledger.clone();
                        prop_assert_eq!(probe.reserve(&key, &windows, at)[0], Grant::Granted);
                        prop_assert!(!ledger.clone().reserve(&key, &windows, at - 1)[0].is_granted());
                    }
                }
            }
            for w in windows {
                for &(who, t) in &granted {
                    let inside = granted.iter().filter(|&&(k, e)| k == who && e > t - w.len_ms && e <= t).count();
                    prop_assert!(inside <= w.limit as usize);
                }
            }
        }
    }
}
