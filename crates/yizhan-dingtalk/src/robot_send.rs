//! `POST /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]`: a custom robot posts a
//! message to its group.
//!
//! Source: open.dingtalk.com, 自定义机器人发送群消息. The body is a
//! [`Message`](crate::message::Message); every answer is HTTP 200 with
//! `{"errcode": …, "errmsg": …}`, and only `errcode == 0` means delivered.

use serde::Deserialize;

/// The endpoint path.
pub const PATH: &str = "/robot/send";

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Response {
    /// 0 when delivered.
    pub errcode: i64,
    /// `ok`, or what went wrong.
    #[serde(default)]
    pub errmsg: String,
}
