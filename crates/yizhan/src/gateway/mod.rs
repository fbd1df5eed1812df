//! The gateway's request model and its translation into provider dispatches — pure code, no
//! HTTP server and no store.
//!
//! * [`model`]: the v1 API JSON types (`POST /v1/messages`), with OpenAPI schemas.
//! * [`plan()`]: validates a [`MessageRequest`] for its channel and produces a [`Plan`]: when to
//!   send, and one [`PlannedDispatch`] per provider call with its exact JSON body.
//! * [`fit`] and [`overflow`]: text over the provider's byte limit is split, truncated or
//!   refused per `options.overflow`.
//! * [`ApiError`]: the `{code, message, field?}` error body and its stable codes.
//!
//! ```
//! use yizhan::gateway::{MessageRequest, plan};
//! # let config = yizhan::config::Config::parse(
//! #     "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 1000002\nsecret = \"s\"\n",
//! #     "doc", &Default::default()).unwrap();
//! let request: MessageRequest = serde_json::from_str(
//!     r#"{"channel": "ops", "to": {"users": ["alice", "bob"]}, "content": {"markdown": "**disk** full"}}"#,
//! ).unwrap();
//! let plan = plan(&request, config.channel("ops").unwrap(), 1_795_395_600_000).unwrap();
//! assert_eq!(plan.dispatches.len(), 1);
//! assert_eq!(plan.dispatches[0].endpoint, "wecom.message_send");
//! assert_eq!(plan.dispatches[0].recipients, ["user:alice", "user:bob"]);
//! ```

pub mod coalesce;
pub mod error;
pub mod fit;
pub mod model;
pub mod overflow;
pub mod peak;
pub(crate) mod plan;
pub mod time;

#[cfg(test)]
mod tests;

pub use crate::providers::endpoint;
pub use error::ApiError;
pub use model::{Content, MessageRequest, Options, Overflow, To};
pub use plan::{Plan, PlannedDispatch, Planning, plan, plan_for};
