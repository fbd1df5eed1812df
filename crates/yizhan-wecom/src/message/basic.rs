//! Simple payloads: `text`, `markdown`, media (`image`, `voice`, `file`), `video` and `textcard`.

use serde::{Deserialize, Serialize};

use super::check::{at, opt_max_bytes, opt_max_chars, required_max_bytes};
use super::limits;
use crate::validate::{self, ValidationError};

/// `text`: plain text; `\n` breaks lines and `<a href="...">` makes links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Required, at most [`limits::CONTENT_BYTES`] bytes. WeCom silently truncates longer text,
    /// so validation rejects it.
    pub content: String,
}

impl Text {
    /// Text with `content`.
    pub fn new(content: impl Into<String>) -> Self {
        Text { content: content.into() }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        required_max_bytes("text.content", &self.content, limits::CONTENT_BYTES)
    }
}

/// `markdown`: the WeCom markdown subset (headings, bold, links, inline code, quotes, font colours).
/// Rendered only in the WeCom client, not in the WeChat plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markdown {
    /// Required, at most [`limits::CONTENT_BYTES`] bytes (truncated by WeCom, rejected here).
    pub content: String,
}

impl Markdown {
    /// Markdown with `content`.
    pub fn new(content: impl Into<String>) -> Self {
        Markdown { content: content.into() }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        required_max_bytes("markdown.content", &self.content, limits::CONTENT_BYTES)
    }
}

/// The payload of `image`, `voice` and `file`: an uploaded temporary media id (valid 3 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Required: the id returned by `media/upload`.
    pub media_id: String,
}

impl Media {
    /// Media with `media_id`.
    pub fn new(media_id: impl Into<String>) -> Self {
        Media { media_id: media_id.into() }
    }

    /// Checks the payload found under `msgtype` (`image`, `voice` or `file`).
    pub(crate) fn validate(&self, msgtype: &str) -> Result<(), ValidationError> {
        validate::required(&at(msgtype, "media_id"), &self.media_id)
    }
}

/// `video`: an uploaded MP4 with an optional title and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Video {
    /// Required: the id returned by `media/upload`.
    pub media_id: String,
    /// At most [`limits::TITLE_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// At most [`limits::DESCRIPTION_BYTES`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Video {
    /// A video with no title or description.
    pub fn new(media_id: impl Into<String>) -> Self {
        Video { media_id: media_id.into(), title: None, description: None }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        validate::required("video.media_id", &self.media_id)?;
        opt_max_bytes("video.title", self.title.as_deref(), limits::TITLE_BYTES)?;
        opt_max_bytes("video.description", self.description.as_deref(), limits::DESCRIPTION_BYTES)
    }
}

/// `textcard`: a card with a title, a description and one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextCard {
    /// Required, at most [`limits::TITLE_BYTES`] bytes.
    pub title: String,
    /// Required, at most [`limits::DESCRIPTION_BYTES`] bytes. Supports `<br>` and
    /// `<div class="gray|highlight|normal">`.
    pub description: String,
    /// Required `http://` or `https://` link, at most [`limits::URL_BYTES`] bytes.
    pub url: String,
    /// Button text, at most [`limits::BTNTXT_CHARS`] characters; WeCom's default is "详情".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btntxt: Option<String>,
}

impl TextCard {
    /// A card with the default button text.
    pub fn new(title: impl Into<String>, description: impl Into<String>, url: impl Into<String>) -> Self {
        TextCard { title: title.into(), description: description.into(), url: url.into(), btntxt: None }
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        required_max_bytes("textcard.title", &self.title, limits::TITLE_BYTES)?;
        required_max_bytes("textcard.description", &self.description, limits::DESCRIPTION_BYTES)?;
        required_max_bytes("textcard.url", &self.url, limits::URL_BYTES)?;
        validate::http_url("textcard.url", &self.url)?;
        opt_max_chars("textcard.btntxt", self.btntxt.as_deref(), limits::BTNTXT_CHARS)
    }
}
