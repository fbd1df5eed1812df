//! `POST /cgi-bin/message/send?access_token=TOKEN` — send an application message.
//!
//! Source: WeCom docs: 发送应用消息. The body carries the recipients (`touser`/`toparty`/`totag`,
//! `|`-joined), the `agentid`, `msgtype` with its payload object, and optional flags. Optional
//! fields are omitted when unset, never sent as defaults.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::recipients::{Recipients, split_ids};
use crate::validate::ValidationError;

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/message/send";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;

/// Maximum `duplicate_check_interval`, in seconds (4 h).
pub const MAX_DUPLICATE_CHECK_INTERVAL: u32 = 14_400;

/// The request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// User ids joined by `|` (≤1000), or `@all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touser: Option<String>,
    /// Department ids joined by `|` (≤100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toparty: Option<String>,
    /// Tag ids joined by `|` (≤100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totag: Option<String>,
    /// The application's agent id.
    pub agentid: i64,
    /// `msgtype` and its payload object.
    #[serde(flatten)]
    pub message: Message,
    /// 0 shareable, 1 not shareable with watermark, 2 share inside the corp (mpnews only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe: Option<u8>,
    /// 1 to translate `$userName=...$`-style ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_id_trans: Option<u8>,
    /// 1 to have WeCom drop an identical request within `duplicate_check_interval`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_duplicate_check: Option<u8>,
    /// Seconds, default 1800 at WeCom, at most 14400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_check_interval: Option<u32>,
}

impl Request {
    /// A request to `recipients` with no optional flag set.
    pub fn new(agentid: i64, recipients: &Recipients, message: Message) -> Self {
        let (touser, toparty, totag) = recipients.to_wire();
        Request {
            touser,
            toparty,
            totag,
            agentid,
            message,
            safe: None,
            enable_id_trans: None,
            enable_duplicate_check: None,
            duplicate_check_interval: None,
        }
    }

    /// True when WeCom will drop an identical resend, so an ambiguous failure may be retried.
    pub fn is_deduplicated(&self) -> bool {
        self.enable_duplicate_check == Some(1)
    }

    /// Checks everything WeCom would reject or mangle: recipient counts, flags, and the payload.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let users = split_ids(self.touser.as_deref());
        let parties = split_ids(self.toparty.as_deref());
        let tags = split_ids(self.totag.as_deref());
        Recipients { users, parties, tags }.validate()?;
        let msgtype = self.message.msgtype();
        match (self.safe, msgtype) {
            (None | Some(0), _) => {}
            (Some(1), "text" | "image" | "video" | "file" | "mpnews") => {}
            (Some(2), "mpnews") => {}
            (Some(s @ (1 | 2)), t) => {
                return Err(ValidationError::new(
                    "safe",
                    format_args!(
                        "{s} is not valid for msgtype {t}: 1 applies to text, image, video, file and mpnews; 2 to mpnews only"
                    ),
                ));
            }
            (Some(s), _) => return Err(ValidationError::new("safe", format_args!("is {s}; it must be 0, 1 or 2"))),
        }
        for (field, value) in
            [("enable_id_trans", self.enable_id_trans), ("enable_duplicate_check", self.enable_duplicate_check)]
        {
            if let Some(v) = value.filter(|v| *v > 1) {
                return Err(ValidationError::new(field, format_args!("is {v}; it must be 0 or 1")));
            }
        }
        if let Some(interval) = self.duplicate_check_interval.filter(|i| *i == 0 || *i > MAX_DUPLICATE_CHECK_INTERVAL) {
            return Err(ValidationError::new(
                "duplicate_check_interval",
                format_args!("is {interval} s; it must be 1 to {MAX_DUPLICATE_CHECK_INTERVAL} s (4 h)"),
            ));
        }
        if self.agentid <= 0 {
            return Err(ValidationError::new("agentid", "must be a positive application id"));
        }
        self.message.validate()
    }
}

/// Successful message/send fields (also present on 81013).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// `|`-joined invalid user ids, lower-cased by WeCom.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub invaliduser: String,
    /// `|`-joined invalid department ids.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub invalidparty: String,
    /// `|`-joined invalid tag ids.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub invalidtag: String,
    /// `|`-joined users in the visible range without a licence.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unlicenseduser: String,
    /// The message id, for recall.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub msgid: String,
    /// For interactive template cards: single-use code for update_template_card (72 h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_code: Option<String>,
}

/// The outcome of a send, with the `|`-joined lists split, trimmed and lower-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The message id, for recall; empty if WeCom sent none.
    pub msgid: String,
    /// Code for `update_template_card`, for interactive cards.
    pub response_code: Option<String>,
    /// Users WeCom did not deliver to (unknown or outside the visible range).
    pub invalid_users: Vec<String>,
    /// Departments WeCom rejected.
    pub invalid_parties: Vec<String>,
    /// Tags WeCom rejected.
    pub invalid_tags: Vec<String>,
    /// Users without a licence.
    pub unlicensed_users: Vec<String>,
}

impl Receipt {
    /// True when some recipient was rejected or unlicensed.
    pub fn has_rejections(&self) -> bool {
        !(self.invalid_users.is_empty()
            && self.invalid_parties.is_empty()
            && self.invalid_tags.is_empty()
            && self.unlicensed_users.is_empty())
    }
}

fn lower_list(raw: &str) -> Vec<String> {
    split_ids(Some(raw)).into_iter().map(|s| s.to_lowercase()).collect()
}

impl From<Response> for Receipt {
    fn from(r: Response) -> Self {
        Receipt {
            msgid: r.msgid,
            response_code: r.response_code.filter(|c| !c.is_empty()),
            invalid_users: lower_list(&r.invaliduser),
            invalid_parties: lower_list(&r.invalidparty),
            invalid_tags: lower_list(&r.invalidtag),
            unlicensed_users: lower_list(&r.unlicenseduser),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_splits_trims_and_lowercases() {
        let r: Response = serde_json::from_str(
            r#"{"invaliduser":"Alice| bob ||","invalidparty":"","invalidtag":"7","msgid":"m1","response_code":""}"#,
        )
        .unwrap();
        let receipt = Receipt::from(r);
        assert_eq!(receipt.invalid_users, vec!["alice", "bob"]);
        assert!(receipt.invalid_parties.is_empty());
        assert_eq!(receipt.invalid_tags, vec!["7"]);
        assert_eq!(receipt.response_code, None);
        assert!(receipt.has_rejections());
    }
}
