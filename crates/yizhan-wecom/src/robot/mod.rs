//! Group robots (群机器人, now "消息推送"): post to one WeCom group through a webhook key
//! (WeCom docs: 群机器人配置说明). No access token: the key is the only credential and is treated
//! as a secret — it never appears in `Debug`, in errors or in logs.
//!
//! | endpoint | method | status |
//! |---|---|---|
//! | `POST /cgi-bin/webhook/send?key=` | [`RobotClient::send`] | all eight msgtypes, validated |
//! | `POST /cgi-bin/webhook/upload_media?key=&type=` | [`RobotClient::upload_media`] | `file` and `voice` |
//!
//! | msgtype | constructor | limit checked before sending |
//! |---|---|---|
//! | `text` | [`RobotMessage::text`], [`RobotText`] with mentions | content ≤2048 bytes; mentions are user ids, mobiles or `@all` |
//! | `markdown` | [`RobotMessage::markdown`] | content ≤4096 bytes (over → error, never split here) |
//! | `markdown_v2` | [`RobotMessage::markdown_v2`] | content ≤4096 bytes |
//! | `image` | [`RobotMessage::image_from_bytes`] | raw ≤2 MB; md5 matches the decoded bytes |
//! | `news` | [`RobotMessage::news`] of [`RobotArticle`] | 1–8 articles; title ≤128, description ≤512 bytes; http(s) url |
//! | `file` / `voice` | [`RobotMessage::file`] / [`RobotMessage::voice`] | media_id required |
//! | `template_card` | [`RobotMessage::template_card`] | `text_notice` or `news_notice`, no `action_menu`/`task_id` |
//!
//! **Rate limit.** WeCom accepts 20 messages per minute per robot and answers 45009 beyond. The
//! client keeps its own record of sends (stamped by the injectable [`yizhan_core::Clock`]) and by
//! default refuses the 21st send within a minute *before* sending, as `RateLimited { retry_after }`
//! with the time until the oldest send leaves the window. A 45009 from WeCom (e.g. another
//! process shares the key) gives `RateLimited` with the rest of the window by the same record
//! and blocks the robot until then. See [`RobotClientBuilder::local_rate_limit`].
//!
//! **Errors.** 93000 (invalid webhook URL / robot removed), 93004 (disabled) and 93008 (not in the
//! group) are `Permanent`; -1 and 45033 are retried when the message cannot have been delivered;
//! there is no token to refresh ([`crate::errcode::classify_webhook`]).
//!
//! ```
//! use yizhan_wecom::robot::{RobotArticle, RobotMessage, RobotText};
//!
//! let text: RobotMessage = RobotText::new("deploy done").mention(["@all"]).into();
//! assert!(text.validate().is_ok());
//! let image = RobotMessage::image_from_bytes(b"\x89PNG\r\n\x1a\n...");
//! assert_eq!(image.msgtype(), "image");
//! let e = RobotMessage::markdown("x".repeat(4097)).validate().unwrap_err();
//! assert_eq!(e.to_string(), "markdown.content: is 4097 bytes; the limit is 4096 bytes (UTF-8)");
//! assert!(RobotMessage::news([RobotArticle::new("Release 1.2", "https://example.com/1.2")]).validate().is_ok());
//! ```

mod client;
mod limiter;
pub mod limits;
mod message;
mod upload;
mod validate;

#[cfg(test)]
mod tests;

pub use client::{RobotClient, RobotClientBuilder};
pub use message::{RobotArticle, RobotImage, RobotMessage, RobotNews, RobotText};
pub use upload::MediaKind;
