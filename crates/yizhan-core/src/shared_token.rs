//! The seam for a token cache shared by several gateway instances (Redis, PostgreSQL).
//!
//! [`SharedTokens`] is the storage contract; [`TokenCache::with_shared`](crate::token::TokenCache::with_shared)
//! plugs one in. With a shared store, a local cache that needs a token:
//!
//! 1. reads the shared token and uses it while it is fresh (before the `refresh_at_ms` chosen by
//!    the instance that fetched it);
//! 2. otherwise takes the lease (`SET NX PX` in Redis): the winner calls the provider once and
//!    puts the result, which also releases its lease; the others poll the shared token every
//!    [`POLL_INTERVAL`] until it appears (or the lease lapses and one of them takes it);
//! 3. invalidation after a token error deletes the shared token only when it is still the
//!    failed one (compare-and-delete on a hash of the value, done by the store). The instance
//!    also remembers the failed token and its expiry: the failed token itself, and a shared
//!    token that expires earlier (it was fetched earlier), are deleted (compare-and-delete
//!    again) instead of used. That heals a store that missed an invalidation while it was
//!    unreachable, and keeps a caller of the same instance from taking the failed token back
//!    from the store while the delete is still on its way. The instance records the failure
//!    before it drops its local copy, so whoever finds the local cache empty also sees it.
//!
//! When the store fails, the cache fetches locally (as without a store), logs a warning once,
//! and uses the store again as soon as it answers. Implementations never log token values.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::Clock;

/// How long a lease holder may take to fetch before another instance may take over.
pub const LEASE_TTL: Duration = Duration::from_secs(30);
/// How often a waiting instance re-reads the shared token.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// What a [`SharedTokens`] call returns.
pub type SharedFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SharedError>> + Send + 'a>>;

/// The shared store could not answer. The message names the operation and the cause, never a
/// token value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("shared token store: {0}")]
pub struct SharedError(pub String);

/// A token as stored for the whole cluster.
#[derive(Clone)]
pub struct SharedToken {
    /// The bearer token. Never log it.
    pub value: SecretString,
    /// When the provider stops accepting it (epoch ms).
    pub expires_at_ms: i64,
    /// From when on instances should refresh it (epoch ms, before `expires_at_ms`).
    pub refresh_at_ms: i64,
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedToken")
            .field("value", &"[redacted]")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .finish()
    }
}

/// Storage for tokens shared by several instances. `scope` names one application (e.g.
/// `wecom:{base_url}#{corp_id}#{agent_id}`); implementations hash it into their key names.
pub trait SharedTokens: Send + Sync {
    /// The stored token of `scope`, if any.
    fn get<'a>(&'a self, scope: &'a str) -> SharedFuture<'a, Option<SharedToken>>;
    /// Takes the fetch lease of `scope` for `owner` unless another owner holds it. True when taken.
    fn lease<'a>(&'a self, scope: &'a str, owner: &'a str, ttl: Duration) -> SharedFuture<'a, bool>;
    /// Stores `token` (until it expires) and releases `owner`'s lease.
    fn put<'a>(&'a self, scope: &'a str, owner: &'a str, token: &'a SharedToken, ttl: Duration)
    -> SharedFuture<'a, ()>;
    /// Releases `owner`'s lease without storing anything (the fetch failed).
    fn release<'a>(&'a self, scope: &'a str, owner: &'a str) -> SharedFuture<'a, ()>;
    /// Deletes the stored token only if its value is `failed`. True when it deleted.
    fn invalidate<'a>(&'a self, scope: &'a str, failed: &'a str) -> SharedFuture<'a, bool>;
    /// A short name for logs ("redis", "postgres").
    fn backend(&self) -> &'static str;
}

/// A shared store bound to one application's scope, with the degraded-mode bookkeeping.
pub(crate) struct SharedSlot {
    store: Arc<dyn SharedTokens>,
    scope: String,
    owner: String,
    degraded: AtomicBool,
    /// The rejected token with the latest expiry this instance saw.
    rejected: Mutex<Rejected>,
}

/// The rejected token with the latest expiry: that token and any expiring earlier are stale.
struct Rejected {
    floor_ms: i64,
    value: Option<SecretString>,
}

impl Rejected {
    /// Whether `token` is the rejected one or was fetched before it.
    fn covers(&self, token: &SharedToken) -> bool {
        token.expires_at_ms < self.floor_ms
            || (token.expires_at_ms == self.floor_ms
                && self.value.as_ref().is_some_and(|v| v.expose_secret() == token.value.expose_secret()))
    }
}

impl SharedSlot {
    pub(crate) fn new(store: Arc<dyn SharedTokens>, scope: String) -> Self {
        let owner = uuid::Uuid::new_v4().to_string();
        let rejected = Mutex::new(Rejected { floor_ms: i64::MIN, value: None });
        SharedSlot { store, scope, owner, degraded: AtomicBool::new(false), rejected }
    }

    /// A token from the store, or from `fetch` under the store's lease, or (store failing)
    /// from `fetch` directly. `refresh_at` turns a fetched expiry into its refresh instant.
    pub(crate) async fn fetch<F, Fut, E>(
        &self,
        clock: &Clock,
        refresh_at: impl Fn(i64) -> i64,
        fetch: F,
    ) -> Result<(SecretString, i64), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, i64), E>>,
    {
        let give_up = tokio::time::Instant::now() + LEASE_TTL * 2;
        loop {
            match self.store.get(&self.scope).await {
                Ok(Some(t)) if self.is_rejected(&t) => {
                    // A token the provider already rejected, or older than one: rejected too.
                    if let Err(e) = self.store.invalidate(&self.scope, t.value.expose_secret()).await {
                        return self.degrade(e, fetch).await;
                    }
                }
                Ok(Some(t)) if clock.now_ms() < t.refresh_at_ms => {
                    self.recovered();
                    return Ok((t.value, t.expires_at_ms));
                }
                Ok(_) => {}
                Err(e) => return self.degrade(e, fetch).await,
            }
            match self.store.lease(&self.scope, &self.owner, LEASE_TTL).await {
                Ok(true) => {
                    self.recovered();
                    // The previous holder may have stored a token between our read and our lease.
                    if let Ok(Some(t)) = self.store.get(&self.scope).await
                        && self.usable(clock, &t)
                    {
                        if let Err(e) = self.store.release(&self.scope, &self.owner).await {
                            self.warn_once(&e);
                        }
                        return Ok((t.value, t.expires_at_ms));
                    }
                    return self.fetch_under_lease(clock, refresh_at, fetch).await;
                }
                Ok(false) if tokio::time::Instant::now() < give_up => tokio::time::sleep(POLL_INTERVAL).await,
                Ok(false) => {
                    tracing::warn!(
                        backend = self.store.backend(),
                        "shared token lease never released; fetching locally"
                    );
                    return fetch().await;
                }
                Err(e) => return self.degrade(e, fetch).await,
            }
        }
    }

    /// Fresh, and neither a token this instance saw rejected nor older than one.
    fn usable(&self, clock: &Clock, token: &SharedToken) -> bool {
        clock.now_ms() < token.refresh_at_ms && !self.is_rejected(token)
    }

    fn is_rejected(&self, token: &SharedToken) -> bool {
        self.rejected.lock().unwrap_or_else(|e| e.into_inner()).covers(token)
    }

    async fn fetch_under_lease<F, Fut, E>(
        &self,
        clock: &Clock,
        refresh_at: impl Fn(i64) -> i64,
        fetch: F,
    ) -> Result<(SecretString, i64), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, i64), E>>,
    {
        let result = fetch().await;
        let stored = match &result {
            Ok((value, expires_at_ms)) => {
                let token = SharedToken {
                    value: value.clone(),
                    expires_at_ms: *expires_at_ms,
                    refresh_at_ms: refresh_at(*expires_at_ms),
                };
                let ttl_ms = u64::try_from(expires_at_ms.saturating_sub(clock.now_ms())).unwrap_or(0).max(1);
                self.store.put(&self.scope, &self.owner, &token, Duration::from_millis(ttl_ms)).await
            }
            Err(_) => self.store.release(&self.scope, &self.owner).await,
        };
        if let Err(e) = stored {
            self.warn_once(&e);
        }
        result
    }

    /// From now on treats `failed`, and shared tokens expiring before `failed_expires_at_ms`,
    /// as rejected. Call it before dropping the local copy of `failed`.
    pub(crate) fn reject(&self, failed: &SecretString, failed_expires_at_ms: i64) {
        let mut rejected = self.rejected.lock().unwrap_or_else(|e| e.into_inner());
        if failed_expires_at_ms >= rejected.floor_ms {
            *rejected = Rejected { floor_ms: failed_expires_at_ms, value: Some(failed.clone()) };
        }
    }

    /// Deletes the shared token if it is still `failed` (after [`reject`](Self::reject)).
    pub(crate) async fn invalidate(&self, failed: &str) {
        match self.store.invalidate(&self.scope, failed).await {
            Ok(_) => self.recovered(),
            Err(e) => self.warn_once(&e),
        }
    }

    async fn degrade<F, Fut, E>(&self, error: SharedError, fetch: F) -> Result<(SecretString, i64), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, i64), E>>,
    {
        self.warn_once(&error);
        fetch().await
    }

    fn warn_once(&self, error: &SharedError) {
        if !self.degraded.swap(true, Ordering::SeqCst) {
            tracing::warn!(backend = self.store.backend(), %error, "shared token store unavailable; using the local cache");
        }
    }

    fn recovered(&self) {
        if self.degraded.swap(false, Ordering::SeqCst) {
            tracing::info!(backend = self.store.backend(), "shared token store reachable again");
        }
    }
}
