//! Temporary media: what `media/upload` stored, per corp, and whether a `media_id` presented to
//! `message/send` is still good (3 days on the emulator's clock).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::errmsg::Rejection;
use super::token::random_id;

/// Temporary media live this long (WeCom docs: 上传临时素材: 3 days).
pub const MEDIA_LIFETIME: std::time::Duration = std::time::Duration::from_secs(3 * 24 * 3600);
const MEDIA_LIFETIME_MS: i64 = 3 * 24 * 3_600_000;
/// Length of generated media ids (as long as the documented example).
const MEDIA_ID_LEN: usize = 44;
/// At most this many media are remembered; expired ones are forgotten first, then the oldest.
const MEDIA_CAPACITY: usize = 100_000;

/// One uploaded temporary media file (`handle.media()`, `GET /__emulator/media`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    /// The id returned to the uploader.
    pub media_id: String,
    /// The corp it belongs to (every app of the corp may send it).
    pub corp_id: String,
    /// Agent id of the uploading app, as text.
    pub app: String,
    /// `image`, `voice`, `video` or `file`.
    pub media_type: String,
    /// The multipart `filename`.
    pub filename: String,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Upload time, epoch milliseconds of the emulator's clock.
    pub created_at_ms: i64,
    /// When the id stops working (`created_at_ms` + 3 days).
    pub expires_at_ms: i64,
}

/// All media uploaded since the last reset.
#[derive(Debug, Default)]
pub(crate) struct MediaStore {
    inner: Mutex<Stored>,
}

/// The records by id, each with its upload sequence number (the order of [`MediaStore::records`]).
#[derive(Debug, Default)]
struct Stored {
    by_id: HashMap<String, (u64, MediaRecord)>,
    next_seq: u64,
}

impl MediaStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Stored> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a new upload (the id and times are filled in) and returns it.
    pub(crate) fn store(&self, mut record: MediaRecord, now_ms: i64) -> MediaRecord {
        record.media_id = format!("{}{}", fastrand::u8(1..10), random_id(MEDIA_ID_LEN - 1));
        record.created_at_ms = now_ms;
        record.expires_at_ms = now_ms.saturating_add(MEDIA_LIFETIME_MS);
        let mut stored = self.lock();
        let media = &mut stored.by_id;
        if media.len() >= MEDIA_CAPACITY {
            media.retain(|_, (_, m)| m.expires_at_ms > now_ms);
            if media.len() >= MEDIA_CAPACITY
                && let Some(oldest) = media.values().min_by_key(|(seq, _)| *seq).map(|(_, m)| m.media_id.clone())
            {
                media.remove(&oldest);
            }
        }
        let seq = stored.next_seq;
        stored.next_seq += 1;
        stored.by_id.insert(record.media_id.clone(), (seq, record.clone()));
        record
    }

    /// Checks a `media_id` sent by `corp_id` in a `msgtype` message: 40007 when unknown, of
    /// another corp, expired, or of the wrong type (`image`, `voice` and `video` need their own
    /// type; *choice*: `file` messages accept any type).
    pub(crate) fn check(&self, corp_id: &str, msgtype: &str, media_id: &str, now_ms: i64) -> Result<(), Rejection> {
        let stored = self.lock();
        let ok = stored.by_id.get(media_id).is_some_and(|(_, m)| {
            m.corp_id == corp_id && now_ms < m.expires_at_ms && (msgtype == "file" || m.media_type == msgtype)
        });
        if ok { Ok(()) } else { Err(Rejection::new(40007)) }
    }

    /// Every stored upload, oldest first.
    pub(crate) fn records(&self) -> Vec<MediaRecord> {
        let mut list: Vec<(u64, MediaRecord)> = self.lock().by_id.values().cloned().collect();
        list.sort_by_key(|(seq, _)| *seq);
        list.into_iter().map(|(_, m)| m).collect()
    }

    /// Forgets every upload.
    pub(crate) fn reset(&self) {
        *self.lock() = Stored::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(media_type: &str) -> MediaRecord {
        MediaRecord {
            media_id: String::new(),
            corp_id: "ww1".into(),
            app: "1".into(),
            media_type: media_type.into(),
            filename: "a.png".into(),
            content_type: None,
            size: 6,
            sha256: String::new(),
            created_at_ms: 0,
            expires_at_ms: 0,
        }
    }

    #[test]
    fn ids_expire_after_three_days_and_stay_in_their_corp_and_type() {
        let store = MediaStore::default();
        let image = store.store(record("image"), 1_000);
        assert_eq!(image.media_id.len(), MEDIA_ID_LEN);
        assert_eq!(image.expires_at_ms, 1_000 + MEDIA_LIFETIME_MS);
        assert_eq!(store.check("ww1", "image", &image.media_id, 1_000 + MEDIA_LIFETIME_MS - 1), Ok(()));
        assert_eq!(store.check("ww1", "file", &image.media_id, 2_000), Ok(()), "file takes any type");
        let code = |r: Result<(), Rejection>| r.map_err(|e| e.code);
        assert_eq!(code(store.check("ww1", "image", &image.media_id, 1_000 + MEDIA_LIFETIME_MS)), Err(40007));
        assert_eq!(code(store.check("ww2", "image", &image.media_id, 2_000)), Err(40007));
        assert_eq!(code(store.check("ww1", "voice", &image.media_id, 2_000)), Err(40007));
        assert_eq!(code(store.check("ww1", "image", "nope", 2_000)), Err(40007));
        assert_eq!(store.records().len(), 1);
        store.reset();
        assert!(store.records().is_empty());
    }
}
