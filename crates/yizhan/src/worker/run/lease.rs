//! Keeping the leases of the sends in flight: every third of the lease the worker extends the
//! leases of every claim it holds ([`Store::renew_leases`](yizhan_store::Store::renew_leases)),
//! so a provider call slower than the lease is never taken over while it runs; a lease lost
//! anyway is logged at WARN (its late completion is then refused as a conflict).

use std::time::Duration;

use yizhan_store::ClaimToken;

use super::Worker;

impl Worker {
    /// Renews the leases of every claim held, every third of the lease, until the returned
    /// guard is dropped.
    pub(super) fn keep_leases(&self) -> Renewal {
        let worker = self.clone();
        let every = Duration::from_millis(u64::try_from(self.inner.lease_ms / 3).unwrap_or(0).max(50));
        Renewal(tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                worker.renew().await;
            }
        }))
    }

    /// Extends the leases of the claims held now; warns about any lost meanwhile.
    async fn renew(&self) {
        let inner = &self.inner;
        let claims = self.held_or_queued();
        if claims.is_empty() {
            return;
        }
        match inner.store.renew_leases(&claims, inner.clock.now_ms(), inner.lease_ms).await {
            Ok(lost) => {
                for claim in lost.iter().filter(|c| self.held().contains(c)) {
                    tracing::warn!(
                        worker = %inner.id,
                        dispatch = claim.dispatch_id,
                        "lease lost while the send runs; its result will not be recorded over the new claim"
                    );
                }
            }
            Err(e) => tracing::warn!(
                worker = %inner.id,
                held = claims.len(),
                error = %e,
                "could not renew the leases of sends in flight; retrying"
            ),
        }
    }
}

/// The lease renewal task of a running worker, stopped when dropped.
pub(super) struct Renewal(tokio::task::JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Forgets a claim whose send panicked, so its lease is no longer renewed and expires: the
/// dispatch is then retried. (An aborted send keeps its claim, released on shutdown.)
pub(super) struct Unheld<'a> {
    pub(super) worker: &'a Worker,
    pub(super) claim: ClaimToken,
}

impl Drop for Unheld<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.worker.held().remove(&self.claim);
        }
    }
}
