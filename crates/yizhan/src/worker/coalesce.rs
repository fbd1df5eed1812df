//! Coalescing, the worker's side: claims with the same coalesce key become one provider call.
//!
//! A claimed batch is grouped by key ([`group`]); each group's first claim leads. Before its
//! first send the leader waits until `window` after its message was accepted, so identical
//! messages arriving within the window can join, then asks the store to merge ([`merge`]):
//! the rest of its group plus identical waiting dispatches, up to 1000 users. The store persists
//! the merged body before anything is sent; the leader then goes out with it like any dispatch,
//! and its completion completes every member.

use std::collections::HashMap;
use std::time::Duration;

use yizhan_store::{ClaimToken, ClaimedDispatch, Store};

use crate::gateway::coalesce::{MAX_USERS, merged_body};

/// Splits `claims` into (leader, the rest of its group) pairs: claims with the same channel and
/// key are packed into groups of at most [`MAX_USERS`] recipients; claims without a key lead
/// alone.
pub(crate) fn group(claims: Vec<ClaimedDispatch>) -> Vec<(ClaimedDispatch, Vec<ClaimedDispatch>)> {
    let mut out: Vec<(ClaimedDispatch, Vec<ClaimedDispatch>)> = Vec::new();
    // (channel, key) → the open group's index in `out` and its recipient count.
    let mut open: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for claimed in claims {
        let Some(key) = claimed.coalesce_key.clone() else {
            out.push((claimed, Vec::new()));
            continue;
        };
        let size = claimed.recipients.len();
        let slot = (claimed.channel.clone(), key);
        match open.get_mut(&slot) {
            Some((i, count)) if *count + size <= MAX_USERS => {
                *count += size;
                out[*i].1.push(claimed);
            }
            _ => {
                open.insert(slot, (out.len(), size));
                out.push((claimed, Vec::new()));
            }
        }
    }
    out
}

/// Merges into `leader` (waiting first until `window` after its acceptance, measured by
/// `now_ms`); returns the dispatch to send (the merged call, or the leader unchanged) and the
/// claims of `also` that were not merged, which the caller must still handle.
pub(crate) async fn merge(
    store: &Store,
    mut leader: ClaimedDispatch,
    also: Vec<ClaimedDispatch>,
    window: Duration,
    now_ms: impl Fn() -> i64,
) -> (ClaimedDispatch, Vec<ClaimedDispatch>) {
    let Some(key) = leader.coalesce_key.clone() else { return (leader, also) };
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let wait = leader.created_at_ms.saturating_add(window_ms).saturating_sub(now_ms());
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait.unsigned_abs()).min(window)).await;
    }
    let tokens: Vec<ClaimToken> = also.iter().map(|c| c.claim.clone()).collect();
    let (endpoint, body) = (leader.endpoint.clone(), leader.body.clone());
    let merged = store
        .coalesce(&leader.claim, &tokens, &key, MAX_USERS, now_ms(), move |recipients| {
            merged_body(&endpoint, &body, recipients)
        })
        .await;
    match merged {
        Ok(Some(merged)) => {
            tracing::info!(
                dispatch = leader.claim.dispatch_id,
                members = merged.members.len(),
                recipients = merged.recipients.len(),
                "identical dispatches coalesced into one call"
            );
            leader.body = merged.body;
            leader.recipients = merged.recipients;
            leader.coalesce_key = None;
            leader.merged = true;
            let rest = also.into_iter().filter(|c| !merged.members.contains(&c.claim.dispatch_id)).collect();
            (leader, rest)
        }
        Ok(None) => (leader, also),
        Err(e) => {
            tracing::warn!(dispatch = leader.claim.dispatch_id, error = %e, "coalescing failed; sending alone");
            (leader, also)
        }
    }
}

#[cfg(test)]
mod tests {
    use yizhan_core::MessageId;

    use super::*;

    fn claim(id: i64, key: Option<&str>, users: usize) -> ClaimedDispatch {
        ClaimedDispatch {
            claim: ClaimToken { dispatch_id: id, token: format!("t{id}") },
            message_id: MessageId::new(),
            channel: "ops".to_owned(),
            seq: 0,
            endpoint: "wecom.message_send".to_owned(),
            body: Vec::new(),
            dedupe_id: None,
            recipients: (0..users).map(|i| format!("user:{id}-{i}")).collect(),
            attempts: 0,
            lease_until_ms: 0,
            created_at_ms: 0,
            expires_at_ms: None,
            coalesce_key: key.map(str::to_owned),
            merged: false,
        }
    }

    #[test]
    fn groups_hold_at_most_a_thousand_recipients_per_key() {
        let claims = vec![
            claim(1, Some("k"), 600),
            claim(2, Some("k"), 300),
            claim(3, Some("other"), 1),
            claim(4, Some("k"), 200),
            claim(5, None, 1),
            claim(6, Some("k"), 100),
        ];
        let groups: Vec<(i64, Vec<i64>)> = group(claims)
            .into_iter()
            .map(|(leader, also)| (leader.claim.dispatch_id, also.iter().map(|c| c.claim.dispatch_id).collect()))
            .collect();
        // 600 + 300 + 200 would pass 1000: claim 4 opens the next group of key k.
        assert_eq!(groups, [(1, vec![2]), (3, vec![]), (4, vec![6]), (5, vec![])]);
    }
}
