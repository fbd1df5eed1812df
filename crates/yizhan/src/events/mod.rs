//! Delivery events out of the gateway (docs/events.md): the durable event log lives in the store
//! (`yizhan_store::Store::events_after`, written in the transaction of each state change); this
//! module reads it.
//!
//! * [`hub`]: one reader of the log per process, fanning new events out to live subscribers
//!   (the `GET /v1/events` streams) through bounded buffers; a subscriber that falls behind is
//!   cut off and told where to resume, so a slow reader never holds anything up.
//! * [`payload`]: the JSON an event is shown as (Standard Webhooks shape), the same on the
//!   stream and in webhooks.
//! * Webhooks: [`subscription`] (what a subscription asks for, checked), [`signature`]
//!   (Standard Webhooks signing), [`outbound`] (the guarded, bounded POST), [`deliver`] (the
//!   durable per-subscription queues: feeding, ordered sending, retries) and
//!   [`webhook_metrics`].

pub mod deliver;
pub mod hub;
pub mod outbound;
pub mod payload;
pub mod signature;
pub mod subscription;
pub mod webhook_metrics;

pub use deliver::Deliverer;
pub use hub::{EventHub, Subscription};
pub use webhook_metrics::WebhookMetrics;
