//! Webhook delivery (docs/events.md, "Webhooks"): [`Deliverer`] feeds each subscription's
//! durable queue from the event log and POSTs what is due, signed per Standard Webhooks.
//!
//! * **Feeding.** The published events after the lowest subscription cursor are read once per
//!   round; for each subscription, the ones after its cursor that it wants are queued and its
//!   cursor moved past the page in one transaction ([`Store::queue_webhook_events`]), which
//!   does nothing if another instance moved the cursor first. An event is thus queued once per
//!   subscription, and a crash between reading and queuing only means reading it again.
//! * **Sending.** Due deliveries are claimed under a lease (`[worker] lease_secs`); the store
//!   hands out a delivery only when no earlier delivery of the same subscription about the same
//!   message is unfinished, so a receiver sees a message's events in order. A claimed delivery
//!   is POSTed ([`super::outbound`]) with `webhook-id` (the event id, the same on every
//!   attempt), `webhook-timestamp` (this attempt) and `webhook-signature`. 2xx: delivered.
//!   410 Gone: failed at once (the receiver wants no more). Anything else (3xx, 4xx, 5xx, a
//!   timeout, a refused address) is retried with the worker's back-off (`[worker]
//!   initial_delay_ms`, `max_delay_secs`, never sooner than a numeric `Retry-After`) until
//!   [`HORIZON`] after it was queued, then failed. A crash mid-POST leaves the lease to expire
//!   and the delivery is sent again: at least once, deduplicated by the receiver on `webhook-id`.
//! * **`forward_url`.** The implicit subscription of a channel's `callback.forward_url` sends
//!   the body that URL has always received (`{channel, msg_type, event, xml}`), with the same
//!   headers.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use yizhan_core::{Clock, FailureKind};
use yizhan_store::{
    ClaimedDelivery, CompletedDelivery, DeliveryNext, EventFilter, QueuedEvent, Store, StoreError, WebhookAttempt,
    WebhookSource,
};

use super::outbound::{Answer, Outbound, Post};
use super::payload::{event_id, forward_body, payload};
use super::signature::SigningKey;
use super::subscription::wants;
use super::webhook_metrics::{Outcome, WebhookMetrics};
use crate::config::Config;
use crate::worker::decide::{ChannelRetry, Next, decide};
use crate::worker::execute::Failed;

/// How long a delivery is retried after it was queued (or replayed) before it is failed.
pub const HORIZON: Duration = Duration::from_secs(24 * 3600);
/// Events read from the log per feeding round.
const PAGE: i64 = 500;
/// Delivery attempts running at once per instance.
pub const IN_FLIGHT: usize = 32;

/// Feeds webhook queues from the event log and sends due deliveries. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Deliverer {
    store: Store,
    clock: Clock,
    outbound: Outbound,
    rules: ChannelRetry,
    poll: Duration,
    lease_ms: i64,
    metrics: Arc<WebhookMetrics>,
}

impl Deliverer {
    /// A deliverer with the worker's back-off settings and lease; counts into `metrics`.
    pub fn new(store: Store, config: &Config, clock: Clock, metrics: Arc<WebhookMetrics>) -> Result<Deliverer, String> {
        let w = &config.worker;
        let rules = ChannelRetry::until_horizon(w, HORIZON);
        let lease_ms = i64::try_from(w.lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Ok(Deliverer {
            store,
            clock,
            outbound: Outbound::new()?,
            rules,
            poll: Duration::from_millis(100),
            lease_ms,
            metrics,
        })
    }

    /// Feeds and sends until `shutdown` resolves, polling every 100 ms when idle. Up to
    /// [`IN_FLIGHT`] attempts run at once; a slot freed by a finished attempt is filled in the
    /// next round (so a slow receiver holds up only the slots its own attempts take). The
    /// attempts finished since the last round are recorded in one transaction before the next
    /// claim, so a message's next event is claimable as soon as the previous one is recorded.
    /// Attempts in flight at shutdown finish and are recorded (at most
    /// [`super::outbound::TIMEOUT`]).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut sends = tokio::task::JoinSet::new();
        let mut finished = Vec::new();
        loop {
            while let Some(done) = sends.try_join_next() {
                finished.extend(done.ok());
            }
            self.record(&mut finished).await;
            let (fed, subscribed) = self.feed().await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "queuing webhook deliveries failed");
                (0, true)
            });
            let free = IN_FLIGHT.saturating_sub(sends.len());
            // Without a subscription there is nothing to claim: no write transaction (on SQLite,
            // a turn of the single writer) every round of an idle gateway.
            let claimed = if free == 0 || !subscribed {
                Vec::new()
            } else {
                self.store.claim_webhook_deliveries(self.clock.now_ms(), self.lease_ms, free).await.unwrap_or_else(
                    |e| {
                        tracing::error!(error = %e, "claiming webhook deliveries failed");
                        Vec::new()
                    },
                )
            };
            let sent = claimed.len();
            for delivery in claimed {
                let me = self.clone();
                sends.spawn(async move { me.send(delivery).await });
            }
            if fed > 0 || (sent > 0 && sends.len() < IN_FLIGHT) {
                continue;
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(done) = sends.join_next(), if !sends.is_empty() => finished.extend(done.ok()),
                () = tokio::time::sleep(self.poll) => {}
            }
        }
        while let Some(done) = sends.join_next().await {
            finished.extend(done.ok());
        }
        self.record(&mut finished).await;
    }

    /// Records `finished` attempts (and empties it); a failure is logged and the deliveries'
    /// leases expire, so they are sent again (at least once).
    async fn record(&self, finished: &mut Vec<CompletedDelivery>) {
        if finished.is_empty() {
            return;
        }
        match self.store.complete_webhook_deliveries(finished, self.clock.now_ms()).await {
            Ok(0) => {}
            Ok(lost) => tracing::warn!(lost, "webhook deliveries were taken over before their attempts were recorded"),
            Err(e) => tracing::warn!(error = %e, "could not record webhook delivery attempts; they will be sent again"),
        }
        finished.clear();
    }

    /// One feeding round: queues the next page of events for every subscription behind it;
    /// returns how many events were read, and whether any subscription exists.
    pub async fn feed(&self) -> Result<(usize, bool), StoreError> {
        let hooks = self.store.webhooks().await?;
        let Some(from) = hooks.iter().map(|h| h.after_pos).min() else { return Ok((0, false)) };
        self.store.publish_events(PAGE).await?;
        let page = self.store.events_after(from, PAGE, &EventFilter::default()).await?;
        let Some(last) = page.last().map(|e| e.id) else { return Ok((0, true)) };
        let now = self.clock.now_ms();
        for hook in hooks.iter().filter(|h| h.after_pos < last) {
            let events: Vec<QueuedEvent> = page
                .iter()
                .filter(|e| e.id > hook.after_pos && wants(hook, e))
                .map(|e| QueuedEvent { pos: e.id, message_id: e.message_id.map(|id| id.to_string()) })
                .collect();
            self.store.queue_webhook_events(&hook.id, hook.after_pos, last, &events, now).await?;
        }
        Ok((page.len(), true))
    }

    /// One attempt of `delivery`; what to record.
    async fn send(&self, delivery: ClaimedDelivery) -> CompletedDelivery {
        let started_ms = self.clock.now_ms();
        let answer = match SigningKey::parse(&delivery.secret) {
            Ok(key) => {
                let body = match delivery.source {
                    WebhookSource::ForwardUrl => forward_body(&delivery.event),
                    WebhookSource::Config | WebhookSource::Api => payload(&delivery.event),
                }
                .to_string()
                .into_bytes();
                let id = event_id(&delivery.event);
                let timestamp = started_ms.div_euclid(1000);
                let headers = [
                    ("webhook-id", id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", key.sign(&id, timestamp, &body)),
                ];
                let post = Post {
                    url: &delivery.url,
                    body: &body,
                    headers: &headers,
                    allow_private: delivery.allow_private_urls,
                };
                self.outbound.post(post).await
            }
            Err(e) => Answer {
                status: None,
                retry_after: None,
                error: Some(format!("the subscription's secret is unusable: {e}")),
                elapsed: Duration::ZERO,
            },
        };
        let now = self.clock.now_ms();
        let (next, outcome) = self.next(&delivery, &answer, now);
        self.metrics.record(outcome, answer.elapsed);
        if let Some(error) = &answer.error {
            tracing::warn!(webhook = %delivery.webhook_id, delivery = delivery.id, event = delivery.event.id,
                attempt = delivery.attempts + 1, %error, "webhook delivery attempt failed");
        }
        let attempt = WebhookAttempt {
            at_ms: started_ms,
            status_code: answer.status,
            error: answer.error,
            duration_ms: i64::try_from(answer.elapsed.as_millis()).unwrap_or(i64::MAX),
        };
        CompletedDelivery { id: delivery.id, token: delivery.token, attempt, next }
    }

    /// What follows `answer` (see the module docs).
    fn next(&self, delivery: &ClaimedDelivery, answer: &Answer, now: i64) -> (DeliveryNext, Outcome) {
        let Some(error) = &answer.error else { return (DeliveryNext::Delivered, Outcome::Delivered) };
        if answer.status == Some(410) {
            return (DeliveryNext::Failed, Outcome::Failed);
        }
        let attempt = u32::try_from(delivery.attempts.saturating_add(1)).unwrap_or(u32::MAX);
        // A receiver deduplicates on webhook-id, so every failure is safe to resend.
        let failed = Failed { kind: FailureKind::Transient, code: None, message: error.clone(), ambiguous: false };
        match decide(&failed, attempt, &self.rules, delivery.created_at_ms, now, true) {
            Next::Retry { at_ms, .. } => {
                let asked = answer.retry_after.map_or(0, |s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX));
                (DeliveryNext::RetryAt(at_ms.max(now.saturating_add(asked))), Outcome::Retrying)
            }
            Next::Dead { .. } => (DeliveryNext::Failed, Outcome::Failed),
        }
    }
}
