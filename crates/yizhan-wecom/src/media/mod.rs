//! Media for `image`, `voice`, `video` and `file` messages: where it comes from, how it is
//! fetched, and how it reaches WeCom.
//!
//! A [`MediaSource`] is a local path, bytes in memory, or an `https://` URL that yizhan downloads
//! itself. [`WecomClient::load_media`](crate::WecomClient::load_media) turns it into a
//! [`MediaFile`] (checking the size limit of the media type *before* reading or while
//! downloading), [`WecomClient::upload_media_cached`](crate::WecomClient::upload_media_cached)
//! uploads it through the [`MediaCache`](crate::MediaCache), and
//! [`WecomClient::send_media`](crate::WecomClient::send_media) does all three and sends the
//! message.
//!
//! URL downloads are guarded against server-side request forgery: only `https` (plain `http`
//! when the client allows it); the host is resolved first and every address must be public
//! ([`address::is_public`]) unless the client allows private addresses; the connection is pinned
//! to the checked address (no second DNS answer can point it elsewhere); no proxy; each redirect
//! is checked like the first URL; the body is capped while it streams and the whole download has
//! a timeout.
//!
//! ```no_run
//! # async fn demo(client: yizhan_wecom::WecomClient) -> Result<(), yizhan_wecom::Error> {
//! use yizhan_wecom::media::MediaSource;
//! use yizhan_wecom::{MediaType, Recipients};
//!
//! let to = Recipients::users(["alice"]);
//! client.send_media(&to, MediaType::Image, &MediaSource::parse("./chart.png")).await?;
//! client.send_media(&to, MediaType::File, &MediaSource::parse("https://ci.example.com/report.pdf")).await?;
//! # Ok(()) }
//! ```

pub mod address;
pub(crate) mod download;
mod send;
mod upload;

use std::path::PathBuf;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::api::media_upload::extension;

/// Where media comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    /// A local file; its name is the upload's file name.
    Path(PathBuf),
    /// Bytes already in memory.
    Bytes {
        /// The file name to upload under (its extension decides the format).
        filename: String,
        /// The content.
        bytes: Bytes,
    },
    /// An `https://` URL (or `http://` when allowed) that yizhan downloads.
    Url(String),
}

impl MediaSource {
    /// A URL when `arg` starts with `https://` or `http://` (any case), otherwise a path.
    pub fn parse(arg: &str) -> MediaSource {
        let lower = arg.get(..8).unwrap_or(arg).to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            MediaSource::Url(arg.to_owned())
        } else {
            MediaSource::Path(PathBuf::from(arg))
        }
    }
}

/// One file ready for upload.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// File name sent in the multipart part (quotes, backslashes and control characters are
    /// replaced by `_`).
    pub filename: String,
    /// MIME type of the part.
    pub content_type: String,
    /// The content.
    pub bytes: Bytes,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl MediaFile {
    /// A file whose content type follows from the name's extension
    /// ([`content_type_for`]).
    pub fn new(filename: impl Into<String>, bytes: impl Into<Bytes>) -> MediaFile {
        let filename = sanitize_filename(&filename.into());
        let content_type = content_type_for(&filename).to_owned();
        MediaFile { filename, content_type, bytes: bytes.into() }
    }

    /// The same file with another content type.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> MediaFile {
        self.content_type = content_type.into();
        self
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// True when the content is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// SHA-256 of the content.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.bytes).into()
    }
}

/// The MIME type for a file name's extension; `application/octet-stream` when unknown.
pub fn content_type_for(filename: &str) -> &'static str {
    let ext = extension(filename).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("amr") => "audio/amr",
        Some("mp4") => "video/mp4",
        Some("pdf") => "application/pdf",
        Some("txt" | "log") => "text/plain",
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("zip") => "application/zip",
        Some("doc") => "application/msword",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xls") => "application/vnd.ms-excel",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("ppt") => "application/vnd.ms-powerpoint",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// The usual extension for a MIME type, for downloads whose URL names no extension.
pub(crate) fn extension_for(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    Some(match essence.as_str() {
        "image/jpeg" | "image/jpg" => "jpg",
        "image/png" => "png",
        "audio/amr" => "amr",
        "video/mp4" => "mp4",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        _ => return None,
    })
}

/// Keeps a file name safe inside a quoted `Content-Disposition` parameter.
fn sanitize_filename(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c == '"' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    if cleaned.trim().is_empty() { "media".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_apart_by_the_scheme() {
        assert_eq!(MediaSource::parse("https://a.example/x.png"), MediaSource::Url("https://a.example/x.png".into()));
        assert_eq!(MediaSource::parse("HTTP://a.example/x"), MediaSource::Url("HTTP://a.example/x".into()));
        assert_eq!(MediaSource::parse("./https.png"), MediaSource::Path("./https.png".into()));
        assert_eq!(MediaSource::parse("ftp://x"), MediaSource::Path("ftp://x".into()));
    }

    #[test]
    fn files_get_a_content_type_and_a_safe_name() {
        let f = MediaFile::new("chart.PNG", &b"0123456789"[..]);
        assert_eq!((f.content_type.as_str(), f.len()), ("image/png", 10));
        assert_eq!(MediaFile::new("a\"b\r\n.txt", Bytes::new()).filename, "a_b__.txt");
        assert_eq!(MediaFile::new("", Bytes::new()).filename, "media");
        assert_eq!(content_type_for("x.amr"), "audio/amr");
        assert_eq!(content_type_for("x"), "application/octet-stream");
        assert_eq!(extension_for("image/png; charset=binary"), Some("png"));
        assert!(!format!("{f:?}").contains("0123"));
        assert_ne!(f.sha256(), MediaFile::new("chart.png", &b"0123456788"[..]).sha256());
    }
}
