//! [`FallbackWindows`]: shared quotas, and conservative local ones while the store is away.
//!
//! While the shared store (Redis or PostgreSQL) answers, every reserve goes there. When it
//! fails, the instance logs a warning once and reserves in a local [`SlidingWindows`] whose
//! limits are divided by the number of instances expected in the cluster (default
//! [`DEFAULT_EXPECTED_INSTANCES`]), so that all instances together stay under the provider's
//! limit if each falls back. It probes the store again every `retry_after_ms` (on the
//! caller's clock) and goes back to it, logging the recovery, as soon as it answers. Units
//! granted locally are not copied to the store.

use std::sync::Mutex;

use yizhan_core::window::{Grant, SlidingWindows, Window};

use crate::{Error, PgWindows, RedisWindows};

/// Instances assumed when dividing limits during a fallback.
pub const DEFAULT_EXPECTED_INSTANCES: u32 = 3;
/// Default pause between probes of an unreachable store.
pub const DEFAULT_RETRY_AFTER_MS: i64 = 1_000;

/// A shared window store (the closed set of backends).
#[derive(Debug, Clone)]
pub enum SharedWindows {
    /// Sorted sets and a Lua script.
    Redis(RedisWindows),
    /// Rows and advisory locks.
    Postgres(PgWindows),
}

impl SharedWindows {
    /// See [`RedisWindows::reserve`] and [`PgWindows::reserve`].
    pub async fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Result<Vec<Grant>, Error> {
        match self {
            SharedWindows::Redis(w) => w.reserve(keys, windows, now_ms).await,
            SharedWindows::Postgres(w) => w.reserve(keys, windows, now_ms).await,
        }
    }

    /// Units of `key` inside `window` at `now_ms`.
    pub async fn usage(&self, key: &str, window: Window, now_ms: i64) -> Result<u32, Error> {
        match self {
            SharedWindows::Redis(w) => w.usage(key, window, now_ms).await,
            SharedWindows::Postgres(w) => w.usage(key, window, now_ms).await,
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            SharedWindows::Redis(_) => "redis",
            SharedWindows::Postgres(_) => "postgres",
        }
    }
}

#[derive(Debug, Default)]
struct Health {
    degraded: bool,
    retry_at_ms: i64,
}

/// Shared windows with a conservative local fallback; see the module docs.
#[derive(Debug)]
pub struct FallbackWindows {
    shared: SharedWindows,
    expected_instances: u32,
    retry_after_ms: i64,
    local: Mutex<SlidingWindows>,
    health: Mutex<Health>,
}

impl FallbackWindows {
    /// Falls back to limits divided by [`DEFAULT_EXPECTED_INSTANCES`].
    pub fn new(shared: SharedWindows) -> Self {
        FallbackWindows {
            shared,
            expected_instances: DEFAULT_EXPECTED_INSTANCES,
            retry_after_ms: DEFAULT_RETRY_AFTER_MS,
            local: Mutex::new(SlidingWindows::default()),
            health: Mutex::new(Health::default()),
        }
    }

    /// Instances assumed when dividing limits (at least 1).
    #[must_use]
    pub fn expected_instances(mut self, n: u32) -> Self {
        self.expected_instances = n.max(1);
        self
    }

    /// Pause between probes of an unreachable store, in the callers' milliseconds.
    #[must_use]
    pub fn retry_after_ms(mut self, ms: i64) -> Self {
        self.retry_after_ms = ms.max(0);
        self
    }

    /// Whether the last reserve fell back to local quotas.
    pub fn is_degraded(&self) -> bool {
        self.health.lock().unwrap_or_else(|e| e.into_inner()).degraded
    }

    /// Takes one unit per key under every window: in the shared store when it answers,
    /// otherwise locally under the divided limits. Never fails.
    pub async fn reserve(&self, keys: &[String], windows: &[Window], now_ms: i64) -> Vec<Grant> {
        let probe = {
            let health = self.health.lock().unwrap_or_else(|e| e.into_inner());
            !health.degraded || now_ms >= health.retry_at_ms
        };
        if probe {
            match self.shared.reserve(keys, windows, now_ms).await {
                Ok(grants) => {
                    let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
                    if health.degraded {
                        health.degraded = false;
                        tracing::info!(backend = self.shared.backend(), "shared quota store reachable again");
                    }
                    return grants;
                }
                Err(error) => {
                    let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
                    if !health.degraded {
                        tracing::warn!(
                            backend = self.shared.backend(),
                            %error,
                            expected_instances = self.expected_instances,
                            "shared quota store unavailable; using local quotas divided by the expected instances"
                        );
                    }
                    health.degraded = true;
                    health.retry_at_ms = now_ms.saturating_add(self.retry_after_ms);
                }
            }
        }
        let local_windows = local_share(windows, self.expected_instances);
        self.local.lock().unwrap_or_else(|e| e.into_inner()).reserve(keys, &local_windows, now_ms)
    }

    /// Units of `key` inside `window` at `now_ms`: the shared count, or the local one while the
    /// store is unreachable.
    pub async fn usage(&self, key: &str, window: Window, now_ms: i64) -> u32 {
        if !self.is_degraded()
            && let Ok(used) = self.shared.usage(key, window, now_ms).await
        {
            return used;
        }
        self.local.lock().unwrap_or_else(|e| e.into_inner()).usage(key, window, now_ms)
    }
}

/// Each window's limit divided by `instances`, never below 1 unless it was 0 (a window that
/// allows nothing must not start allowing; one that allows something must not stall).
pub(crate) fn local_share(windows: &[Window], instances: u32) -> Vec<Window> {
    windows
        .iter()
        .map(|w| Window { len_ms: w.len_ms, limit: if w.limit == 0 { 0 } else { (w.limit / instances.max(1)).max(1) } })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_share_divides_and_keeps_zero() {
        let shares = local_share(&[Window::per_minute(30), Window::per_hour(1000), Window::per_minute(2)], 3);
        assert_eq!(shares.iter().map(|w| w.limit).collect::<Vec<_>>(), vec![10, 333, 1]);
        assert_eq!(local_share(&[Window::per_minute(0)], 3)[0].limit, 0);
        assert_eq!(local_share(&[Window::per_minute(7)], 0)[0].limit, 7);
    }
}
