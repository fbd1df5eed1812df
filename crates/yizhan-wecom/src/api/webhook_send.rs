//! `POST /cgi-bin/webhook/send?key=KEY` — a group robot posts a message to its group.
//!
//! Source: WeCom docs: 群机器人配置说明. No access token: the `key` in the query string is the only
//! credential. The body is a [`RobotMessage`](crate::robot::RobotMessage) (`msgtype` and its
//! object); success answers `{"errcode":0,"errmsg":"ok"}` with no message id.

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/webhook/send";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;

/// A successful answer has no fields beyond `errcode` and `errmsg`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Response {}
