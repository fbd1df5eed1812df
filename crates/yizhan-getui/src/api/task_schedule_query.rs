//! `GET /task/schedule/{taskid}` — the state of a scheduled task (Getui REST v2 docs: task API).
//!
//! Java SDK 1.0.7.0+ reads `send_result` (`send_success`, `do_not_send`, `send_failed`,
//! `has_delete`); older docs show `status` (`success`, `failed`). Both are accepted and kept;
//! [`ScheduledTask::result`] returns whichever is present. Times may be strings or numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Method, de, ser};
use crate::status::string_enum;

/// The endpoint path.
pub const PATH: &str = "/task/schedule/{taskid}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

string_enum! {
    /// The state of a scheduled task, current and legacy vocabularies.
    pub enum SendResult {
        /// `send_success`: sent.
        SendSuccess => "send_success",
        /// `do_not_send`: not sent yet.
        DoNotSend => "do_not_send",
        /// `send_failed`: sending failed.
        SendFailed => "send_failed",
        /// `has_delete`: the schedule was deleted.
        HasDelete => "has_delete",
        /// Legacy `status: success`.
        Success => "success",
        /// Legacy `status: failed`.
        Failed => "failed",
    }
}

/// One scheduled task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledTask {
    /// Creation time, ms since the epoch.
    #[serde(
        default,
        deserialize_with = "de::opt_i64_lenient",
        serialize_with = "ser::opt_i64_as_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<i64>,
    /// The state (current servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_result: Option<SendResult>,
    /// The state (older servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SendResult>,
    /// The message content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transmission_content: Option<String>,
    /// Scheduled send time, ms since the epoch.
    #[serde(
        default,
        deserialize_with = "de::opt_i64_lenient",
        serialize_with = "ser::opt_i64_as_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub push_time: Option<i64>,
}

impl ScheduledTask {
    /// `send_result`, or else the legacy `status`.
    pub fn result(&self) -> Option<&SendResult> {
        self.send_result.as_ref().or(self.status.as_ref())
    }
}

/// The `data`: `{taskid: task}`.
pub type Response = BTreeMap<String, ScheduledTask>;
