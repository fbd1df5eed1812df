//! The shared-token protocol of `TokenCache::with_shared` against an in-memory store: one fetch
//! for several caches, compare-and-delete invalidation, local fallback while the store fails,
//! healing of a token the store kept while it missed an invalidation, and a failed token
//! that stays unused while its delete is still on its way to the store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;
use yizhan_core::Clock;
use yizhan_core::shared_token::{SharedError, SharedFuture, SharedToken, SharedTokens};
use yizhan_core::token::TokenCache;

#[derive(Default)]
struct MemoryStore {
    tokens: Mutex<HashMap<String, SharedToken>>,
    leases: Mutex<HashMap<String, String>>,
    down: AtomicBool,
    /// When set, the next `invalidate` announces itself on `.0` and waits for `.1` before it
    /// touches the tokens.
    pause_invalidate: Mutex<Option<Arc<(Notify, Notify)>>>,
}

impl MemoryStore {
    fn check(&self) -> Result<(), SharedError> {
        if self.down.load(Ordering::SeqCst) { Err(SharedError("connection refused".to_owned())) } else { Ok(()) }
    }

    fn value(&self, scope: &str) -> Option<String> {
        self.tokens.lock().expect("lock").get(scope).map(|t| t.value.expose_secret().to_owned())
    }

    fn drop_lease(&self, scope: &str, owner: &str) {
        let mut leases = self.leases.lock().expect("lock");
        if leases.get(scope).is_some_and(|o| o == owner) {
            leases.remove(scope);
        }
    }
}

impl SharedTokens for MemoryStore {
    fn get<'a>(&'a self, scope: &'a str) -> SharedFuture<'a, Option<SharedToken>> {
        Box::pin(async move {
            self.check()?;
            Ok(self.tokens.lock().expect("lock").get(scope).cloned())
        })
    }

    fn lease<'a>(&'a self, scope: &'a str, owner: &'a str, _ttl: Duration) -> SharedFuture<'a, bool> {
        Box::pin(async move {
            self.check()?;
            let mut leases = self.leases.lock().expect("lock");
            if leases.contains_key(scope) {
                return Ok(false);
            }
            leases.insert(scope.to_owned(), owner.to_owned());
            Ok(true)
        })
    }

    fn put<'a>(&'a self, scope: &'a str, owner: &'a str, token: &'a SharedToken, _: Duration) -> SharedFuture<'a, ()> {
        Box::pin(async move {
            self.check()?;
            self.tokens.lock().expect("lock").insert(scope.to_owned(), token.clone());
            self.drop_lease(scope, owner);
            Ok(())
        })
    }

    fn release<'a>(&'a self, scope: &'a str, owner: &'a str) -> SharedFuture<'a, ()> {
        Box::pin(async move {
            self.check()?;
            self.drop_lease(scope, owner);
            Ok(())
        })
    }

    fn invalidate<'a>(&'a self, scope: &'a str, failed: &'a str) -> SharedFuture<'a, bool> {
        Box::pin(async move {
            self.check()?;
            let pause = self.pause_invalidate.lock().expect("lock").take();
            if let Some(pause) = pause {
                pause.0.notify_one();
                pause.1.notified().await;
            }
            let mut tokens = self.tokens.lock().expect("lock");
            if tokens.get(scope).is_some_and(|t| t.value.expose_secret() == failed) {
                tokens.remove(scope);
                return Ok(true);
            }
            Ok(false)
        })
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}

/// A provider that hands out `t1`, `t2`, … valid for two hours from the clock's now.
struct Provider {
    calls: AtomicUsize,
    clock: Clock,
}

impl Provider {
    async fn fetch(&self) -> Result<(SecretString, i64), &'static str> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok((SecretString::from(format!("t{n}")), self.clock.now_ms() + 7_200_000))
    }
}

fn cluster(store: &Arc<MemoryStore>, clock: &Clock, n: usize) -> Vec<Arc<TokenCache>> {
    (0..n)
        .map(|_| {
            Arc::new(
                TokenCache::new(Duration::from_secs(300), clock.clone())
                    .with_shared(store.clone() as Arc<dyn SharedTokens>, "wecom:app"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caches_sharing_a_store_fetch_once_and_refresh_once() {
    let (clock, control) = Clock::manual(1_700_000_000_000);
    let store = Arc::new(MemoryStore::default());
    let provider = Arc::new(Provider { calls: AtomicUsize::new(0), clock: clock.clone() });
    let caches = cluster(&store, &clock, 3);
    let mut tasks = Vec::new();
    for cache in caches.iter().cycle().take(30) {
        let (cache, provider) = (cache.clone(), provider.clone());
        tasks.push(tokio::spawn(async move { cache.get(|| provider.fetch()).await.unwrap().expose().to_owned() }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), "t1");
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
    // Past the refresh instant (two hours minus the 5 min margin): one refresh for all.
    control.advance(Duration::from_secs(7_200 - 299));
    for cache in &caches {
        assert_eq!(cache.get(|| provider.fetch()).await.unwrap().expose(), "t2");
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn invalidation_deletes_only_the_failed_token() {
    let clock = Clock::System;
    let store = Arc::new(MemoryStore::default());
    let provider = Provider { calls: AtomicUsize::new(0), clock: clock.clone() };
    let caches = cluster(&store, &clock, 2);
    let t1 = caches[0].get(|| provider.fetch()).await.unwrap();
    let seen_by_b = caches[1].get(|| provider.fetch()).await.unwrap();
    caches[0].invalidate_everywhere(&t1).await;
    assert_eq!(store.value("wecom:app"), None, "the failed token left the store");
    let t2 = caches[0].get(|| provider.fetch()).await.unwrap();
    assert_eq!(t2.expose(), "t2");
    // B's failure on the same old token must not delete A's new one.
    caches[1].invalidate_everywhere(&seen_by_b).await;
    assert_eq!(store.value("wecom:app").as_deref(), Some("t2"));
    assert_eq!(caches[1].get(|| provider.fetch()).await.unwrap().expose(), "t2");
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_store_falls_back_to_local_fetches_and_heals_afterwards() {
    let clock = Clock::System;
    let store = Arc::new(MemoryStore::default());
    let provider = Provider { calls: AtomicUsize::new(0), clock: clock.clone() };
    let caches = cluster(&store, &clock, 2);
    let t1 = caches[0].get(|| provider.fetch()).await.unwrap();
    caches[1].get(|| provider.fetch()).await.unwrap();

    store.down.store(true, Ordering::SeqCst);
    caches[0].invalidate_everywhere(&t1).await;
    let local = caches[0].get(|| provider.fetch()).await.unwrap();
    assert_eq!(local.expose(), "t2", "fetched locally while the store is down");
    assert_eq!(store.value("wecom:app").as_deref(), Some("t1"), "the store missed the invalidation");

    store.down.store(false, Ordering::SeqCst);
    // The local token fails too: the store's t1 is older than it, so it is rejected as well.
    caches[0].invalidate_everywhere(&local).await;
    let fresh = caches[0].get(|| provider.fetch()).await.unwrap();
    assert_eq!(fresh.expose(), "t3", "the stale shared token was not reused");
    assert_eq!(store.value("wecom:app").as_deref(), Some("t3"));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_token_is_not_taken_back_while_its_delete_is_on_its_way() {
    let clock = Clock::System;
    let store = Arc::new(MemoryStore::default());
    let provider = Arc::new(Provider { calls: AtomicUsize::new(0), clock: clock.clone() });
    let cache = cluster(&store, &clock, 1).remove(0);
    let t1 = cache.get(|| provider.fetch()).await.unwrap();
    let pause = Arc::new((Notify::new(), Notify::new()));
    *store.pause_invalidate.lock().expect("lock") = Some(pause.clone());

    // One caller saw t1 rejected: its local copy is gone, the store's delete is held back.
    let failing = {
        let (cache, t1) = (cache.clone(), t1.clone());
        tokio::spawn(async move { cache.invalidate_everywhere(&t1).await })
    };
    pause.0.notified().await;
    assert_eq!(store.value("wecom:app").as_deref(), Some("t1"), "the delete has not reached the store");

    // Another caller of the same instance finds the local cache empty and t1 in the store.
    let next = cache.get(|| provider.fetch()).await.unwrap();
    assert_eq!(next.expose(), "t2", "the failed token was taken back from the store");
    pause.1.notify_one();
    assert!(failing.await.unwrap(), "the failing caller dropped t1 from the local cache");

    // The retry of the failed call gets the new token; one fetch replaced t1.
    assert_eq!(cache.get(|| provider.fetch()).await.unwrap().expose(), "t2");
    assert_eq!(store.value("wecom:app").as_deref(), Some("t2"));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn shared_token_debug_is_redacted() {
    let token = SharedToken { value: SecretString::from("supersecret".to_owned()), expires_at_ms: 1, refresh_at_ms: 0 };
    assert!(!format!("{token:?}").contains("supersecret"));
}
