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

use crate::gateway::coalesce::{MAX_USERS, merged_call};

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

/// Clears the coalesce key of claims that can have nobody to merge with, so they are sent
/// without a merge attempt: claims whose window had passed when they were claimed (everything
/// that may join them was accepted, and is visible, by then), that are alone with their key in
/// `claims`, and whose key has no waiting dispatch in the store — asked for the whole batch in
/// one read. If that read fails, every claim keeps its key (and merges as usual).
pub(crate) async fn drop_lonely_keys(store: &Store, claims: &mut [ClaimedDispatch], window: Duration, now_ms: i64) {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let mut per_key: HashMap<(&str, &str), usize> = HashMap::new();
    for c in claims.iter() {
        if let Some(key) = &c.coalesce_key {
            *per_key.entry((c.channel.as_str(), key.as_str())).or_default() += 1;
        }
    }
    let lonely: Vec<usize> = claims
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.coalesce_key.as_deref().is_some_and(|key| per_key[&(c.channel.as_str(), key)] == 1)
                && c.created_at_ms.saturating_add(window_ms) <= now_ms
        })
        .map(|(i, _)| i)
        .collect();
    if lonely.is_empty() {
        return;
    }
    let keys: Vec<String> = lonely.iter().filter_map(|&i| claims[i].coalesce_key.clone()).collect();
    match store.waiting_keys(&keys, now_ms).await {
        Ok(waiting) => {
            for i in lonely {
                if claims[i].coalesce_key.as_ref().is_some_and(|k| !waiting.contains(k)) {
                    claims[i].coalesce_key = None;
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look for dispatches to coalesce with; merging as usual"),
    }
}

/// Waits until `window` has passed since `created_at_ms` (a coalescing leader's acceptance), as
/// measured by `now_ms`; never longer than `window`.
pub(crate) async fn wait_out_window(created_at_ms: i64, window: Duration, now_ms: i64) {
    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let wait = created_at_ms.saturating_add(window_ms).saturating_sub(now_ms);
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait.unsigned_abs()).min(window)).await;
    }
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
    wait_out_window(leader.created_at_ms, window, now_ms()).await;
    let tokens: Vec<ClaimToken> = also.iter().map(|c| c.claim.clone()).collect();
    let (endpoint, body) = (leader.endpoint.clone(), leader.body.clone());
    let merged = store
        .coalesce(&leader.claim, &tokens, &key, MAX_USERS, now_ms(), move |recipients| {
            merged_call(&endpoint, &body, recipients)
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
            leader.resend_safe = merged.resend_safe;
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
            suppress_repeats: false,
            repeat_of: None,
            resend_safe: false,
            upstream: None,
        }
    }

    #[tokio::test]
    async fn only_lonely_claims_past_their_window_with_nothing_waiting_lose_their_key() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        // A dispatch with key "busy" waits in the store.
        store
            .accept(yizhan_store::NewMessage {
                id: MessageId::new(),
                channel: "ops".to_owned(),
                api_key: None,
                request: serde_json::json!({}),
                idempotency: None,
                send_at_ms: 0,
                expires_at_ms: None,
                created_at_ms: 0,
                dispatches: vec![yizhan_store::NewDispatch {
                    coalesce_key: Some("busy".to_owned()),
                    body: b"{}".to_vec(),
                    endpoint: "wecom.message_send".to_owned(),
                    dedupe_id: None,
                    recipients: vec!["user:w".to_owned()],
                    after_seq: None,
                    duplicate: None,
                    resend_safe: false,
                }],
            })
            .await
            .unwrap();
        let window = Duration::from_millis(5);
        let mut claims = vec![
            claim(1, Some("alone"), 1),
            claim(2, Some("pair"), 1),
            claim(3, Some("pair"), 1),
            claim(4, Some("young"), 1),
            claim(5, None, 1),
            claim(6, Some("busy"), 1),
        ];
        claims[3].created_at_ms = 100;
        drop_lonely_keys(&store, &mut claims, window, 102).await;
        let keys: Vec<Option<&str>> = claims.iter().map(|c| c.coalesce_key.as_deref()).collect();
        // 1 had nobody; 2 and 3 can merge with each other; 4's window is still open; 6 has
        // company waiting in the store.
        assert_eq!(keys, [None, Some("pair"), Some("pair"), Some("young"), None, Some("busy")]);
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
