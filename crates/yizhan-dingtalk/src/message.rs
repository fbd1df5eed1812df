//! The body of a robot message: `msgtype`, the object named after it, and an optional `at`
//! (`docs/dingtalk-feishu.md`, "Message types"). Field names are DingTalk's, case and all:
//! `messageUrl` in a link but `messageURL` in a feedCard link, `singleURL`, `actionURL`.
//!
//! | msgtype | constructor | checked before sending |
//! |---|---|---|
//! | `text` | [`Message::text`] | `content` not empty |
//! | `markdown` | [`Message::markdown`] | `title` (the notification line) and `text` not empty |
//! | `link` | [`Message::link`] | `title`, `text`, an http(s) `messageUrl` |
//! | `actionCard` | [`Message::action_card`] with [`Buttons`] | `title`, `text`, one button or at least one of several |
//! | `feedCard` | [`Message::feed_card`] | at least one link, each with `title`, `messageURL`, `picURL` |
//!
//! Mentions ([`At`]) are highlighted only with `text` and `markdown`, and only when the text
//! also holds `@<mobile>` or `@<userId>`; DingTalk ignores unknown numbers and still answers 0.

use serde::{Deserialize, Serialize};
use yizhan_core::validate::{ValidationError, required};

/// One robot message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `msgtype` and its object.
    #[serde(flatten)]
    pub body: Body,
    /// Who is mentioned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
}

/// `msgtype` and the object named after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msgtype")]
pub enum Body {
    /// Plain text.
    #[serde(rename = "text")]
    Text {
        /// `text`
        text: Text,
    },
    /// DingTalk Markdown.
    #[serde(rename = "markdown")]
    Markdown {
        /// `markdown`
        markdown: Markdown,
    },
    /// A link with a title, a text and an optional picture.
    #[serde(rename = "link")]
    Link {
        /// `link`
        link: Link,
    },
    /// A card of Markdown with one button or several.
    #[serde(rename = "actionCard")]
    ActionCard {
        /// `actionCard`
        #[serde(rename = "actionCard")]
        action_card: ActionCard,
    },
    /// Several links with pictures.
    #[serde(rename = "feedCard")]
    FeedCard {
        /// `feedCard`
        #[serde(rename = "feedCard")]
        feed_card: FeedCard,
    },
}

/// `text`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// The text.
    pub content: String,
}

/// `markdown`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markdown {
    /// Shown in the notification and the conversation list, not in the message.
    pub title: String,
    /// The Markdown.
    pub text: String,
}

/// `link`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The title.
    pub title: String,
    /// The text (shown truncated).
    pub text: String,
    /// Where a click goes.
    pub message_url: String,
    /// A picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_url: Option<String>,
}

/// `actionCard`: Markdown and one button (`singleTitle`, `singleURL`) or several (`btns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionCard {
    /// The title (notification line).
    pub title: String,
    /// The Markdown body.
    pub text: String,
    /// The one button's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_title: Option<String>,
    /// The one button's link.
    #[serde(default, rename = "singleURL", skip_serializing_if = "Option::is_none")]
    pub single_url: Option<String>,
    /// Several buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub btns: Vec<Button>,
    /// `"0"` buttons stacked, `"1"` side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btn_orientation: Option<String>,
    /// `"0"` show the robot's avatar, `"1"` hide it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_avatar: Option<String>,
}

/// One button of an `actionCard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// Its text.
    pub title: String,
    /// Its link.
    #[serde(rename = "actionURL")]
    pub action_url: String,
}

/// The buttons of an `actionCard`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Buttons {
    /// One button: its text and link.
    Single(String, String),
    /// Several buttons.
    Several(Vec<Button>),
}

/// `feedCard`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedCard {
    /// The links.
    pub links: Vec<FeedLink>,
}

/// One link of a `feedCard` (note `URL` in capitals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedLink {
    /// The title.
    pub title: String,
    /// Where a click goes.
    #[serde(rename = "messageURL")]
    pub message_url: String,
    /// The picture.
    #[serde(rename = "picURL")]
    pub pic_url: String,
}

/// `at`: members mentioned by mobile or user id, or everyone. All three fields are always
/// written, as in DingTalk's own examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct At {
    /// Mobile numbers.
    #[serde(default)]
    pub at_mobiles: Vec<String>,
    /// DingTalk user ids.
    #[serde(default)]
    pub at_user_ids: Vec<String>,
    /// Everyone in the group.
    #[serde(default)]
    pub is_at_all: bool,
}

impl At {
    /// Mentions by mobile number.
    pub fn mobiles<S: Into<String>>(mobiles: impl IntoIterator<Item = S>) -> At {
        At { at_mobiles: mobiles.into_iter().map(Into::into).collect(), ..At::default() }
    }

    /// Mentions by user id.
    pub fn user_ids<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> At {
        At { at_user_ids: ids.into_iter().map(Into::into).collect(), ..At::default() }
    }

    /// Everyone.
    pub fn all() -> At {
        At { is_at_all: true, ..At::default() }
    }

    /// True when nobody is mentioned.
    pub fn is_empty(&self) -> bool {
        self.at_mobiles.is_empty() && self.at_user_ids.is_empty() && !self.is_at_all
    }

    /// The `@<id>` marks the text needs for the mentions to be highlighted.
    pub fn marks(&self) -> impl Iterator<Item = String> + '_ {
        self.at_mobiles.iter().chain(&self.at_user_ids).map(|id| format!("@{id}"))
    }
}

impl Message {
    /// A `text` message.
    pub fn text(content: impl Into<String>) -> Message {
        Body::Text { text: Text { content: content.into() } }.into()
    }

    /// A `markdown` message; `title` is the notification line.
    pub fn markdown(title: impl Into<String>, text: impl Into<String>) -> Message {
        Body::Markdown { markdown: Markdown { title: title.into(), text: text.into() } }.into()
    }

    /// A `link` message.
    pub fn link(title: impl Into<String>, text: impl Into<String>, url: impl Into<String>) -> Message {
        let link = Link { title: title.into(), text: text.into(), message_url: url.into(), pic_url: None };
        Body::Link { link }.into()
    }

    /// An `actionCard` message with its buttons.
    pub fn action_card(title: impl Into<String>, text: impl Into<String>, buttons: Buttons) -> Message {
        let (single_title, single_url, btns) = match buttons {
            Buttons::Single(title, url) => (Some(title), Some(url), Vec::new()),
            Buttons::Several(btns) => (None, None, btns),
        };
        let action_card = ActionCard {
            title: title.into(),
            text: text.into(),
            single_title,
            single_url,
            btns,
            btn_orientation: None,
            hide_avatar: None,
        };
        Body::ActionCard { action_card }.into()
    }

    /// A `feedCard` message.
    pub fn feed_card(links: Vec<FeedLink>) -> Message {
        Body::FeedCard { feed_card: FeedCard { links } }.into()
    }

    /// The message with `at`.
    #[must_use]
    pub fn with_at(mut self, at: At) -> Message {
        self.at = (!at.is_empty()).then_some(at);
        self
    }

    /// The `msgtype`.
    pub fn msgtype(&self) -> &'static str {
        match self.body {
            Body::Text { .. } => "text",
            Body::Markdown { .. } => "markdown",
            Body::Link { .. } => "link",
            Body::ActionCard { .. } => "actionCard",
            Body::FeedCard { .. } => "feedCard",
        }
    }

    /// Every text a keyword must appear in, with its field: `text.content`; the `title` and
    /// `text` of markdown, link and actionCard; each feedCard link's title.
    pub fn texts(&self) -> Vec<(String, &str)> {
        match &self.body {
            Body::Text { text } => vec![("text.content".to_owned(), text.content.as_str())],
            Body::Markdown { markdown: m } => {
                vec![("markdown.title".to_owned(), m.title.as_str()), ("markdown.text".to_owned(), m.text.as_str())]
            }
            Body::Link { link } => {
                vec![("link.title".to_owned(), link.title.as_str()), ("link.text".to_owned(), link.text.as_str())]
            }
            Body::ActionCard { action_card: c } => {
                vec![("actionCard.title".to_owned(), c.title.as_str()), ("actionCard.text".to_owned(), c.text.as_str())]
            }
            Body::FeedCard { feed_card } => feed_card
                .links
                .iter()
                .enumerate()
                .map(|(i, l)| (format!("feedCard.links[{i}].title"), l.title.as_str()))
                .collect(),
        }
    }

    /// Checks every field DingTalk requires, naming the first that is missing or malformed.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match &self.body {
            Body::Text { text } => required("text.content", &text.content)?,
            Body::Markdown { markdown } => {
                required("markdown.title", &markdown.title)?;
                required("markdown.text", &markdown.text)?;
            }
            Body::Link { link } => {
                required("link.title", &link.title)?;
                required("link.text", &link.text)?;
                http_url("link.messageUrl", &link.message_url)?;
            }
            Body::ActionCard { action_card } => action_card.validate()?,
            Body::FeedCard { feed_card } => {
                if feed_card.links.is_empty() {
                    return Err(ValidationError::new("feedCard.links", "needs at least one link"));
                }
                for (i, link) in feed_card.links.iter().enumerate() {
                    let at = format!("feedCard.links[{i}]");
                    required("title", &link.title).map_err(|e| e.within(&at))?;
                    http_url("messageURL", &link.message_url).map_err(|e| e.within(&at))?;
                    http_url("picURL", &link.pic_url).map_err(|e| e.within(&at))?;
                }
            }
        }
        if let Some(at) = &self.at {
            for (field, ids) in [("at.atMobiles", &at.at_mobiles), ("at.atUserIds", &at.at_user_ids)] {
                if let Some(i) = ids.iter().position(|id| id.trim().is_empty()) {
                    return Err(ValidationError::new(format!("{field}[{i}]"), "must not be empty"));
                }
            }
        }
        Ok(())
    }
}

impl ActionCard {
    fn validate(&self) -> Result<(), ValidationError> {
        required("actionCard.title", &self.title)?;
        required("actionCard.text", &self.text)?;
        match (&self.single_title, &self.single_url) {
            (Some(title), Some(url)) => {
                required("actionCard.singleTitle", title)?;
                http_url("actionCard.singleURL", url)?;
            }
            (None, None) if !self.btns.is_empty() => {
                for (i, b) in self.btns.iter().enumerate() {
                    let at = format!("actionCard.btns[{i}]");
                    required("title", &b.title).map_err(|e| e.within(&at))?;
                    http_url("actionURL", &b.action_url).map_err(|e| e.within(&at))?;
                }
            }
            (None, None) => {
                return Err(ValidationError::new("actionCard", "needs singleTitle and singleURL, or btns"));
            }
            (Some(_), None) => {
                return Err(ValidationError::new("actionCard.singleURL", "is required with singleTitle"));
            }
            (None, Some(_)) => {
                return Err(ValidationError::new("actionCard.singleTitle", "is required with singleURL"));
            }
        }
        for (field, value) in
            [("actionCard.btnOrientation", &self.btn_orientation), ("actionCard.hideAvatar", &self.hide_avatar)]
        {
            if value.as_deref().is_some_and(|v| v != "0" && v != "1") {
                return Err(ValidationError::new(field, "must be \"0\" or \"1\""));
            }
        }
        Ok(())
    }
}

impl From<Body> for Message {
    fn from(body: Body) -> Message {
        Message { body, at: None }
    }
}

/// Fails unless `value` is an `http://` or `https://` URL (DingTalk also takes `dingtalk://`
/// links in buttons; those are accepted too).
fn http_url(field: &str, value: &str) -> Result<(), ValidationError> {
    required(field, value)?;
    if !["http://", "https://", "dingtalk://"].iter().any(|scheme| value.starts_with(scheme)) {
        return Err(ValidationError::new(field, "must be an http://, https:// or dingtalk:// URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
