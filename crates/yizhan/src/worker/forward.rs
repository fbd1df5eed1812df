//! Durable callback forwards: the callback route stores each decrypted callback in the store's
//! `callback_forwards` table (before answering WeCom), and [`Forwarder`] POSTs it to the
//! channel's `forward_url`, retrying with back-off until the target answers 2xx or the horizon
//! (24 h after receipt) has passed. What follows a failed POST is decided by the worker's
//! [`decide`], like a failed provider call. Leases make a crashed or restarted gateway pick up where it
//! stopped; a forward can reach the target more than once only if an answer is lost (at least
//! once).

use std::future::Future;
use std::time::Duration;

use yizhan_core::{Clock, FailureKind};
use yizhan_store::{ClaimedForward, ForwardResult, Store};

use super::decide::{ChannelRetry, Next, decide};
use super::execute::Failed;
use crate::config::Config;

/// How long one POST to a forward target may take.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);
/// Forwards older than this are given up (dead).
pub const FORWARD_HORIZON: Duration = Duration::from_secs(24 * 3600);
/// Forwards sent at once.
const BATCH: usize = 8;

/// Claims due callback forwards and POSTs them. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Forwarder {
    store: Store,
    clock: Clock,
    http: reqwest::Client,
    rules: ChannelRetry,
    poll: Duration,
    lease_ms: i64,
}

impl Forwarder {
    /// A forwarder with the worker's back-off settings (`initial_delay_ms`, `max_delay_secs`).
    pub fn new(store: Store, config: &Config, clock: Clock) -> Forwarder {
        let rules = ChannelRetry::until_horizon(&config.worker, FORWARD_HORIZON);
        let http = reqwest::Client::builder().timeout(FORWARD_TIMEOUT).build().unwrap_or_default();
        Forwarder { store, clock, http, rules, poll: Duration::from_millis(250), lease_ms: 60_000 }
    }

    /// Forwards until `shutdown` resolves, polling every 250 ms when nothing is due. A forward
    /// in flight at shutdown finishes (at most [`FORWARD_TIMEOUT`]).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        super::poll::poll_until(shutdown, self.poll, BATCH, "claiming callback forwards", || self.run_once()).await;
    }

    /// Claims and sends what is due now; returns how many forwards were attempted.
    pub async fn run_once(&self) -> Result<usize, yizhan_store::StoreError> {
        let claimed = self.store.claim_forwards(self.clock.now_ms(), self.lease_ms, BATCH).await?;
        let n = claimed.len();
        let mut sends = tokio::task::JoinSet::new();
        for forward in claimed {
            let me = self.clone();
            sends.spawn(async move { me.send(forward).await });
        }
        while sends.join_next().await.is_some() {}
        Ok(n)
    }

    async fn send(&self, forward: ClaimedForward) {
        let answer = self
            .http
            .post(&forward.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(forward.body.clone())
            .send()
            .await;
        let error = match answer {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the forward target answered HTTP {}", r.status().as_u16())),
            Err(e) => Some(format!("the forward target could not be reached: {}", e.without_url())),
        };
        let now = self.clock.now_ms();
        let result = match error {
            None => ForwardResult::Delivered,
            Some(error) => {
                let attempt = u32::try_from(forward.attempts.saturating_add(1)).unwrap_or(u32::MAX);
                tracing::warn!(forward = forward.id, channel = %forward.channel, attempt, %error, "callback forward failed");
                // A forward target deduplicates nothing, but a resend is what "at least once"
                // promises, so every failure counts as transient and safe to resend.
                let failed = Failed { kind: FailureKind::Transient, code: None, message: error, ambiguous: false };
                match decide(&failed, attempt, &self.rules, forward.created_at_ms, now, true) {
                    Next::Retry { at_ms, .. } => ForwardResult::Retry { at_ms, error: failed.message },
                    Next::Dead { .. } => ForwardResult::Dead { error: failed.message },
                }
            }
        };
        if let Err(e) = self.store.complete_forward(forward.id, &forward.token, result, now).await {
            tracing::warn!(forward = forward.id, error = %e, "could not record a callback forward attempt");
        }
    }
}
