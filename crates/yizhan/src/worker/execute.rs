//! Sends one dispatch — an endpoint name and the exact provider body persisted at accept time —
//! through the channel's client, and turns the answer into per-recipient outcomes or a classified
//! failure. The body is sent as persisted, so a retry is recognised by the provider's dedupe
//! (`enable_duplicate_check` at WeCom, `request_id` at Getui). What each provider does is in its
//! folder under [`crate::providers`]; this module is the worker's name for that boundary.

pub use crate::channels::AnyClient;
pub use crate::gateway::endpoint::*;
pub use crate::providers::{Delivered, Failed, Handles, RecipientOutcome, execute};
