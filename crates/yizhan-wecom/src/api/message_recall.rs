//! `POST /cgi-bin/message/recall?access_token=TOKEN` — recall a message sent in the last 24 h.
//!
//! Source: WeCom docs: 撤回应用消息. Only the WeCom-client copy is recalled, not the WeChat-plugin
//! copy.

use serde::{Deserialize, Serialize};

use crate::validate::{self, ValidationError};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/message/recall";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The msgid message/send returned.
    pub msgid: String,
}

impl Request {
    /// Checks that the msgid is present.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::required("msgid", &self.msgid)
    }
}

/// recall answers only `errcode` and `errmsg`.
pub type Response = super::Empty;
