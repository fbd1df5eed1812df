//! `appchat/create`, `appchat/update`, `appchat/get` and `appchat/send` — group chats owned by
//! an application (WeCom docs: 应用推送消息到群聊会话). Self-built apps only, and the app's visible
//! range must be the root department.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::validate::{self, ValidationError};

/// `POST` path of create.
pub const CREATE_PATH: &str = "/cgi-bin/appchat/create";
/// `POST` path of update.
pub const UPDATE_PATH: &str = "/cgi-bin/appchat/update";
/// `GET` path of get (`?chatid=`).
pub const GET_PATH: &str = "/cgi-bin/appchat/get";
/// `POST` path of send.
pub const SEND_PATH: &str = "/cgi-bin/appchat/send";
/// Members a chat may have.
pub const MEMBERS: (usize, usize) = (2, 2000);

/// `appchat/create` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateRequest {
    /// Chat name, ≤50 characters (WeCom cuts longer names; yizhan refuses them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Owner userid; WeCom picks a member when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// 2–2000 member userids.
    pub userlist: Vec<String>,
    /// ≤32 of `[0-9a-zA-Z]`; WeCom generates one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chatid: Option<String>,
}

/// `appchat/create` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateResponse {
    /// The chat id.
    #[serde(default)]
    pub chatid: String,
}

/// `appchat/update` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRequest {
    /// The chat.
    pub chatid: String,
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Members to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_user_list: Vec<String>,
    /// Members to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub del_user_list: Vec<String>,
}

/// `appchat/get` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetResponse {
    /// The chat.
    #[serde(default)]
    pub chat_info: ChatInfo,
}

/// A chat as `appchat/get` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatInfo {
    /// The chat id.
    #[serde(default)]
    pub chatid: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Owner userid.
    #[serde(default)]
    pub owner: String,
    /// Member userids.
    #[serde(default)]
    pub userlist: Vec<String>,
    /// 0 normal, 1 course group.
    #[serde(default)]
    pub chat_type: i64,
}

/// `appchat/send` body: a message/send payload without recipients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    /// The chat.
    pub chatid: String,
    /// `msgtype` and its object; not `template_card` or `miniprogram_notice`.
    #[serde(flatten)]
    pub message: Message,
    /// 1: not shareable, watermarked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe: Option<u8>,
}

fn check_chatid(value: &str) -> Result<(), ValidationError> {
    if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ValidationError::new("chatid", format_args!("{value:?} must be 1-32 letters or digits")));
    }
    Ok(())
}

impl CreateRequest {
    /// Checks member count, name length and chatid syntax.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::count("userlist", self.userlist.len(), MEMBERS.0, MEMBERS.1)?;
        if let Some(name) = &self.name {
            validate::max_chars("name", name, 50)?;
        }
        if let Some(owner) = self.owner.as_ref().filter(|o| !self.userlist.contains(o)) {
            return Err(ValidationError::new("owner", format_args!("{owner:?} is not in userlist")));
        }
        self.chatid.as_deref().map_or(Ok(()), check_chatid)
    }
}

impl UpdateRequest {
    /// Checks the chatid and the name length.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_chatid(&self.chatid)?;
        self.name.as_deref().map_or(Ok(()), |n| validate::max_chars("name", n, 50))
    }
}

impl SendRequest {
    /// Checks the chatid, the message type and the payload.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_chatid(&self.chatid)?;
        if matches!(self.message.msgtype(), "template_card" | "miniprogram_notice") {
            return Err(ValidationError::new(
                "msgtype",
                format_args!("{} cannot be sent to an appchat", self.message.msgtype()),
            ));
        }
        if let Some(safe) = self.safe.filter(|s| *s > 1) {
            return Err(ValidationError::new("safe", format_args!("is {safe}; appchat accepts 0 or 1")));
        }
        self.message.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        let mut create = CreateRequest { userlist: vec!["a".into()], ..Default::default() };
        assert_eq!(create.validate().unwrap_err().field, "userlist");
        create.userlist.push("b".into());
        assert!(create.validate().is_ok());
        create.chatid = Some("bad-id".into());
        assert_eq!(create.validate().unwrap_err().field, "chatid");
        create.chatid = None;
        create.owner = Some("z".into());
        assert_eq!(create.validate().unwrap_err().field, "owner");
        let send = SendRequest { chatid: "c1".into(), message: Message::text("hi"), safe: None };
        assert!(send.validate().is_ok());
        let body = serde_json::to_value(&send).unwrap();
        assert_eq!(body, serde_json::json!({"chatid": "c1", "msgtype": "text", "text": {"content": "hi"}}));
    }
}
