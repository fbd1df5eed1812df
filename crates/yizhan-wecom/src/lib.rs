//! Typed async client for WeCom (企业微信) application messages.
//!
//! | endpoint | module | what it covers |
//! |---|---|---|
//! | `GET /cgi-bin/gettoken` | [`api::gettoken`] | cached per application, refreshed ahead, single-flight |
//! | `POST /cgi-bin/message/send` | [`api::message_send`] | every msgtype and template card type, validated |
//! | `POST /cgi-bin/message/recall` | [`api::message_recall`] | [`WecomClient::recall`] |
//! | `POST /cgi-bin/message/update_template_card` | [`api::update_template_card`] | button and whole-card modes |
//! | `POST /cgi-bin/message/get_statistics` | [`api::message_statistics`] | [`WecomClient::statistics`] |
//! | `appchat/create`, `update`, `get`, `send` | [`api::appchat`] | [`WecomClient::create_chat`], [`WecomClient::get_chat`], … |
//! | `POST /cgi-bin/webhook/send` | [`api::webhook_send`], [`robot`] | group robots, all eight msgtypes, 20/min limiter |
//! | `POST /cgi-bin/webhook/upload_media` | [`api::webhook_upload_media`], [`robot`] | `file` and `voice` |
//! | `POST /cgi-bin/media/upload` | [`api::media_upload`] | multipart, limits checked first, [`MediaCache`] reuse, sources from a path, bytes or a guarded URL download ([`media`]) |
//! | `POST /cgi-bin/media/uploadimg` | [`api::media_uploadimg`] | limits checked first, returns the permanent URL |
//! | callback URL (WeCom → app): `GET` verification, `POST` messages/events | [`callback`] | AES-256-CBC + SHA1 signature, XML and JSON bodies, text and template-card events typed, encrypted passive replies (`text`, `update_button`, `update_template_card`) |
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
pub mod media;
mod media_cache;
pub mod message;
mod ops;
pub mod recipients;
pub mod robot;
mod transport;
pub mod validate;

pub use api::media_upload::MediaType;
pub use api::message_send::{Receipt, Request as SendRequest};
pub use client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_REFRESH_MARGIN, DEFAULT_TIMEOUT,
    DEFAULT_UPLOAD_TIMEOUT, PreparedSend, WecomClient, WecomClientBuilder,
};
pub use error::Error;
pub use media::download::{DEFAULT_DOWNLOAD_TIMEOUT, MAX_REDIRECTS};
pub use media::{MediaFile, MediaSource};
pub use media_cache::{CacheKey, DEFAULT_MEDIA_TTL, MediaCache};
pub use message::Message;
pub use recipients::Recipients;
pub use robot::{RobotClient, RobotMessage};
pub use yizhan_core::token::AccessToken;
pub use yizhan_core::{FailureKind, SendError};
