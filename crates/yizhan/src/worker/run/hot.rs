//! The hot path, the worker's side: a running worker registers a [`Handoff`] with its store, so
//! the dispatches its instance accepts are leased to it in the accepting transaction and queued
//! here in memory; it takes them as slots free up, without a claim query (see
//! `docs/architecture.md`, "Hot path"). Queued dispatches are leased like claims: their leases
//! are renewed with the held ones, a claim never takes them over, and on shutdown they are
//! released. What the queue had no room for stays in the store, and the store says so
//! ([`Handoff::take_left_behind`]) so the loop claims it.

use tokio::task::JoinSet;
use yizhan_store::{ClaimToken, ClaimedDispatch, Handed, Handoff};

use super::Worker;

/// Dispatches queued in memory per slot of `[worker] concurrency`: enough to keep every slot fed
/// between two wake-ups, few enough that a burst beyond it waits in the store for claims.
const QUEUED_PER_SLOT: usize = 4;

impl Worker {
    /// Registers this worker's handoff with the store; `None` if another worker on the same
    /// store has one (this one then claims everything).
    pub(super) fn start_hot_path(&self) -> Option<Handoff> {
        let inner = &self.inner;
        let window_ms = inner.coalesce_window.map(|w| i64::try_from(w.as_millis()).unwrap_or(i64::MAX));
        let capacity = inner.concurrency.saturating_mul(QUEUED_PER_SLOT);
        let handoff = Handoff::new(&inner.id, inner.lease_ms, capacity, window_ms);
        if !inner.store.hand_off(&handoff) {
            tracing::info!(worker = %inner.id, "another worker takes this store's accepts in memory; claiming only");
            return None;
        }
        *inner.hot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handoff.clone());
        Some(handoff)
    }

    /// Ends the registration; returns the claims of what was queued and not started.
    pub(super) async fn stop_hot_path(&self, hot: Option<Handoff>) -> Vec<ClaimToken> {
        let Some(hot) = hot else { return Vec::new() };
        let queued = hot.close().await;
        *self.inner.hot.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        queued.into_iter().map(|h| h.dispatch.claim).collect()
    }

    /// Starts queued dispatches while fewer than `limit` tasks run.
    pub(super) fn take_handed(&self, hot: &Handoff, tasks: &mut JoinSet<bool>, limit: usize) {
        while tasks.len() < limit {
            let Some(Handed { dispatch, has_successors }) = hot.pop() else { return };
            self.held().insert(dispatch.claim.clone());
            let worker = self.clone();
            let hot = hot.clone();
            tasks.spawn(async move {
                worker.process_handed(&hot, dispatch).await;
                // Its delivery makes the next dispatch of its message due: claimed from the store.
                has_successors
            });
        }
    }

    /// Processes a handed dispatch. A coalescing leader first waits out its window; a merge is
    /// attempted only if identical dispatches stayed in the store for it meanwhile.
    async fn process_handed(self, hot: &Handoff, mut dispatch: ClaimedDispatch) {
        if let Some(window) = self.inner.coalesce_window
            && dispatch.coalesce_key.is_some()
        {
            crate::worker::coalesce::wait_out_window(dispatch.created_at_ms, window, self.inner.clock.now_ms()).await;
            if !hot.take_followers(&dispatch) {
                dispatch.coalesce_key = None;
            }
        }
        self.process(dispatch, Vec::new()).await;
    }

    /// The claims this worker holds: sends running, and dispatches queued for it in memory.
    pub(super) fn held_or_queued(&self) -> Vec<ClaimToken> {
        let mut claims: Vec<ClaimToken> = self.held().iter().cloned().collect();
        if let Some(hot) = self.inner.hot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            claims.extend(hot.queued_claims());
        }
        claims
    }
}

/// Resolves when the handoff has news (dispatches queued, or work left in the store); never
/// without one.
pub(super) async fn ready(hot: Option<&Handoff>) {
    match hot {
        Some(hot) => hot.ready().await,
        None => std::future::pending().await,
    }
}
