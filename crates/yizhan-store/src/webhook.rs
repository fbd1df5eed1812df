//! Webhook subscriptions and their delivery queues (`webhooks`, `webhook_deliveries`,
//! `webhook_attempts`; docs/events.md, "Webhooks").
//!
//! A subscription has a cursor in the event log ([`WebhookRecord::after_pos`]). Its feeder reads
//! the published events after the cursor and queues a delivery for each event that matches, in
//! the same transaction that moves the cursor ([`crate::Store::queue_webhook_events`]), so no
//! event is skipped and none is queued twice, whichever instance feeds it. Deliveries are
//! claimed under a lease; a delivery is not claimable while an earlier delivery of the same
//! subscription about the same message is unfinished, so a receiver sees a message's events in
//! order.

use std::fmt;

/// Where a subscription comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookSource {
    /// A `[[webhooks]]` entry of the configuration (kept in step with it at start).
    Config,
    /// A channel's `callback.forward_url` (kept in step with it at start).
    ForwardUrl,
    /// Created through `POST /v1/webhooks`.
    Api,
}

impl WebhookSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookSource::Config => "config",
            WebhookSource::ForwardUrl => "forward_url",
            WebhookSource::Api => "api",
        }
    }

    /// The source named `s`.
    pub fn parse(s: &str) -> Option<WebhookSource> {
        match s {
            "config" => Some(WebhookSource::Config),
            "forward_url" => Some(WebhookSource::ForwardUrl),
            "api" => Some(WebhookSource::Api),
            _ => None,
        }
    }
}

/// A subscription, as stored. Its `Debug` output hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// Its id (`wh_…` for API subscriptions, the configured name otherwise).
    pub id: String,
    /// A label.
    pub name: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Event type patterns: a type, `prefix.*` or `*`.
    pub event_types: Vec<String>,
    /// Only events of these channels; empty means every channel.
    pub channels: Vec<String>,
    /// The signing secret, `whsec_` + Base64 (never logged).
    pub secret: String,
    /// Whether the URL may resolve to a private or loopback address.
    pub allow_private_urls: bool,
    /// Where it comes from.
    pub source: WebhookSource,
    /// The name of the API key that created it (API subscriptions).
    pub api_key: Option<String>,
    /// The cursor: every event up to this position was considered.
    pub after_pos: i64,
    /// When it was created (epoch ms).
    pub created_at_ms: i64,
}

impl fmt::Debug for WebhookRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("channels", &self.channels)
            .field("secret", &"[redacted]")
            .field("allow_private_urls", &self.allow_private_urls)
            .field("source", &self.source)
            .field("api_key", &self.api_key)
            .field("after_pos", &self.after_pos)
            .finish_non_exhaustive()
    }
}

/// An event to queue for a subscription: its position and the message it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    /// The event's position in the log.
    pub pos: i64,
    /// The message it is about, if any (deliveries are ordered per message).
    pub message_id: Option<String>,
}

/// A delivery leased to a sender, with what it needs to send it.
#[derive(Clone, PartialEq)]
pub struct ClaimedDelivery {
    /// The delivery's row id.
    pub id: i64,
    /// The lease token; pass it back in a [`CompletedDelivery`].
    pub token: String,
    /// The subscription.
    pub webhook_id: String,
    /// Where to POST.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// Whether the URL may resolve to a private address.
    pub allow_private_urls: bool,
    /// Where the subscription comes from (a `forward_url` keeps its own body shape).
    pub source: WebhookSource,
    /// The event.
    pub event: crate::EventRecord,
    /// Attempts before this one.
    pub attempts: i64,
    /// When the delivery was queued or last replayed (epoch ms): the retry horizon starts here.
    pub created_at_ms: i64,
}

impl fmt::Debug for ClaimedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedDelivery")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("event", &self.event.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What one attempt showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    /// When it started (epoch ms).
    pub at_ms: i64,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// What went wrong (no secret, no URL), if anything.
    pub error: Option<String>,
    /// How long it took (ms).
    pub duration_ms: i64,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryNext {
    /// The receiver answered 2xx.
    Delivered,
    /// Try again at this time (epoch ms).
    RetryAt(i64),
    /// Give up (`failed`).
    Failed,
}

/// A claimed delivery's attempt and what follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedDelivery {
    /// The delivery's row id.
    pub id: i64,
    /// The lease token it was claimed with.
    pub token: String,
    /// The attempt.
    pub attempt: WebhookAttempt,
    /// What follows.
    pub next: DeliveryNext,
}

/// A delivery with its attempts, for `GET /v1/webhooks/{id}/deliveries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its row id.
    pub id: i64,
    /// The event's position (the webhook id is `evt_<pos>`).
    pub event_pos: i64,
    /// The event's type.
    pub kind: Option<String>,
    /// The message the event is about.
    pub message_id: Option<String>,
    /// `pending`, `in_flight`, `delivered` or `failed`.
    pub status: String,
    /// When the next attempt is due (pending deliveries; epoch ms).
    pub next_attempt_at_ms: i64,
    /// When it was queued or last replayed (epoch ms).
    pub created_at_ms: i64,
    /// Every attempt, oldest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// Delivery counts of one subscription or all, per status.
pub type DeliveryCounts = std::collections::BTreeMap<String, i64>;
