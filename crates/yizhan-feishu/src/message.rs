//! The body of a bot message: `msg_type` and its `content`, or, for `interactive`, its `card`
//! (`docs/dingtalk-feishu.md`, "Message types").
//!
//! | msg_type | constructor | checked before sending |
//! |---|---|---|
//! | `text` | [`Message::text`] | `text` not empty; mentions are `<at user_id="ou_…">Name</at>` in the text |
//! | `post` | [`Message::post`] | at least one locale of `zh_cn`, `en_us`, `ja_jp`, each with a paragraph; tags `text`, `a`, `at`, `img` |
//! | `image` | [`Message::image`] | an `image_key` (from an app's upload: a custom bot cannot upload) |
//! | `share_chat` | [`Message::share_chat`] | a `share_chat_id` (`oc_…`) |
//! | `interactive` | [`Message::interactive`] | a card object with `elements` (or a schema 2.0 `body`); no card templates |

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yizhan_core::validate::{ValidationError, required};

/// The post locales Feishu documents.
pub const LOCALES: [&str; 3] = ["zh_cn", "en_us", "ja_jp"];

/// One bot message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msg_type", rename_all = "snake_case")]
pub enum Message {
    /// Plain text.
    Text {
        /// `{"text": …}`
        content: TextContent,
    },
    /// Rich text in one or more locales.
    Post {
        /// `{"post": {locale: …}}`
        content: PostContent,
    },
    /// An uploaded image.
    Image {
        /// `{"image_key": …}`
        content: ImageContent,
    },
    /// A group's card.
    ShareChat {
        /// `{"share_chat_id": …}`
        content: ShareChatContent,
    },
    /// A message card, kept as the JSON object Feishu's card builder makes.
    Interactive {
        /// The card.
        card: Map<String, Value>,
    },
}

/// `text` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextContent {
    /// The text, mentions written `<at user_id="ou_…">Name</at>` (`user_id="all"`: everyone).
    pub text: String,
}

/// `post` content: the post per locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostContent {
    /// Locale (`zh_cn`, `en_us`, `ja_jp`) → its post.
    pub post: BTreeMap<String, Post>,
}

/// A post in one locale: an optional title and paragraphs of inline tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Paragraphs, each a list of tags.
    pub content: Vec<Vec<PostTag>>,
}

/// One inline element of a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tag", rename_all = "snake_case")]
pub enum PostTag {
    /// Text.
    Text {
        /// The text.
        text: String,
        /// Whether HTML entities in it are decoded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        un_escape: Option<bool>,
    },
    /// A link.
    A {
        /// Its text.
        text: String,
        /// Where it goes.
        href: String,
    },
    /// A mention: an open_id (`ou_…`), or `all` for everyone.
    At {
        /// Who.
        user_id: String,
        /// The name shown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_name: Option<String>,
    },
    /// An uploaded image.
    Img {
        /// Its key.
        image_key: String,
        /// Its width in pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        /// Its height in pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
    },
}

/// `image` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageContent {
    /// The key of an image uploaded through an app's image API.
    pub image_key: String,
}

/// `share_chat` content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareChatContent {
    /// The group's chat id (`oc_…`).
    pub share_chat_id: String,
}

impl Message {
    /// A `text` message.
    pub fn text(text: impl Into<String>) -> Message {
        Message::Text { content: TextContent { text: text.into() } }
    }

    /// A `post` message with one locale.
    pub fn post(locale: impl Into<String>, post: Post) -> Message {
        Message::Post { content: PostContent { post: BTreeMap::from([(locale.into(), post)]) } }
    }

    /// An `image` message.
    pub fn image(image_key: impl Into<String>) -> Message {
        Message::Image { content: ImageContent { image_key: image_key.into() } }
    }

    /// A `share_chat` message.
    pub fn share_chat(chat_id: impl Into<String>) -> Message {
        Message::ShareChat { content: ShareChatContent { share_chat_id: chat_id.into() } }
    }

    /// An `interactive` message of `card` (an object).
    pub fn interactive(card: Map<String, Value>) -> Message {
        Message::Interactive { card }
    }

    /// The `msg_type`.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Message::Text { .. } => "text",
            Message::Post { .. } => "post",
            Message::Image { .. } => "image",
            Message::ShareChat { .. } => "share_chat",
            Message::Interactive { .. } => "interactive",
        }
    }

    /// Every text a keyword is searched in, with its field: the text; post titles and the
    /// texts of `text` and `a` tags; every string of a card. Images and shared chats have none.
    pub fn texts(&self) -> Vec<(String, String)> {
        match self {
            Message::Text { content } => vec![("content.text".to_owned(), content.text.clone())],
            Message::Post { content } => {
                let mut texts = Vec::new();
                for (locale, post) in &content.post {
                    let mut all = post.title.clone().unwrap_or_default();
                    for tag in post.content.iter().flatten() {
                        if let PostTag::Text { text, .. } | PostTag::A { text, .. } = tag {
                            all.push_str(text);
                        }
                    }
                    texts.push((format!("content.post.{locale}"), all));
                }
                texts
            }
            Message::Interactive { card } => {
                let mut all = String::new();
                strings(&Value::Object(card.clone()), &mut all);
                vec![("card".to_owned(), all)]
            }
            Message::Image { .. } | Message::ShareChat { .. } => vec![(self.msg_type().to_owned(), String::new())],
        }
    }

    /// Checks every field Feishu requires, naming the first that is missing or malformed.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Message::Text { content } => required("content.text", &content.text),
            Message::Post { content } => validate_post(content),
            Message::Image { content } => required("content.image_key", &content.image_key),
            Message::ShareChat { content } => required("content.share_chat_id", &content.share_chat_id),
            Message::Interactive { card } => validate_card(card),
        }
    }
}

fn validate_post(content: &PostContent) -> Result<(), ValidationError> {
    if content.post.is_empty() {
        return Err(ValidationError::new("content.post", "needs at least one locale (zh_cn, en_us or ja_jp)"));
    }
    for (locale, post) in &content.post {
        let at = format!("content.post.{locale}");
        if !LOCALES.contains(&locale.as_str()) {
            return Err(ValidationError::new(at, "is not a locale Feishu takes: zh_cn, en_us or ja_jp"));
        }
        if post.content.iter().all(Vec::is_empty) {
            return Err(ValidationError::new(format!("{at}.content"), "needs at least one tag"));
        }
        for (i, paragraph) in post.content.iter().enumerate() {
            for (j, tag) in paragraph.iter().enumerate() {
                let field = format!("{at}.content[{i}][{j}]");
                let (key, value) = match tag {
                    PostTag::Text { text, .. } => ("text", text),
                    PostTag::A { href, .. } => ("href", href),
                    PostTag::At { user_id, .. } => ("user_id", user_id),
                    PostTag::Img { image_key, .. } => ("image_key", image_key),
                };
                required(key, value).map_err(|e| e.within(&field))?;
            }
        }
    }
    Ok(())
}

fn validate_card(card: &Map<String, Value>) -> Result<(), ValidationError> {
    if card.get("type").and_then(Value::as_str) == Some("template") {
        return Err(ValidationError::new("card.type", "card templates are not known to work through a custom bot"));
    }
    let elements = card.get("elements").or_else(|| card.get("body").and_then(|b| b.get("elements")));
    match elements {
        Some(Value::Array(items)) if !items.is_empty() => Ok(()),
        _ => Err(ValidationError::new("card.elements", "needs at least one element")),
    }
}

/// Appends every string inside `value` to `out`.
fn strings(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
