//! [`MediaCache`]: reuse an uploaded `media_id` while it is young, so the same picture sent to
//! many people is uploaded once.
//!
//! Entries are keyed by [`CacheKey`]: the client identity (base URL, corp id, agent id), the
//! media type and the SHA-256 of the content — plus the file name for `file` media, whose name
//! is what the recipient sees. WeCom keeps temporary media 3 days; an entry is reused until it
//! is [`DEFAULT_MEDIA_TTL`] (2.5 days) old, measured on the cache's [`Clock`] from the moment the
//! upload started, and then uploaded again.
//!
//! Lookups are single-flight per key: concurrent senders of the same content wait for one
//! upload. The cache lives in memory; clones share it.
//!
//! ```
//! # async fn demo() -> Result<(), std::convert::Infallible> {
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use yizhan_core::Clock;
//! use yizhan_wecom::media::MediaFile;
//! use yizhan_wecom::{CacheKey, MediaCache, MediaType};
//!
//! let cache = MediaCache::new(Duration::from_secs(3600), Clock::System);
//! let file = MediaFile::new("chart.png", vec![0u8; 64]);
//! let key = CacheKey::new("https://qyapi.weixin.qq.com#ww1#1000002", MediaType::Image, &file);
//! let id = cache.get_or_upload(&key, || async { Ok::<_, Infallible>("MEDIA-1".to_owned()) }).await?;
//! let again = cache.get_or_upload(&key, || async { Ok::<_, Infallible>("MEDIA-2".to_owned()) }).await?;
//! assert_eq!((id.as_str(), again.as_str()), ("MEDIA-1", "MEDIA-1"));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use yizhan_core::Clock;

use crate::api::media_upload::MediaType;
use crate::media::MediaFile;

/// Default reuse window: 2.5 days (WeCom keeps temporary media 3 days).
pub const DEFAULT_MEDIA_TTL: Duration = Duration::from_secs(60 * 60 * 60);

/// The map is pruned of stale entries when it grows past this many keys (then twice the live
/// count).
const PRUNE_ABOVE: usize = 1024;

/// What identifies one upload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The client (channel) identity; media ids are only valid for the corp they came from.
    pub identity: String,
    /// The media type uploaded as.
    pub media_type: MediaType,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
    /// The file name, for `file` media only (it is the name the recipient sees).
    pub filename: Option<String>,
}

impl CacheKey {
    /// The key for uploading `file` as `media_type` through the client `identity`.
    pub fn new(identity: impl Into<String>, media_type: MediaType, file: &MediaFile) -> CacheKey {
        CacheKey {
            identity: identity.into(),
            media_type,
            sha256: file.sha256(),
            filename: (media_type == MediaType::File).then(|| file.filename.clone()),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    media_id: String,
    uploaded_at_ms: i64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

/// An in-memory cache of uploaded media ids. Cheap to clone; clones share the entries.
#[derive(Clone)]
pub struct MediaCache {
    inner: Arc<Inner>,
}

struct Inner {
    ttl: Duration,
    clock: Clock,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    map: HashMap<CacheKey, Slot>,
    prune_above: usize,
}

impl std::fmt::Debug for MediaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaCache").field("ttl", &self.inner.ttl).field("keys", &self.slots().map.len()).finish()
    }
}

impl Default for MediaCache {
    /// [`DEFAULT_MEDIA_TTL`] on the system clock.
    fn default() -> Self {
        MediaCache::new(DEFAULT_MEDIA_TTL, Clock::System)
    }
}

impl MediaCache {
    /// A cache that reuses an upload for `ttl`, measured on `clock`.
    pub fn new(ttl: Duration, clock: Clock) -> MediaCache {
        let slots = Slots { map: HashMap::new(), prune_above: PRUNE_ABOVE };
        MediaCache { inner: Arc::new(Inner { ttl, clock, slots: Mutex::new(slots) }) }
    }

    /// How long an upload is reused.
    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.inner.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn ttl_ms(&self) -> i64 {
        i64::try_from(self.inner.ttl.as_millis()).unwrap_or(i64::MAX)
    }

    fn is_fresh(&self, entry: &Entry, now_ms: i64) -> bool {
        now_ms.saturating_sub(entry.uploaded_at_ms) < self.ttl_ms()
    }

    /// The cached media id for `key` while it is fresh; otherwise runs `upload` (once across
    /// concurrent callers of the same key) and caches its answer. Errors are not cached.
    pub async fn get_or_upload<F, Fut, E>(&self, key: &CacheKey, upload: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        let slot = self.slot(key);
        let mut entry = slot.lock().await;
        if let Some(cached) = entry.as_ref().filter(|e| self.is_fresh(e, self.inner.clock.now_ms())) {
            return Ok(cached.media_id.clone());
        }
        let uploaded_at_ms = self.inner.clock.now_ms();
        let media_id = upload().await?;
        *entry = Some(Entry { media_id: media_id.clone(), uploaded_at_ms });
        Ok(media_id)
    }

    /// The fresh cached media id for `key`, if any (never waits for an upload in progress).
    pub fn get(&self, key: &CacheKey) -> Option<String> {
        let slot = self.slots().map.get(key).cloned()?;
        let entry = slot.try_lock().ok()?;
        entry.as_ref().filter(|e| self.is_fresh(e, self.inner.clock.now_ms())).map(|e| e.media_id.clone())
    }

    /// Forgets `key` if it still maps to `media_id` (WeCom answered 40007 for it), so that the
    /// next lookup uploads again. An id another caller just replaced is left alone.
    pub async fn invalidate(&self, key: &CacheKey, media_id: &str) {
        let slot = self.slots().map.get(key).cloned();
        if let Some(slot) = slot {
            let mut entry = slot.lock().await;
            if entry.as_ref().is_some_and(|e| e.media_id == media_id) {
                *entry = None;
            }
        }
    }

    /// The number of keys held (fresh or not yet pruned).
    pub fn len(&self) -> usize {
        self.slots().map.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.slots().map.clear();
    }

    /// The slot of `key`, created when missing; prunes stale slots when the map has grown.
    fn slot(&self, key: &CacheKey) -> Slot {
        let now_ms = self.inner.clock.now_ms();
        let mut slots = self.slots();
        if let Some(slot) = slots.map.get(key) {
            return slot.clone();
        }
        if slots.map.len() >= slots.prune_above {
            // Keep slots in use (someone holds the Arc or the lock) and fresh entries.
            slots.map.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot.try_lock().map_or(true, |e| e.as_ref().is_some_and(|e| self.is_fresh(e, now_ms)))
            });
            slots.prune_above = (slots.map.len() * 2).max(PRUNE_ABOVE);
        }
        slots.map.entry(key.clone()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn key(content: &[u8], media_type: MediaType, name: &str) -> CacheKey {
        CacheKey::new("emu#ww#1", media_type, &MediaFile::new(name, content.to_vec()))
    }

    #[tokio::test]
    async fn reuses_until_the_ttl_then_uploads_again() {
        let (clock, time) = Clock::manual(0);
        let cache = MediaCache::new(DEFAULT_MEDIA_TTL, clock);
        let uploads = AtomicUsize::new(0);
        let upload = || async {
            let n = uploads.fetch_add(1, Ordering::SeqCst) + 1;
            Ok::<_, ()>(format!("m{n}"))
        };
        let k = key(b"png bytes", MediaType::Image, "a.png");
        assert_eq!(cache.get_or_upload(&k, upload).await, Ok("m1".into()));
        time.advance(DEFAULT_MEDIA_TTL - Duration::from_millis(1));
        assert_eq!(cache.get_or_upload(&k, upload).await, Ok("m1".into()));
        assert_eq!(cache.get(&k).as_deref(), Some("m1"));
        time.advance(Duration::from_millis(1));
        assert_eq!(cache.get(&k), None);
        assert_eq!(cache.get_or_upload(&k, upload).await, Ok("m2".into()));
        assert_eq!(uploads.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn keys_separate_identity_type_content_and_file_names() {
        let a = key(b"same", MediaType::Image, "a.png");
        assert_eq!(a, key(b"same", MediaType::Image, "b.png"), "image names do not matter");
        assert_ne!(a, key(b"same", MediaType::File, "a.png"));
        assert_ne!(a, key(b"other", MediaType::Image, "a.png"));
        assert_ne!(key(b"same", MediaType::File, "a.txt"), key(b"same", MediaType::File, "b.txt"));
        let mut other_client = a.clone();
        other_client.identity = "emu#ww#2".into();
        assert_ne!(a, other_client);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_invalidate_drops_only_that_id() {
        let cache = MediaCache::default();
        let k = key(b"x", MediaType::Voice, "a.amr");
        assert_eq!(cache.get_or_upload(&k, || async { Err::<String, _>("boom") }).await, Err("boom"));
        assert_eq!(cache.get_or_upload(&k, || async { Ok::<_, ()>("m1".to_owned()) }).await, Ok("m1".into()));
        cache.invalidate(&k, "other").await;
        assert_eq!(cache.get(&k).as_deref(), Some("m1"));
        cache.invalidate(&k, "m1").await;
        assert_eq!(cache.get(&k), None);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_upload() {
        let cache = MediaCache::default();
        let uploads = Arc::new(AtomicUsize::new(0));
        let k = key(b"big", MediaType::Video, "a.mp4");
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (cache, uploads, k) = (cache.clone(), uploads.clone(), k.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_upload(&k, || async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        uploads.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, ()>("m".to_owned())
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok("m".to_owned()));
        }
        assert_eq!(uploads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn stale_keys_are_pruned() {
        let (clock, time) = Clock::manual(0);
        let cache = MediaCache::new(Duration::from_secs(1), clock);
        for i in 0..PRUNE_ABOVE {
            let k = key(&i.to_le_bytes(), MediaType::Image, "a.png");
            cache.get_or_upload(&k, || async { Ok::<_, ()>(String::new()) }).await.unwrap();
        }
        time.advance(Duration::from_secs(2));
        cache
            .get_or_upload(&key(b"new", MediaType::Image, "a.png"), || async { Ok::<_, ()>("n".into()) })
            .await
            .unwrap();
        assert_eq!(cache.len(), 1);
    }
}
