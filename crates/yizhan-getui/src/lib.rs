//! Typed async client for Getui (个推) push REST API v2.
//!
//! | area | endpoints | client methods |
//! |---|---|---|
//! | auth | `POST /auth`, `DELETE /auth/{token}` | [`GetuiClient::access_token`], [`GetuiClient::revoke_token`] |
//! | single push | `/push/single/cid`, `/alias`, `/batch/cid`, `/batch/alias` | `push_single_*` |
//! | list push | `/push/list/message`, `/push/list/cid`, `/push/list/alias` | [`GetuiClient::push_to_cids`], [`GetuiClient::push_to_aliases`] (chunks of 1000, one taskid) |
//! | app push | `/push/all`, `/push/tag`, `/push/fast_custom_tag` | `push_all`, `push_tag`, `push_fast_custom_tag` |
//! | tasks | `DELETE /task/{id}`, `/task/schedule/{id}`, `/task/detail/{cid}/{id}` | `stop_task`, `scheduled_task`, `delete_scheduled_task`, `task_detail` |
//! | users | aliases, custom tags, status | `bind_aliases`, `alias_of_cid`, `cids_of_alias`, `set_custom_tags`, `user_status`, … |
//! | reports | `/report/push/task/{ids}`, `/report/push/date/{date}` | `task_report`, `daily_report` |
//!
//! The token is fetched once for any number of concurrent callers and refreshed an hour before
//! its `expire_time` (an absolute epoch-ms time, string or number). Code 10001 (HTTP 401)
//! re-authenticates and retries once with the same body, so the same `request_id`; 301 switches
//! to the domains it carries; transport failures rotate through the configured base URLs; code 2
//! and 30019 are retried with back-off; quota codes are `RateLimited` until the next minute or
//! the next day (UTC+8). Every classification is in [`errcode`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), yizhan_getui::Error> {
//! use yizhan_getui::GetuiClient;
//! use yizhan_getui::api::push_single_cid;
//! use yizhan_getui::push::{ClickType, Notification, PushMessage};
//!
//! let client = GetuiClient::builder("yizhandemo", "yizhan-demo-appkey", "yizhan-demo-master".to_owned().into())
//!     .base_url("http://127.0.0.1:9400")
//!     .build()?;
//! let message = PushMessage::notification(Notification::new("Disk full", "db-3 at 98%", ClickType::Startapp));
//! let results = client.push_single_cid(&push_single_cid::Request::new("cid-alice", message)).await?;
//! println!("{results:?}");
//! # Ok(()) }
//! ```

pub mod api;
mod client;
pub mod errcode;
mod error;
mod ops;
pub mod path;
pub mod push;
pub mod status;
pub mod validate;

pub use client::{
    DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_REFRESH_MARGIN, DEFAULT_TIMEOUT,
    GetuiClient, GetuiClientBuilder,
};
pub use error::Error;
pub use ops::ListPush;
pub use yizhan_core::{FailureKind, SendError};
