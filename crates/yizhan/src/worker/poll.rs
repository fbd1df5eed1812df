//! The loop of the store's small pollers (callback forwards, alert cards): a round claims and
//! works on a batch; a full batch is followed at once by the next round, anything less by a
//! pause of `poll`, until `shutdown` resolves. A round in progress at shutdown finishes.

use std::future::Future;
use std::time::Duration;

use yizhan_store::StoreError;

/// Runs `round` (returning how many items it worked on) until `shutdown` resolves; a failed
/// round is logged as `what` and followed by the pause.
pub async fn poll_until<R, F>(
    shutdown: impl Future<Output = ()>,
    poll: Duration,
    batch: usize,
    what: &str,
    mut round: R,
) where
    R: FnMut() -> F,
    F: Future<Output = Result<usize, StoreError>>,
{
    tokio::pin!(shutdown);
    loop {
        let busy = match round().await {
            Ok(n) => n == batch,
            Err(e) => {
                tracing::error!(error = %e, "{what} failed");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            biased;
            () = &mut shutdown => return,
            () = tokio::time::sleep(poll) => {}
        }
    }
}
