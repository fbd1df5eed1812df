//! [`WecomClient`] methods for the two upload endpoints. Both run through the client's one
//! request loop (token, refresh once, transient retries) with a multipart payload.

use yizhan_core::{FailureKind, Provider, SendError};

use crate::api::media_upload::{self, MediaType};
use crate::api::media_uploadimg;
use crate::client::{Call, Payload, WecomClient};
use crate::error::Error;
use crate::media::MediaFile;

impl WecomClient {
    /// Uploads temporary media (`media/upload`, valid 3 days) and returns WeCom's answer.
    ///
    /// The size and format limits of `media_type` are checked first; a violation is
    /// [`Error::Invalid`] naming the limit, and nothing is sent. Token refresh and transient
    /// retries work as for [`send`](Self::send); an upload whose answer was lost is repeated
    /// (at worst WeCom keeps an unused copy for 3 days). No cache: see
    /// [`upload_media_cached`](Self::upload_media_cached).
    pub async fn upload_media(&self, media_type: MediaType, file: &MediaFile) -> Result<media_upload::Response, Error> {
        media_upload::check(media_type, &file.filename, file.len())?;
        let call = Call {
            path: media_upload::PATH,
            query: &[("type", media_type.as_str())],
            payload: Payload::Multipart(file),
            resend_is_safe: true,
        };
        let response: media_upload::Response = self.call_ok(call).await?;
        if response.media_id.is_empty() {
            return Err(missing_field("media/upload", "media_id").into());
        }
        Ok(response)
    }

    /// Uploads a JPG or PNG (5 B – 2 MiB) for use inside mpnews content (`media/uploadimg`) and
    /// returns its permanent URL.
    pub async fn upload_image(&self, file: &MediaFile) -> Result<String, Error> {
        media_uploadimg::check(&file.filename, file.len())?;
        let call =
            Call { path: media_uploadimg::PATH, query: &[], payload: Payload::Multipart(file), resend_is_safe: true };
        let response: media_uploadimg::Response = self.call_ok(call).await?;
        if response.url.is_empty() {
            return Err(missing_field("media/uploadimg", "url").into());
        }
        Ok(response.url)
    }
}

fn missing_field(endpoint: &str, field: &str) -> SendError {
    SendError::transport(
        Provider::Wecom,
        FailureKind::Transient,
        format!("{endpoint} answered errcode 0 without {field}"),
    )
}
