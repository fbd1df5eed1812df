//! `GET /cgi-bin/user/list?access_token=TOKEN&department_id=ID` — the members of one department
//! with their details (docs/wecom-client.md, "Directory"). WeCom leaves `email` and `mobile`
//! out for applications created after 2022-06-20, so both are optional.

use serde::{Deserialize, Serialize};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/user/list";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Get;

/// One member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The userid (what `message/send` takes in `touser`).
    #[serde(default)]
    pub userid: String,
    /// The display name.
    #[serde(default)]
    pub name: String,
    /// The departments the member is in.
    #[serde(default)]
    pub department: Vec<i64>,
    /// The email address, when WeCom returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The corporate mailbox (企业邮箱), when WeCom returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_mail: Option<String>,
}

/// The answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The members.
    #[serde(default)]
    pub userlist: Vec<Member>,
}
