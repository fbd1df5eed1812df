//! The limits of group robot messages and uploads (WeCom docs: 群机器人配置说明), in one place.
//! Byte limits count UTF-8 bytes; media sizes count raw bytes (before base64). 1 MB is taken as 1
//! MiB.

use std::time::Duration;

/// `text.content`: bytes. WeCom documents 2048 and hard-rejects beyond 5120; what it does in
/// between is unconfirmed, so validation rejects everything over 2048.
pub const TEXT_CONTENT_BYTES: usize = 2048;
/// `markdown.content` and `markdown_v2.content`: bytes (over → 40058, no truncation).
pub const MARKDOWN_CONTENT_BYTES: usize = 4096;
/// `image`: raw image bytes, 2 MB.
pub const IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// `news.articles`: at most this many (at least one).
pub const MAX_ARTICLES: usize = 8;
/// `news.articles[].title`: bytes.
pub const TITLE_BYTES: usize = 128;
/// `news.articles[].description`: bytes (WeCom truncates; validation rejects).
pub const DESCRIPTION_BYTES: usize = 512;
/// `news.articles[].url` and `picurl`: bytes.
pub const URL_BYTES: usize = 2048;
/// `mentioned_mobile_list` entries: characters of a phone number.
pub const MOBILE_CHARS: usize = 20;
/// Smallest upload, bytes (`file` and `voice`).
pub const MEDIA_MIN_BYTES: usize = 5;
/// Largest `file` upload: 20 MB.
pub const FILE_BYTES: usize = 20 * 1024 * 1024;
/// Largest `voice` upload (AMR, ≤60 s): 2 MB.
pub const VOICE_BYTES: usize = 2 * 1024 * 1024;
/// Messages a robot may send per [`RATE_WINDOW`] (45009 beyond).
pub const MESSAGES_PER_WINDOW: u32 = 20;
/// The rate-limit window: one minute.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);
