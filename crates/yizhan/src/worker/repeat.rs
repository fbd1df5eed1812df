//! Repeats of a body WeCom deduplicates (docs/gateway.md, "Repeated messages").
//!
//! Before a send ([`before_send`]): the store flags the first claim of a guarded dispatch whose
//! identical body was sent by another message inside its duplicate window (`repeat_of`). Sent
//! as it is, WeCom would drop it and still answer ok. The caller asked for `dedupe`: it is
//! recorded `suppressed_duplicate` for every recipient, nothing sent. Otherwise its body is
//! persisted without the duplicate check and sent: it is delivered (and an ambiguous failure of
//! it is then not resent, like any body without a dedupe identity).
//!
//! After a send ([`record_delivery`]), the backstop for repeats the outbox cannot see (another
//! sender on the same app, an outbox restored from a backup): an answer whose msgid another
//! dispatch already holds means WeCom dropped the request as a duplicate. This relies on WeCom
//! answering a suppressed duplicate with the first request's msgid, which is UNCONFIRMED
//! (docs/gateway.md); a channel turns it off with `duplicate_msgid_check = false`.

use yizhan_store::{AttemptError, ClaimedDispatch, DispatchResult, Handles, RecipientOutcome, Store};

use super::process;
use crate::providers::wecom_app::dedupe::without_duplicate_check;

/// What to do with `claimed` before it is sent. `None`: send it (its body may have been
/// replaced, durably, by one without the duplicate check). `Some(result)`: record `result`,
/// send nothing.
pub(crate) async fn before_send(store: &Store, claimed: &mut ClaimedDispatch, now_ms: i64) -> Option<DispatchResult> {
    let earlier = claimed.repeat_of?;
    if claimed.suppress_repeats {
        tracing::info!(
            dispatch = claimed.claim.dispatch_id,
            message_id = %claimed.message_id,
            channel = %claimed.channel,
            duplicate_of = %earlier,
            "suppressed as a duplicate, as the request asked (options.dedupe)"
        );
        return Some(suppressed(
            claimed,
            &format!("not sent: message {earlier} sent the identical request within the duplicate window"),
        ));
    }
    match distinct(store, claimed, now_ms).await {
        Ok(()) => {
            tracing::info!(
                dispatch = claimed.claim.dispatch_id,
                message_id = %claimed.message_id,
                channel = %claimed.channel,
                repeat_of = %earlier,
                "identical to a request still inside its duplicate window: sent without the duplicate check"
            );
            None
        }
        Err(e) => Some(not_yet(now_ms, format!("the repeat of message {earlier} could not be made distinct: {e}"))),
    }
}

/// Records the result of a send. A delivered answer of a body with the duplicate check is
/// recorded only if its msgid belongs to no other message (checked in the completion's own
/// transaction, [`Store::complete_unless_duplicate`]); if another message holds it, WeCom dropped
/// this request as a duplicate, and it is recorded `suppressed_duplicate` (the caller asked for
/// dedupe) or due again at once, resent without the check. Returns the result recorded.
pub(crate) async fn record_delivery(
    store: &Store,
    claimed: &mut ClaimedDispatch,
    result: DispatchResult,
    now_ms: i64,
) -> DispatchResult {
    let checked = matches!(&result, DispatchResult::Delivered { handles: Handles { msgid: Some(_), .. }, .. });
    if !checked || !claimed.resend_safe {
        process::record(store, claimed, result.clone(), now_ms).await;
        return result;
    }
    let owner = match process::record_unless_duplicate(store, claimed, result.clone(), now_ms).await {
        Ok(()) => return result,
        Err(owner) => owner,
    };
    tracing::warn!(
        dispatch = claimed.claim.dispatch_id,
        message_id = %claimed.message_id,
        channel = %claimed.channel,
        duplicate_of = %owner,
        "WeCom answered with the msgid of another message: it dropped this request as a duplicate"
    );
    let next = if claimed.suppress_repeats {
        suppressed(claimed, &format!("WeCom dropped it as a duplicate of message {owner} (same msgid)"))
    } else {
        let reason = match distinct(store, claimed, now_ms).await {
            Ok(()) => format!(
                "WeCom dropped it as a duplicate of message {owner} (same msgid); resent without the duplicate check"
            ),
            Err(e) => {
                format!("WeCom dropped it as a duplicate of message {owner} (same msgid); not yet resent: {e}")
            }
        };
        not_yet(now_ms, reason)
    };
    process::record(store, claimed, next.clone(), now_ms).await;
    next
}

/// Persists the claimed body without the duplicate check and sends that from now on.
async fn distinct(store: &Store, claimed: &mut ClaimedDispatch, now_ms: i64) -> Result<(), String> {
    let body = without_duplicate_check(&claimed.body).ok_or("the body is not a JSON object")?;
    store.replace_body(&claimed.claim, &body, now_ms).await.map_err(|e| e.to_string())?;
    claimed.body = body;
    claimed.resend_safe = false;
    Ok(())
}

/// Every recipient `suppressed_duplicate`, with `detail`.
fn suppressed(claimed: &ClaimedDispatch, detail: &str) -> DispatchResult {
    let outcomes = claimed
        .recipients
        .iter()
        .map(|r| RecipientOutcome {
            recipient: r.clone(),
            outcome: yizhan_store::SUPPRESSED_DUPLICATE.to_owned(),
            detail: Some(detail.to_owned()),
        })
        .collect();
    DispatchResult::Delivered { handles: Handles::default(), outcomes }
}

/// Due again at once, without spending an attempt.
fn not_yet(now_ms: i64, message: String) -> DispatchResult {
    let error = AttemptError { kind: "transient".to_owned(), code: None, message, ambiguous: false };
    DispatchResult::Retry { at_ms: now_ms, counts_attempt: false, error }
}
