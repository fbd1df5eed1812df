//! Application message payloads for `message/send`: one [`Message`] variant per `msgtype`
//! (WeCom docs: 发送应用消息, message types).
//!
//! | msgtype | payload | constructor |
//! |---|---|---|
//! | `text` | [`Text`] | [`Message::text`] |
//! | `image` | [`Media`] | [`Message::image`] |
//! | `voice` | [`Media`] | [`Message::voice`] |
//! | `video` | [`Video`] | [`Message::video`] |
//! | `file` | [`Media`] | [`Message::file`] |
//! | `textcard` | [`TextCard`] | [`Message::textcard`] |
//! | `news` | [`News`] of [`NewsArticle`] | [`Message::news`] |
//! | `mpnews` | [`MpNews`] of [`MpNewsArticle`] | [`Message::mpnews`] |
//! | `markdown` | [`Markdown`] | [`Message::markdown`] |
//! | `miniprogram_notice` | [`MiniprogramNotice`] | [`Message::miniprogram_notice`] |
//! | `template_card` | [`TemplateCard`] (see [`template_card`]) | [`Message::template_card`] |
//!
//! [`Message::validate`] rejects what WeCom would reject *or silently truncate*: required fields,
//! the byte and count [`limits`], link targets and key uniqueness. Every error names the JSON path
//! of the field, e.g. `news.articles[2].title`. Optional fields are `Option`s (or empty `Vec`s)
//! and are omitted from the JSON when unset, never sent as a default value.
//!
//! ```
//! use yizhan_wecom::message::Message;
//!
//! let message = Message::textcard("Build failed", "main #812: 3 tests failed", "https://ci.example.com/812");
//! assert_eq!(message.msgtype(), "textcard");
//! assert!(message.validate().is_ok());
//! assert_eq!(Message::text("").validate().map_err(|e| e.field), Err("text.content".to_owned()));
//! ```

mod articles;
mod basic;
pub(crate) mod check;
pub mod limits;
mod miniprogram;
pub mod template_card;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use articles::{MpNews, MpNewsArticle, News, NewsArticle};
pub use basic::{Markdown, Media, Text, TextCard, Video};
pub use miniprogram::{ContentItem, MiniprogramNotice};
pub use template_card::TemplateCard;

use crate::api::media_upload::MediaType;
use crate::validate::ValidationError;

/// A message payload, serialized as `"msgtype": "<type>", "<type>": {...}` (flattened into
/// [`crate::api::message_send::Request`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msgtype", rename_all = "snake_case")]
pub enum Message {
    /// `text`
    Text {
        /// The payload.
        text: Text,
    },
    /// `image`
    Image {
        /// The payload.
        image: Media,
    },
    /// `voice` (AMR)
    Voice {
        /// The payload.
        voice: Media,
    },
    /// `video`
    Video {
        /// The payload.
        video: Video,
    },
    /// `file`
    File {
        /// The payload.
        file: Media,
    },
    /// `textcard`
    Textcard {
        /// The payload.
        textcard: TextCard,
    },
    /// `news`
    News {
        /// The payload.
        news: News,
    },
    /// `mpnews`
    Mpnews {
        /// The payload.
        mpnews: MpNews,
    },
    /// `markdown`
    Markdown {
        /// The payload.
        markdown: Markdown,
    },
    /// `miniprogram_notice`
    MiniprogramNotice {
        /// The payload.
        miniprogram_notice: MiniprogramNotice,
    },
    /// `template_card` (boxed: cards are much larger than the other payloads)
    TemplateCard {
        /// The payload.
        template_card: Box<TemplateCard>,
    },
}

impl Message {
    /// A `text` message.
    pub fn text(content: impl Into<String>) -> Self {
        Message::Text { text: Text::new(content) }
    }

    /// A `markdown` message.
    pub fn markdown(content: impl Into<String>) -> Self {
        Message::Markdown { markdown: Markdown::new(content) }
    }

    /// An `image` message with an uploaded image.
    pub fn image(media_id: impl Into<String>) -> Self {
        Message::Image { image: Media::new(media_id) }
    }

    /// A `voice` message with an uploaded AMR recording.
    pub fn voice(media_id: impl Into<String>) -> Self {
        Message::Voice { voice: Media::new(media_id) }
    }

    /// A `file` message with an uploaded file.
    pub fn file(media_id: impl Into<String>) -> Self {
        Message::File { file: Media::new(media_id) }
    }

    /// The message that carries uploaded media of `media_type`: `image`, `voice`, `video` (no
    /// title or description) or `file`.
    pub fn media(media_type: MediaType, media_id: impl Into<String>) -> Self {
        match media_type {
            MediaType::Image => Message::image(media_id),
            MediaType::Voice => Message::voice(media_id),
            MediaType::Video => Message::video(media_id),
            MediaType::File => Message::file(media_id),
        }
    }

    /// A `video` message with an uploaded video and no title or description.
    pub fn video(media_id: impl Into<String>) -> Self {
        Message::Video { video: Video::new(media_id) }
    }

    /// A `textcard` message with the default button text.
    pub fn textcard(title: impl Into<String>, description: impl Into<String>, url: impl Into<String>) -> Self {
        Message::Textcard { textcard: TextCard::new(title, description, url) }
    }

    /// A `news` message.
    pub fn news(articles: impl IntoIterator<Item = NewsArticle>) -> Self {
        Message::News { news: News::new(articles) }
    }

    /// An `mpnews` message.
    pub fn mpnews(articles: impl IntoIterator<Item = MpNewsArticle>) -> Self {
        Message::Mpnews { mpnews: MpNews::new(articles) }
    }

    /// A `miniprogram_notice` message with the required fields only.
    pub fn miniprogram_notice(appid: impl Into<String>, title: impl Into<String>) -> Self {
        Message::MiniprogramNotice { miniprogram_notice: MiniprogramNotice::new(appid, title) }
    }

    /// A `template_card` message, from a [`TemplateCard`] or one of the card structs.
    pub fn template_card(card: impl Into<TemplateCard>) -> Self {
        Message::TemplateCard { template_card: Box::new(card.into()) }
    }

    /// The `msgtype` string.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Message::Text { .. } => "text",
            Message::Image { .. } => "image",
            Message::Voice { .. } => "voice",
            Message::Video { .. } => "video",
            Message::File { .. } => "file",
            Message::Textcard { .. } => "textcard",
            Message::News { .. } => "news",
            Message::Mpnews { .. } => "mpnews",
            Message::Markdown { .. } => "markdown",
            Message::MiniprogramNotice { .. } => "miniprogram_notice",
            Message::TemplateCard { .. } => "template_card",
        }
    }

    /// Checks required fields and limits; the error names the JSON path and the limit.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Message::Text { text } => text.validate(),
            Message::Image { image } => image.validate("image"),
            Message::Voice { voice } => voice.validate("voice"),
            Message::Video { video } => video.validate(),
            Message::File { file } => file.validate("file"),
            Message::Textcard { textcard } => textcard.validate(),
            Message::News { news } => news.validate(),
            Message::Mpnews { mpnews } => mpnews.validate(),
            Message::Markdown { markdown } => markdown.validate(),
            Message::MiniprogramNotice { miniprogram_notice } => miniprogram_notice.validate(),
            Message::TemplateCard { template_card } => template_card.validate(),
        }
    }

    /// True when WeCom returns a `response_code` for this message: interaction template cards,
    /// and text/news notices that carry an `action_menu`.
    pub fn expects_response_code(&self) -> bool {
        matches!(self, Message::TemplateCard { template_card } if template_card.expects_response_code())
    }
}

macro_rules! into_message {
    ($($payload:ident => $variant:ident { $field:ident }),+ $(,)?) => {$(
        impl From<$payload> for Message {
            fn from($field: $payload) -> Self {
                Message::$variant { $field }
            }
        }
    )+};
}

into_message! {
    Text => Text { text },
    Markdown => Markdown { markdown },
    Video => Video { video },
    TextCard => Textcard { textcard },
    News => News { news },
    MpNews => Mpnews { mpnews },
    MiniprogramNotice => MiniprogramNotice { miniprogram_notice },
}

impl From<TemplateCard> for Message {
    fn from(card: TemplateCard) -> Self {
        Message::template_card(card)
    }
}
