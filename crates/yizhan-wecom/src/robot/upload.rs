//! `webhook/upload_media`: files and voice recordings for a robot's `file` and `voice` messages.
//!
//! The media_id is valid for 3 days and only for the robot that uploaded it. An upload is not a
//! message: it does not count toward the 20-per-minute budget. Repeating an upload only makes
//! another media_id, so every transient failure may be retried, ambiguous ones included.

use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use yizhan_core::{FailureKind, Provider, SendError};

use super::client::RobotClient;
use super::validate;
use crate::api::{Envelope, webhook_upload_media};
use crate::errcode;
use crate::error::Error;
use crate::transport::{provider_error, read_envelope, transport_error};

/// What is uploaded: the `type` query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `file`: any file, 5 B to 20 MB; the filename is what the group sees.
    File,
    /// `voice`: an AMR recording, at most 2 MB and 60 s.
    Voice,
}

impl MediaKind {
    /// `"file"` or `"voice"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::File => "file",
            MediaKind::Voice => "voice",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            MediaKind::File => "application/octet-stream",
            MediaKind::Voice => "audio/amr",
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl RobotClient {
    /// Uploads `bytes` as `filename` and returns the media_id for
    /// [`RobotMessage::file`](super::RobotMessage::file) or
    /// [`RobotMessage::voice`](super::RobotMessage::voice).
    ///
    /// Checked first: a non-empty filename without `"`, `/`, `\` or control characters; 5 B to
    /// 20 MB for a file, 5 B to 2 MB and an `#!AMR` header for a voice recording.
    pub async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<String, Error> {
        let bytes = bytes.into();
        validate::upload(kind, filename, &bytes)?;
        let path = crate::api::webhook_upload_media::PATH;
        self.retry_policy().run(path, true, || self.upload_attempt(kind, filename, bytes.clone())).await
    }

    /// One upload; only transient failures are left to the retry policy.
    async fn upload_attempt(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: Bytes,
    ) -> Result<Result<String, Error>, SendError> {
        let failure = match self.upload_once(kind, filename, bytes).await? {
            env if env.errcode == 0 && !env.body.media_id.is_empty() => return Ok(Ok(env.body.media_id)),
            env if env.errcode == 0 => SendError::transport(
                Provider::Wecom,
                FailureKind::Transient,
                "upload_media answered errcode 0 without a media_id",
            ),
            env => provider_error(env.errcode, &self.redact(&env.errmsg), errcode::classify_webhook),
        };
        if failure.kind == FailureKind::Transient { Err(failure) } else { Ok(Err(failure.into())) }
    }

    async fn upload_once(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: Bytes,
    ) -> Result<Envelope<webhook_upload_media::Response>, SendError> {
        let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let part = Part::stream_with_length(reqwest::Body::from(bytes), length)
            .file_name(filename.to_owned())
            .mime_str(kind.content_type())
            .map_err(|e| transport_error(e, false))?;
        // WeCom shows the filename as sent: raw UTF-8 (as browsers send it), not percent-encoded.
        let form = Form::new().percent_encode_noop().part(webhook_upload_media::PART_NAME, part);
        let response = self
            .request(webhook_upload_media::PATH)
            .query(&[("type", kind.as_str())])
            .multipart(form)
            .send()
            .await
            .map_err(|e| transport_error(e, false))?;
        read_envelope(response, false).await
    }
}
