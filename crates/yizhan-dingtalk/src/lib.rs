//! A typed async client for DingTalk (钉钉) custom group robots (自定义机器人): one webhook per
//! robot, `POST /robot/send?access_token=…`, with the optional 加签 signature
//! (`docs/dingtalk-feishu.md`, "DingTalk custom robot").
//!
//! | module | holds |
//! |---|---|
//! | [`message`] | the five message types (`text`, `markdown`, `link`, `actionCard`, `feedCard`) and `at`, validated before sending |
//! | [`sign`] | the webhook signature: timestamp in ms, HMAC-SHA256 keyed by the secret, Base64, URL-encoded once |
//! | [`robot_send`] | the one endpoint: its path and answer |
//! | [`errcode`] | the ONE classification table of DingTalk errcodes |
//! | [`client`] | [`DingtalkClient`]: posts prepared bodies, signs each request |
//!
//! The access token and the secret are [`secrecy::SecretString`]s: they never show up in
//! `Debug`, in errors or in logs.
//!
//! ```
//! use yizhan_dingtalk::message::{At, Message};
//!
//! let message = Message::text("deploy done @13800000000").with_at(At::mobiles(["13800000000"]));
//! let body = yizhan_dingtalk::DingtalkClient::prepare(&message).unwrap();
//! assert_eq!(
//!     &body[..],
//!     br#"{"msgtype":"text","text":{"content":"deploy done @13800000000"},"at":{"atMobiles":["13800000000"],"atUserIds":[],"isAtAll":false}}"#
//! );
//! ```

pub mod client;
pub mod errcode;
mod error;
pub mod message;
pub mod robot_send;
pub mod sign;

pub use client::{DingtalkClient, DingtalkClientBuilder};
pub use error::Error;
pub use message::Message;
pub use yizhan_core::validate::ValidationError;

/// The real DingTalk server.
pub const DEFAULT_BASE_URL: &str = "https://oapi.dingtalk.com";

/// The largest body DingTalk accepts, in bytes (460101 beyond).
pub const MAX_BODY_BYTES: usize = 20_000;
