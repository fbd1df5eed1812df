//! Group robot messages: one [`RobotMessage`] variant per webhook `msgtype` (WeCom docs:
//! 群机器人配置说明).
//!
//! `markdown`, `markdown_v2`, `file` and `voice` reuse the app payloads [`Markdown`] and
//! [`Media`]; `template_card` reuses [`TemplateCard`] (only `text_notice` and `news_notice` pass
//! [`RobotMessage::validate`]). Optional fields are omitted from the JSON when unset.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};

use crate::message::template_card::TemplateCard;
use crate::message::{Markdown, Media};
use crate::recipients::ALL_USERS;
use crate::validate::ValidationError;

/// A group robot message, serialized as `"msgtype": "<type>", "<type>": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msgtype", rename_all = "snake_case")]
pub enum RobotMessage {
    /// `text`, optionally mentioning members.
    Text {
        /// The payload.
        text: RobotText,
    },
    /// `markdown`: the WeCom subset (font colours, `<@userid>` mentions).
    Markdown {
        /// The payload.
        markdown: Markdown,
    },
    /// `markdown_v2`: tables, lists, code blocks, images; no font colours, no mentions.
    MarkdownV2 {
        /// The payload.
        markdown_v2: Markdown,
    },
    /// `image`: the picture itself, base64 with its md5.
    Image {
        /// The payload.
        image: RobotImage,
    },
    /// `news`: 1–8 link articles.
    News {
        /// The payload.
        news: RobotNews,
    },
    /// `file`: a `media_id` from [`RobotClient::upload_media`](super::RobotClient::upload_media).
    File {
        /// The payload.
        file: Media,
    },
    /// `voice`: an AMR `media_id` from [`RobotClient::upload_media`](super::RobotClient::upload_media).
    Voice {
        /// The payload.
        voice: Media,
    },
    /// `template_card`: `text_notice` or `news_notice` only (boxed: cards are large).
    TemplateCard {
        /// The payload.
        template_card: Box<TemplateCard>,
    },
}

/// `text`: plain text with optional mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotText {
    /// Required, at most [`TEXT_CONTENT_BYTES`](super::limits::TEXT_CONTENT_BYTES) bytes.
    pub content: String,
    /// Members to mention by user id, or `"@all"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned_list: Vec<String>,
    /// Members to mention by mobile number, or `"@all"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentioned_mobile_list: Vec<String>,
}

impl RobotText {
    /// Text with `content` and no mention.
    pub fn new(content: impl Into<String>) -> Self {
        RobotText { content: content.into(), ..Default::default() }
    }

    /// Adds mentions by user id (`"@all"` mentions everybody).
    #[must_use]
    pub fn mention<S: Into<String>>(mut self, userids: impl IntoIterator<Item = S>) -> Self {
        self.mentioned_list.extend(userids.into_iter().map(Into::into));
        self
    }

    /// Adds mentions by mobile number (`"@all"` mentions everybody).
    #[must_use]
    pub fn mention_mobile<S: Into<String>>(mut self, mobiles: impl IntoIterator<Item = S>) -> Self {
        self.mentioned_mobile_list.extend(mobiles.into_iter().map(Into::into));
        self
    }

    /// True when somebody is mentioned.
    pub fn has_mentions(&self) -> bool {
        !self.mentioned_list.is_empty() || !self.mentioned_mobile_list.is_empty()
    }
}

/// `image`: the raw picture (JPG or PNG, at most 2 MB) as base64, and the lower-case hex md5 of
/// the raw bytes. [`RobotMessage::image_from_bytes`] computes both.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotImage {
    /// Standard base64 (with padding) of the raw image.
    pub base64: String,
    /// Hex md5 of the raw image (before base64).
    pub md5: String,
}

impl RobotImage {
    /// The payload for the raw image `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        RobotImage { base64: STANDARD.encode(bytes), md5: md5_hex(bytes) }
    }

    /// The raw image, or `None` when `base64` is not valid standard base64.
    pub fn decode(&self) -> Option<Vec<u8>> {
        STANDARD.decode(self.base64.as_bytes()).ok()
    }
}

impl std::fmt::Debug for RobotImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A 2 MB image is 2.7 MB of base64: show its size, not its text.
        f.debug_struct("RobotImage")
            .field("base64", &format_args!("[{} base64 characters]", self.base64.len()))
            .field("md5", &self.md5)
            .finish()
    }
}

/// Lower-case hex md5 of `bytes`.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// `news`: 1–8 articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotNews {
    /// 1–8 articles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<RobotArticle>,
}

/// One `news` article: a link with a title, an optional description and picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RobotArticle {
    /// Required, at most 128 bytes.
    pub title: String,
    /// At most 512 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required `http://` or `https://` link.
    pub url: String,
    /// Picture link (JPG/PNG, 1068×455 large, 150×150 small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picurl: Option<String>,
}

impl RobotArticle {
    /// An article titled `title` that opens `url`.
    pub fn new(title: impl Into<String>, url: impl Into<String>) -> Self {
        RobotArticle { title: title.into(), description: None, url: url.into(), picurl: None }
    }
}

impl RobotMessage {
    /// A `text` message without mentions.
    pub fn text(content: impl Into<String>) -> Self {
        RobotMessage::Text { text: RobotText::new(content) }
    }

    /// A `markdown` message.
    pub fn markdown(content: impl Into<String>) -> Self {
        RobotMessage::Markdown { markdown: Markdown::new(content) }
    }

    /// A `markdown_v2` message.
    pub fn markdown_v2(content: impl Into<String>) -> Self {
        RobotMessage::MarkdownV2 { markdown_v2: Markdown::new(content) }
    }

    /// An `image` message with the raw picture `bytes`: computes the base64 and the md5.
    pub fn image_from_bytes(bytes: &[u8]) -> Self {
        RobotMessage::Image { image: RobotImage::from_bytes(bytes) }
    }

    /// A `news` message.
    pub fn news(articles: impl IntoIterator<Item = RobotArticle>) -> Self {
        RobotMessage::News { news: RobotNews { articles: articles.into_iter().collect() } }
    }

    /// A `file` message with an uploaded file.
    pub fn file(media_id: impl Into<String>) -> Self {
        RobotMessage::File { file: Media::new(media_id) }
    }

    /// A `voice` message with an uploaded AMR recording.
    pub fn voice(media_id: impl Into<String>) -> Self {
        RobotMessage::Voice { voice: Media::new(media_id) }
    }

    /// A `template_card` message (`text_notice` or `news_notice`).
    pub fn template_card(card: impl Into<TemplateCard>) -> Self {
        RobotMessage::TemplateCard { template_card: Box::new(card.into()) }
    }

    /// The `msgtype` string.
    pub fn msgtype(&self) -> &'static str {
        match self {
            RobotMessage::Text { .. } => "text",
            RobotMessage::Markdown { .. } => "markdown",
            RobotMessage::MarkdownV2 { .. } => "markdown_v2",
            RobotMessage::Image { .. } => "image",
            RobotMessage::News { .. } => "news",
            RobotMessage::File { .. } => "file",
            RobotMessage::Voice { .. } => "voice",
            RobotMessage::TemplateCard { .. } => "template_card",
        }
    }

    /// Checks required fields and limits before sending; the error names the JSON path and the
    /// limit (e.g. `markdown.content: is 5000 bytes; the limit is 4096 bytes (UTF-8)`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        super::validate::message(self)
    }
}

impl From<RobotText> for RobotMessage {
    fn from(text: RobotText) -> Self {
        RobotMessage::Text { text }
    }
}

impl From<RobotNews> for RobotMessage {
    fn from(news: RobotNews) -> Self {
        RobotMessage::News { news }
    }
}

impl From<RobotImage> for RobotMessage {
    fn from(image: RobotImage) -> Self {
        RobotMessage::Image { image }
    }
}

/// True for `"@all"`.
pub(crate) fn is_all(entry: &str) -> bool {
    entry == ALL_USERS
}
