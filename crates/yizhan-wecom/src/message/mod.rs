//! Application message payloads: one variant per `msgtype`.
//!
//! PLACEHOLDER: being completed (all msgtypes, validation).

use serde::{Deserialize, Serialize};

use crate::validate::{self, ValidationError};

/// A message payload, serialized as `"msgtype": "<type>", "<type>": {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "msgtype", rename_all = "snake_case")]
pub enum Message {
    /// Plain text.
    Text {
        /// The payload.
        text: Text,
    },
    /// Markdown subset.
    Markdown {
        /// The payload.
        markdown: Markdown,
    },
}

/// `text`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    /// Content, ≤2048 bytes.
    pub content: String,
}

/// `markdown`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Markdown {
    /// Content, ≤2048 bytes.
    pub content: String,
}

impl Message {
    /// The `msgtype` string.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Message::Text { .. } => "text",
            Message::Markdown { .. } => "markdown",
        }
    }

    /// Checks required fields and limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Message::Text { text } => validate::max_bytes("text.content", &text.content, 2048),
            Message::Markdown { markdown } => validate::max_bytes("markdown.content", &markdown.content, 2048),
        }
    }

    /// True when WeCom returns a `response_code` for this message.
    pub fn expects_response_code(&self) -> bool {
        false
    }
}
