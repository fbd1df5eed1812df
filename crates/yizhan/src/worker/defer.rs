//! The quota check before a send: ask [`Shaping::admit`], and turn its answer into what the
//! worker does — send as claimed, split durably and send the part within budget, or put the
//! whole dispatch back until its budget allows, without spending an attempt.

use yizhan_store::{AttemptError, ClaimedDispatch, DispatchResult, Store};

use crate::shaping::{Admission, Shaping};

/// Checks `claimed` against the quota ledger at `now_ms`. `None`: send `claimed` (its body and
/// recipients may have been narrowed by a split that is already committed). `Some(result)`:
/// do not send; record `result` instead.
pub(crate) async fn admit(
    shaping: &Shaping,
    store: &Store,
    claimed: &mut ClaimedDispatch,
    now_ms: i64,
) -> Option<DispatchResult> {
    match shaping.admit(claimed, now_ms).await {
        Admission::Send => None,
        Admission::Defer { until_ms, budget } => {
            tracing::info!(
                dispatch = claimed.claim.dispatch_id,
                message_id = %claimed.message_id,
                channel = %claimed.channel,
                reason = budget.as_str(),
                until_ms,
                "dispatch deferred by the quota ledger"
            );
            Some(deferred(until_ms, format!("quota: {} budget exhausted; deferred", budget.as_str())))
        }
        Admission::Split { keep, defer, until_ms, budget } => {
            let (kept, waiting) = (keep.recipients.len(), defer.recipients.len());
            let reason = format!(
                "quota: {} budget exhausted for {waiting} recipient(s); split from dispatch {}",
                budget.as_str(),
                claimed.claim.dispatch_id
            );
            match store.split_dispatch(&claimed.claim, keep.clone(), defer, until_ms, &reason, now_ms).await {
                Ok(new_id) => {
                    tracing::info!(
                        dispatch = claimed.claim.dispatch_id,
                        deferred_dispatch = new_id,
                        message_id = %claimed.message_id,
                        channel = %claimed.channel,
                        reason = budget.as_str(),
                        kept,
                        waiting,
                        until_ms,
                        "dispatch split by the quota ledger"
                    );
                    claimed.body = keep.body;
                    claimed.recipients = keep.recipients;
                    None
                }
                Err(e) => {
                    // Nothing was sent; the whole dispatch waits for the deferred part's time.
                    tracing::warn!(dispatch = claimed.claim.dispatch_id, error = %e, "could not split a dispatch");
                    Some(deferred(until_ms, reason))
                }
            }
        }
    }
}

fn deferred(at_ms: i64, message: String) -> DispatchResult {
    DispatchResult::Retry {
        at_ms,
        counts_attempt: false,
        error: AttemptError { kind: "rate_limited".to_owned(), code: None, message, ambiguous: false },
    }
}
