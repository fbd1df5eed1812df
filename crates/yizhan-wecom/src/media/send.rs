//! [`WecomClient`] methods that turn a [`MediaSource`] into a delivered media message.

use crate::api::media_upload::{self, MediaType};
use crate::api::message_send::Receipt;
use crate::client::WecomClient;
use crate::error::Error;
use crate::media::{MediaFile, MediaSource, download};
use crate::media_cache::CacheKey;
use crate::message::Message;
use crate::recipients::Recipients;
use crate::validate::ValidationError;

/// WeCom's answer to a message naming an unknown or expired media id.
const INVALID_MEDIA_ID: i64 = 40007;

impl WecomClient {
    /// Reads a path, takes bytes, or downloads a URL, as media of `media_type`.
    ///
    /// Size limits are checked before reading a file and while a download streams (the
    /// download is aborted past the limit); URLs go through the policy described in
    /// [`crate::media`]. A refused URL, an unreadable path or a file over the limit is
    /// [`Error::Invalid`]; a download that failed on the network or at the remote server is
    /// [`Error::Media`].
    pub async fn load_media(&self, media_type: MediaType, source: &MediaSource) -> Result<MediaFile, Error> {
        let file = match source {
            MediaSource::Bytes { filename, bytes } => MediaFile::new(filename.clone(), bytes.clone()),
            MediaSource::Url(url) => download::download(url, media_type, &self.inner.download).await?,
            MediaSource::Path(path) => {
                let unreadable =
                    |e: std::io::Error| ValidationError::new("path", format_args!("{}: {e}", path.display()));
                let meta = tokio::fs::metadata(path).await.map_err(unreadable)?;
                if !meta.is_file() {
                    return Err(ValidationError::new("path", format_args!("{} is not a file", path.display())).into());
                }
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                // Refuse an oversized file before reading it into memory.
                media_upload::check(media_type, &name, meta.len())?;
                MediaFile::new(name, tokio::fs::read(path).await.map_err(unreadable)?)
            }
        };
        media_upload::check(media_type, &file.filename, file.len())?;
        Ok(file)
    }

    /// Uploads `file` as `media_type` unless the [`MediaCache`](crate::MediaCache) holds a fresh
    /// id for the same client, type and content; returns the media id.
    pub async fn upload_media_cached(&self, media_type: MediaType, file: &MediaFile) -> Result<String, Error> {
        let key = CacheKey::new(self.inner.identity.clone(), media_type, file);
        self.upload_through_cache(&key, media_type, file).await
    }

    async fn upload_through_cache(
        &self,
        key: &CacheKey,
        media_type: MediaType,
        file: &MediaFile,
    ) -> Result<String, Error> {
        let cache = &self.inner.media_cache;
        cache.get_or_upload(key, || async { Ok(self.upload_media(media_type, file).await?.media_id) }).await
    }

    /// Loads `source`, uploads it through the cache and sends it as an `image`, `voice`,
    /// `video` or `file` message to `recipients`.
    ///
    /// When WeCom answers 40007 (the cached id expired or was purged early), the cache entry is
    /// dropped and the media uploaded and sent once more.
    pub async fn send_media(
        &self,
        recipients: &Recipients,
        media_type: MediaType,
        source: &MediaSource,
    ) -> Result<Receipt, Error> {
        // Check the recipients before downloading or uploading anything.
        recipients.validate()?;
        let file = self.load_media(media_type, source).await?;
        let key = CacheKey::new(self.inner.identity.clone(), media_type, &file);
        let media_id = self.upload_through_cache(&key, media_type, &file).await?;
        match self.send_message(recipients, Message::media(media_type, media_id.clone())).await {
            Err(e) if e.code() == Some(INVALID_MEDIA_ID) => {
                tracing::debug!(media_type = %media_type, "wecom refused a cached media_id (40007); uploading again");
                self.inner.media_cache.invalidate(&key, &media_id).await;
                let media_id = self.upload_through_cache(&key, media_type, &file).await?;
                self.send_message(recipients, Message::media(media_type, media_id)).await
            }
            other => other,
        }
    }
}
