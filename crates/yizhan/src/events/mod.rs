//! Delivery events out of the gateway (docs/events.md): the durable event log lives in the store
//! (`yizhan_store::Store::events_after`, written in the transaction of each state change); this
//! module reads it.
//!
//! * [`hub`]: one reader of the log per process, fanning new events out to live subscribers
//!   (the `GET /v1/events` streams) through bounded buffers; a subscriber that falls behind is
//!   cut off and told where to resume, so a slow reader never holds anything up.
//! * [`payload`]: the JSON an event is shown as (Standard Webhooks shape), the same on the
//!   stream and in webhooks.

pub mod hub;
pub mod payload;

pub use hub::{EventHub, Subscription};
