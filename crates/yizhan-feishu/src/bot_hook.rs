//! `POST /open-apis/bot/v2/hook/<hook_id>`: a custom bot posts a message to its group.
//!
//! Source: open.feishu.cn, 自定义机器人使用指南 (the same for Lark at open.larksuite.com). The
//! body is a [`Message`](crate::message::Message), plus `timestamp` and `sign` when the bot
//! checks signatures. Answers are HTTP 200 for business errors too: success is `code == 0`,
//! or, with no `code`, the legacy `StatusCode == 0`.

use serde::Deserialize;

/// The path before the hook id.
pub const PATH: &str = "/open-apis/bot/v2/hook/";

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Response {
    /// 0 when delivered.
    #[serde(default)]
    pub code: Option<i64>,
    /// `success`, or what went wrong.
    #[serde(default)]
    pub msg: String,
    /// The legacy result code, kept by Feishu for old clients.
    #[serde(default, rename = "StatusCode")]
    pub status_code: Option<i64>,
    /// The legacy result text.
    #[serde(default, rename = "StatusMessage")]
    pub status_message: String,
}

impl Response {
    /// The answer's code: `code`, else the legacy `StatusCode`; `None` when it has neither.
    pub fn result(&self) -> Option<i64> {
        self.code.or(self.status_code)
    }

    /// The answer's text: `msg`, else the legacy `StatusMessage`.
    pub fn text(&self) -> &str {
        if self.msg.is_empty() { &self.status_message } else { &self.msg }
    }
}
