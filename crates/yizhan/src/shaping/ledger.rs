//! The quota ledger: sliding-window counters shared by every send of this process.
//!
//! [`QuotaLedger`] is an enum over backends. Today there is [`QuotaLedger::Local`], the
//! in-process [`SlidingWindows`] behind a mutex; shared backends (Redis, PostgreSQL) become
//! further variants with the same two methods, [`QuotaLedger::reserve`] and
//! [`QuotaLedger::usage`], and the same arithmetic (`yizhan_core::window`): one unit per key
//! under every window, granted or `DeferUntil(t)`, never refunded.
//!
//! The local ledger forgets nothing a window still needs: every key is pruned to its own
//! windows when it is reserved, and all keys to the longest configured window once a minute.
//! After a restart it is rebuilt from the outbox ([`QuotaLedger::record`], see
//! `super::Shaping::rebuild`).

use std::sync::{Mutex, MutexGuard, PoisonError};

use yizhan_core::window::{Grant, SlidingWindows, Window};

/// How often the local ledger drops history older than its longest window.
const PRUNE_EVERY_MS: i64 = 60_000;

/// Sliding-window counters, whatever the backend.
#[derive(Debug)]
#[non_exhaustive]
pub enum QuotaLedger {
    /// In this process only: correct for one gateway instance.
    Local(LocalLedger),
    /// Shared by every instance through Redis or PostgreSQL (`yizhan_shared`), falling back to
    /// conservative local quotas (limits divided by the expected instances) while the store is
    /// unreachable.
    Shared(yizhan_shared::FallbackWindows),
}

impl QuotaLedger {
    /// An in-process ledger that keeps history for `retain_ms` (the longest window in use).
    pub fn local(retain_ms: i64) -> QuotaLedger {
        QuotaLedger::Local(LocalLedger::new(retain_ms))
    }

    /// Takes one unit per key (in order) under every window at `now_ms`; see `yizhan_core::window`.
    pub async fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Vec<Grant> {
        match self {
            QuotaLedger::Local(local) => local.reserve(keys, windows, now_ms),
            QuotaLedger::Shared(shared) => shared.reserve(keys, windows, now_ms).await,
        }
    }

    /// Units of `key` inside `window` at `now_ms`.
    pub async fn usage(&self, key: &str, window: Window, now_ms: i64) -> u32 {
        match self {
            QuotaLedger::Local(local) => local.windows().usage(key, window, now_ms),
            QuotaLedger::Shared(shared) => shared.usage(key, window, now_ms).await,
        }
    }

    /// Records units granted earlier (rebuilding after a restart). Shared backends keep their
    /// own history and ignore this.
    pub fn record(&self, units: impl IntoIterator<Item = (String, i64)>) {
        match self {
            QuotaLedger::Local(local) => {
                let mut windows = local.windows();
                for (key, at_ms) in units {
                    windows.record(&key, at_ms);
                }
            }
            QuotaLedger::Shared(_) => {}
        }
    }
}

/// [`SlidingWindows`] behind a mutex, pruned once a minute.
#[derive(Debug)]
pub struct LocalLedger {
    state: Mutex<(SlidingWindows, i64)>,
    retain_ms: i64,
}

impl LocalLedger {
    /// An empty ledger keeping history for `retain_ms`.
    pub fn new(retain_ms: i64) -> LocalLedger {
        LocalLedger { state: Mutex::new((SlidingWindows::default(), i64::MIN)), retain_ms: retain_ms.max(1) }
    }

    fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Vec<Grant> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (ledger, last_prune) = &mut *state;
        if now_ms.saturating_sub(*last_prune) >= PRUNE_EVERY_MS {
            ledger.prune_all(now_ms, self.retain_ms);
            *last_prune = now_ms;
        }
        ledger.reserve(keys, windows, now_ms)
    }

    fn windows(&self) -> LedgerGuard<'_> {
        LedgerGuard(self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

struct LedgerGuard<'a>(MutexGuard<'a, (SlidingWindows, i64)>);

impl std::ops::Deref for LedgerGuard<'_> {
    type Target = SlidingWindows;
    fn deref(&self) -> &SlidingWindows {
        &self.0.0
    }
}

impl std::ops::DerefMut for LedgerGuard<'_> {
    fn deref_mut(&mut self) -> &mut SlidingWindows {
        &mut self.0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_ledger_reserves_records_and_prunes() {
        let ledger = QuotaLedger::local(60_000);
        let minute = [Window::per_minute(2)];
        let keys = vec!["k".to_owned(); 3];
        let grants = ledger.reserve(&keys, &minute, 1_000).await;
        assert_eq!(grants, vec![Grant::Granted, Grant::Granted, Grant::DeferUntil(61_000)]);
        ledger.record([("r".to_owned(), 5_000)]);
        assert_eq!(ledger.usage("r", minute[0], 6_000).await, 1);
        assert_eq!(
            ledger.reserve(&["r".to_owned()], &[Window::per_minute(1)], 6_000).await[0],
            Grant::DeferUntil(65_000)
        );
        // A minute later everything above has left the window and is pruned.
        assert_eq!(ledger.reserve(&["x".to_owned()], &minute, 200_000).await, vec![Grant::Granted]);
        let QuotaLedger::Local(local) = &ledger else { panic!("a local ledger") };
        assert_eq!(local.windows().len(), 1, "only x is left");
    }
}
