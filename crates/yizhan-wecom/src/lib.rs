//! Typed async client for WeCom (企业微信) application messages.
//!
//! | endpoint | module | status |
//! |---|---|---|
//! | `GET /cgi-bin/gettoken` | [`api::gettoken`] | complete: cached per application, refreshed ahead, single-flight |
//! | `POST /cgi-bin/message/send` | [`api::message_send`] | complete: every msgtype and template card type, validated |
//! | callback URL (WeCom → app): `GET` verification, `POST` messages/events | [`callback`] | complete: AES-256-CBC + SHA1 signature, XML and JSON bodies, text and template-card events typed, encrypted passive replies (`text`, `update_button`, `update_template_card`) |
//!
//! ```no_run
//! # async fn demo() -> Result<(), yizhan_wecom::Error> {
//! use yizhan_wecom::{Message, Recipients, WecomClient};
//!
//! let client = WecomClient::builder("wwyizhandemo", 1000002, "secret".to_owned().into())
//!     .base_url("http://127.0.0.1:9400") // the emulator; omit for the real WeCom
//!     .build()?;
//! let receipt = client.send_message(&Recipients::users(["alice", "bob"]), Message::text("disk full")).await?;
//! println!("msgid {} invalid {:?}", receipt.msgid, receipt.invalid_users);
//! # Ok(()) }
//! ```
//!
//! Errors are classified once, in [`errcode`]: token errors (40014, 42001, 41001, and 40001 off
//! gettoken) drop the failed token, refresh and retry once; -1 and 45033 are retried with
//! back-off; 45009 is `RateLimited`; a read timeout after the body was written is ambiguous and
//! only retried when the request enables duplicate check.

pub mod api;
pub mod callback;
mod client;
pub mod errcode;
mod error;
pub mod message;
pub mod recipients;
pub mod validate;

pub use api::message_send::{Receipt, Request as SendRequest};
pub use client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_REFRESH_MARGIN, DEFAULT_TIMEOUT,
    PreparedSend, WecomClient, WecomClientBuilder,
};
pub use error::Error;
pub use message::Message;
pub use recipients::Recipients;
pub use yizhan_core::token::AccessToken;
pub use yizhan_core::{FailureKind, SendError};
