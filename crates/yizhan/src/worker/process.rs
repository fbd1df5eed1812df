//! One claimed dispatch, start to finish: pick its channel's client, [`execute`] the persisted
//! body, [`decide`] what a failure means, and record the result with [`Store::complete`].
//!
//! Nothing here logs a body or a secret: logs name the dispatch, message, channel and endpoint.

use yizhan_core::FailureKind;
use yizhan_core::MessageId;
use yizhan_store::{AttemptError, ClaimedDispatch, DispatchResult, RecipientOutcome, Store, StoreError};

use super::decide::{ChannelRetry, Next, decide};
use super::execute::{AnyClient, Delivered, Failed, execute};
use crate::providers;

/// Sends `claimed` through `client` (or fails it as an unknown channel) and decides the result
/// of the attempt at `now_ms()` after the send.
pub(crate) async fn attempt(
    claimed: &ClaimedDispatch,
    client: Option<&AnyClient>,
    rules: &ChannelRetry,
    now_ms: impl Fn() -> i64,
) -> DispatchResult {
    let endpoint = effective_endpoint(claimed);
    let sent = match client {
        Some(client) => execute(client, endpoint, &claimed.body, &claimed.recipients, claimed.upstream.as_ref()).await,
        None => Err(Failed {
            kind: FailureKind::Permanent,
            code: None,
            message: format!("unknown channel {:?}", claimed.channel),
            ambiguous: false,
        }),
    };
    match sent {
        Ok(delivered) => delivered_result(delivered),
        Err(failed) => {
            let attempt = u32::try_from(claimed.attempts.saturating_add(1)).unwrap_or(u32::MAX);
            let next = decide(&failed, attempt, rules, claimed.created_at_ms, now_ms(), claimed.resend_safe);
            let refused =
                providers::refused_every_recipient(endpoint, &failed).then_some(claimed.recipients.as_slice());
            failed_result(&failed, next, refused.unwrap_or_default())
        }
    }
}

/// Records `result` for `claimed`; a lost lease (`Conflict`) is logged and dropped. A dead
/// dispatch (every permanent provider error ends so) is logged at WARN with the channel, the
/// message, the provider's code and its documented meaning.
pub(crate) async fn record(store: &Store, claimed: &ClaimedDispatch, result: DispatchResult, now_ms: i64) {
    let summary = summarize(&result);
    let dead = match &result {
        DispatchResult::Dead { error, .. } => Some(error.clone()),
        _ => None,
    };
    let outcome = store.complete(&claimed.claim, result, now_ms).await;
    log_recorded(claimed, &summary, dead, outcome);
}

/// Records the delivery `result` for `claimed` unless its msgid handle belongs to a dispatch of
/// another message ([`Store::complete_unless_duplicate`]): then nothing is recorded and that
/// message is returned (see `super::repeat::record_delivery`).
pub(crate) async fn record_unless_duplicate(
    store: &Store,
    claimed: &ClaimedDispatch,
    result: DispatchResult,
    now_ms: i64,
) -> Result<(), MessageId> {
    let summary = summarize(&result);
    match store.complete_unless_duplicate(&claimed.claim, result, now_ms).await {
        Ok(Some(owner)) => Err(owner),
        Ok(None) => {
            log_recorded(claimed, &summary, None, Ok(()));
            Ok(())
        }
        Err(e) => {
            log_recorded(claimed, &summary, None, Err(e));
            Ok(())
        }
    }
}

/// Logs what recording an attempt (`summary`, `dead` if it ended the dispatch) came to.
fn log_recorded(claimed: &ClaimedDispatch, summary: &str, dead: Option<AttemptError>, outcome: Result<(), StoreError>) {
    match outcome {
        Ok(()) => match dead {
            Some(error) => tracing::warn!(
                channel = %claimed.channel,
                message_id = %claimed.message_id,
                dispatch = claimed.claim.dispatch_id,
                endpoint = %claimed.endpoint,
                errcode = %error.code.map_or_else(|| "none".to_owned(), |c| c.to_string()),
                meaning = providers::code_meaning(&claimed.endpoint, error.code).unwrap_or("no documented meaning"),
                kind = %error.kind,
                error = %error.message,
                "message dead: this dispatch will not be sent again unless retried"
            ),
            None => tracing::info!(
                dispatch = claimed.claim.dispatch_id,
                message_id = %claimed.message_id,
                channel = %claimed.channel,
                endpoint = %claimed.endpoint,
                result = %summary,
                "dispatch attempt recorded"
            ),
        },
        Err(e) if e.is_conflict() => tracing::warn!(
            dispatch = claimed.claim.dispatch_id,
            message_id = %claimed.message_id,
            error = %e,
            "lease lost before completing; another worker owns the dispatch now"
        ),
        Err(e) => tracing::error!(
            dispatch = claimed.claim.dispatch_id,
            message_id = %claimed.message_id,
            error = %e,
            "could not record the attempt; the lease will expire and the dispatch be retried"
        ),
    }
}

fn summarize(result: &DispatchResult) -> String {
    let code = |code: Option<i64>| code.map_or_else(|| "no code".to_owned(), |c| format!("errcode {c}"));
    match result {
        DispatchResult::Delivered { .. } => "delivered".to_owned(),
        DispatchResult::Retry { at_ms, counts_attempt, error } => format!(
            "retry at {at_ms} ({}, {} {}: {})",
            if *counts_attempt { "counted" } else { "not counted" },
            error.kind,
            code(error.code),
            error.message
        ),
        DispatchResult::Dead { error, .. } => format!("dead ({} {}: {})", error.kind, code(error.code), error.message),
    }
}

fn delivered_result(delivered: Delivered) -> DispatchResult {
    DispatchResult::Delivered {
        handles: delivered.handles,
        outcomes: delivered
            .outcomes
            .into_iter()
            .map(|o| RecipientOutcome { recipient: o.recipient, outcome: o.outcome, detail: None })
            .collect(),
    }
}

/// The result of a failed attempt; `refused` are the recipients the provider reported as
/// invalid with the error (all of them for WeCom 81013), recorded when it is dead.
fn failed_result(failed: &Failed, next: Next, refused: &[String]) -> DispatchResult {
    let error = AttemptError {
        kind: failed.kind.as_str().to_owned(),
        code: failed.code,
        message: failed.message.clone(),
        ambiguous: failed.ambiguous,
    };
    match next {
        Next::Retry { at_ms, counts_attempt } => DispatchResult::Retry { at_ms, counts_attempt, error },
        Next::Dead { reason } => DispatchResult::Dead {
            error: AttemptError { message: reason, ..error },
            outcomes: refused
                .iter()
                .map(|r| RecipientOutcome { recipient: r.clone(), outcome: "invalid".to_owned(), detail: None })
                .collect(),
        },
    }
}

/// What `claimed` is sent as: its endpoint, except for a merged call, which the provider may
/// send as another call (Getui: one list task).
pub(crate) fn effective_endpoint(claimed: &ClaimedDispatch) -> &str {
    providers::sent_as(&claimed.endpoint, claimed.merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_keeps_the_provider_code_with_the_reason() {
        let failed = Failed { kind: FailureKind::Permanent, code: Some(81013), message: "m".into(), ambiguous: false };
        let refused = ["user:zed".to_owned()];
        let DispatchResult::Dead { error, outcomes } =
            failed_result(&failed, Next::Dead { reason: "why".into() }, &refused)
        else {
            panic!("dead")
        };
        assert_eq!((error.kind.as_str(), error.code, error.message.as_str()), ("permanent", Some(81013), "why"));
        assert_eq!((outcomes[0].recipient.as_str(), outcomes[0].outcome.as_str()), ("user:zed", "invalid"));
        assert!(summarize(&DispatchResult::Dead { error, outcomes }).contains("errcode 81013"));
    }
}
