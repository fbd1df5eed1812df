//! A typed async client for Feishu (飞书) and Lark custom group bots (自定义机器人): one webhook
//! per bot, `POST /open-apis/bot/v2/hook/<hook_id>`, with the optional signature check
//! (`docs/dingtalk-feishu.md`, "Feishu and Lark custom bot"). Feishu and Lark differ only in
//! the host: [`DEFAULT_BASE_URL`] or [`LARK_BASE_URL`].
//!
//! | module | holds |
//! |---|---|
//! | [`message`] | the five message types (`text`, `post`, `image`, `share_chat`, `interactive`), validated before sending |
//! | [`sign`] | the signature: timestamp in seconds, HMAC-SHA256 keyed by `timestamp + "\n" + secret` over nothing, Base64, in the body |
//! | [`bot_hook`] | the one endpoint: its path and answer |
//! | [`errcode`] | the ONE classification table of Feishu codes |
//! | [`client`] | [`FeishuClient`]: posts prepared bodies, signs each request |
//!
//! The hook id and the secret are [`secrecy::SecretString`]s: they never show up in `Debug`,
//! in errors or in logs.
//!
//! ```
//! use yizhan_feishu::{FeishuClient, Message};
//!
//! let body = FeishuClient::prepare(&Message::text("deploy done")).unwrap();
//! assert_eq!(&body[..], br#"{"msg_type":"text","content":{"text":"deploy done"}}"#);
//! ```

pub mod bot_hook;
pub mod client;
pub mod errcode;
mod error;
pub mod message;
pub mod sign;

pub use client::{FeishuClient, FeishuClientBuilder};
pub use error::Error;
pub use message::Message;
pub use yizhan_core::validate::ValidationError;

/// The real Feishu server.
pub const DEFAULT_BASE_URL: &str = "https://open.feishu.cn";
/// The real Lark server.
pub const LARK_BASE_URL: &str = "https://open.larksuite.com";

/// The largest body the bots accept, in bytes ("20 KB"; whether 1000 or 1024 is unconfirmed,
/// so the smaller).
pub const MAX_BODY_BYTES: usize = 20_000;
