//! Access-token cache shared by the provider clients: refresh ahead of expiry, single-flight,
//! and invalidation that only drops the token that actually failed.
//!
//! WeCom (`gettoken`) and Getui (`/auth`) both hand out bearer tokens with a lifetime; both need
//! the same discipline, so it lives here once.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::Clock;
use crate::shared_token::{SharedSlot, SharedTokens};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// An access token and the generation that identifies it inside its cache.
#[derive(Clone)]
pub struct AccessToken {
    value: SecretString,
    generation: u64,
    expires_at_ms: i64,
}

impl AccessToken {
    /// The token value. Never log it.
    pub fn expose(&self) -> &str {
        self.value.expose_secret()
    }

    /// Which fetch of its cache produced this token (1 for the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When the provider announced it expires (epoch ms, on the cache's clock).
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken").field("value", &"[redacted]").field("generation", &self.generation).finish()
    }
}

struct Cached {
    token: AccessToken,
    fetched_at_ms: i64,
    refresh_at_ms: i64,
    expires_at_ms: i64,
}

/// One application's token, shared by every clone of its client.
pub struct TokenCache {
    slot: Mutex<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
    generations: AtomicU64,
    margin: Duration,
    clock: Clock,
    shared: Option<SharedSlot>,
}

impl TokenCache {
    /// A cache that refreshes `margin` before expiry, reading time from `clock`.
    pub fn new(margin: Duration, clock: Clock) -> Self {
        TokenCache {
            slot: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generations: AtomicU64::new(0),
            margin,
            clock,
            shared: None,
        }
    }

    /// Shares the token with other instances through `store` under `scope` (one application,
    /// e.g. `wecom:{base_url}#{corp_id}#{agent_id}`); see [`crate::shared_token`].
    pub fn with_shared(mut self, store: Arc<dyn SharedTokens>, scope: impl Into<String>) -> Self {
        self.shared = Some(SharedSlot::new(store, scope.into()));
        self
    }

    /// The cached token if it is not yet due for refresh.
    pub fn fresh(&self) -> Option<AccessToken> {
        let now = self.clock.now_ms();
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().filter(|c| now < c.refresh_at_ms).map(|c| c.token.clone())
    }

    /// The cached token if it has not expired (possibly due for refresh).
    fn unexpired(&self) -> Option<AccessToken> {
        let now = self.clock.now_ms();
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().filter(|c| now < c.expires_at_ms).map(|c| c.token.clone())
    }

    /// Returns a fresh token, calling `fetch` at most once across all concurrent callers.
    ///
    /// `fetch` returns the token value and its absolute expiry in epoch milliseconds. If a
    /// refresh ahead of expiry fails, the old token is returned while it is still valid.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<AccessToken, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, i64), E>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let fetched = match &self.shared {
            None => fetch().await,
            Some(shared) => shared.fetch(&self.clock, |expires_at_ms| self.schedule(expires_at_ms).0, fetch).await,
        };
        match fetched {
            Ok((value, expires_at_ms)) => Ok(self.store(value, expires_at_ms)),
            Err(e) => self.unexpired().ok_or(e),
        }
    }

    /// How long ago (ms, by the cache's clock) the cached token was fetched; `None` when no
    /// token is cached. For health views; says nothing about whether the token still works.
    pub fn age_ms(&self) -> Option<i64> {
        let now = self.clock.now_ms();
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map(|c| now.saturating_sub(c.fetched_at_ms).max(0))
    }

    /// The cache's clock, for callers that turn a lifetime into an absolute expiry.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// `(refresh_at_ms, expires_at_ms)` for a token announced to expire at `expires_at_ms`.
    fn schedule(&self, expires_at_ms: i64) -> (i64, i64) {
        let now = self.clock.now_ms();
        let lifetime_ms = expires_at_ms.saturating_sub(now).max(1000);
        let margin_ms = i64::try_from(self.margin.as_millis()).unwrap_or(i64::MAX);
        // A lifetime shorter than twice the margin would refresh on every call: use half of it.
        let early_ms = if lifetime_ms > margin_ms.saturating_mul(2) { margin_ms } else { lifetime_ms / 2 };
        (now + lifetime_ms - early_ms, now + lifetime_ms)
    }

    fn store(&self, value: SecretString, expires_at_ms: i64) -> AccessToken {
        let (refresh_at_ms, expires_at_ms) = self.schedule(expires_at_ms);
        let generation = self.generations.fetch_add(1, Ordering::SeqCst) + 1;
        let token = AccessToken { value, generation, expires_at_ms };
        let cached = Cached { token: token.clone(), fetched_at_ms: self.clock.now_ms(), refresh_at_ms, expires_at_ms };
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(cached);
        token
    }

    /// Drops the cached token only if it is the one that failed; a token another caller already
    /// refreshed stays. Returns true when it dropped something.
    pub fn invalidate(&self, failed: &AccessToken) -> bool {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|c| c.token.generation == failed.generation) {
            *slot = None;
            return true;
        }
        false
    }

    /// [`invalidate`](Self::invalidate), then deletes the shared token (if a store is plugged
    /// in) when it is still the failed one. Returns whether the local cache dropped something.
    pub async fn invalidate_everywhere(&self, failed: &AccessToken) -> bool {
        // Rejected first: a caller that finds the local cache empty must not take the failed
        // token back from the store while the delete below is still on its way.
        if let Some(shared) = &self.shared {
            shared.reject(&failed.value, failed.expires_at_ms);
        }
        let dropped = self.invalidate(failed);
        if let Some(shared) = &self.shared {
            shared.invalidate(failed.expose()).await;
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn refreshes_ahead_of_expiry() {
        let (clock, control) = Clock::manual(0);
        let cache = TokenCache::new(DEFAULT_REFRESH_MARGIN, clock);
        let t1 = cache.get(|| async { Ok::<_, ()>((secret("a"), 7_200_000)) }).await.unwrap();
        control.advance(Duration::from_secs(7200 - 301));
        let t = cache.get(|| async { Ok::<_, ()>((secret("b"), 14_400_000)) }).await.unwrap();
        assert_eq!(t.expose(), "a");
        control.advance(Duration::from_secs(2));
        let t2 = cache.get(|| async { Ok::<_, ()>((secret("b"), 14_400_000)) }).await.unwrap();
        assert_eq!((t1.generation(), t2.generation(), t2.expose()), (1, 2, "b"));
    }

    #[tokio::test]
    async fn age_counts_from_the_fetch_of_the_current_token() {
        let (clock, control) = Clock::manual(1_000);
        let cache = TokenCache::new(DEFAULT_REFRESH_MARGIN, clock);
        assert_eq!(cache.age_ms(), None, "nothing fetched yet");
        let t1 = cache.get(|| async { Ok::<_, ()>((secret("a"), 7_201_000)) }).await.unwrap();
        control.advance(Duration::from_secs(90));
        assert_eq!(cache.age_ms(), Some(90_000));
        cache.invalidate(&t1);
        assert_eq!(cache.age_ms(), None);
        cache.get(|| async { Ok::<_, ()>((secret("b"), 7_300_000)) }).await.unwrap();
        control.advance(Duration::from_secs(5));
        assert_eq!(cache.age_ms(), Some(5_000), "a new token starts again");
    }

    #[tokio::test]
    async fn failed_refresh_keeps_the_still_valid_token() {
        let (clock, control) = Clock::manual(0);
        let cache = TokenCache::new(DEFAULT_REFRESH_MARGIN, clock);
        cache.get(|| async { Ok::<_, &str>((secret("a"), 7_200_000)) }).await.unwrap();
        control.advance(Duration::from_secs(7000));
        let t = cache.get(|| async { Err("busy") }).await.unwrap();
        assert_eq!(t.expose(), "a");
        control.advance(Duration::from_secs(300));
        assert_eq!(cache.get(|| async { Err("busy") }).await.unwrap_err(), "busy");
    }

    #[tokio::test]
    async fn invalidate_only_drops_the_failed_generation() {
        let cache = TokenCache::new(DEFAULT_REFRESH_MARGIN, Clock::System);
        let t1 = cache.get(|| async { Ok::<_, ()>((secret("a"), i64::MAX / 2)) }).await.unwrap();
        assert!(cache.invalidate(&t1));
        let t2 = cache.get(|| async { Ok::<_, ()>((secret("b"), i64::MAX / 2)) }).await.unwrap();
        assert!(!cache.invalidate(&t1), "a stale failure must not drop the new token");
        assert_eq!(cache.fresh().unwrap().generation(), t2.generation());
    }

    #[tokio::test]
    async fn concurrent_cold_callers_fetch_once() {
        let cache = Arc::new(TokenCache::new(DEFAULT_REFRESH_MARGIN, Clock::System));
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>((secret("a"), i64::MAX / 2))
                    })
                    .await
                    .unwrap()
                    .generation()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken { value: secret("supersecret"), generation: 3, expires_at_ms: 0 };
        assert!(!format!("{t:?}").contains("supersecret"));
    }
}
