//! The hot path's decisions, without a database: which dispatches are picked, back-pressure by
//! reservation, coalescing leaders and their followers, and closing.

use yizhan_core::MessageId;

use super::*;
use crate::NewDispatch;

const T0: i64 = 1_700_000_000_000;

fn dispatch(key: Option<&str>, after_seq: Option<i64>) -> NewDispatch {
    NewDispatch {
        coalesce_key: key.map(str::to_owned),
        body: b"{}".to_vec(),
        endpoint: "wecom.message_send".to_owned(),
        dedupe_id: None,
        recipients: vec!["alice".to_owned()],
        after_seq,
        duplicate: None,
        resend_safe: true,
    }
}

fn message(send_at_ms: i64, dispatches: Vec<NewDispatch>) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::json!({}),
        idempotency: None,
        send_at_ms,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches,
    }
}

fn handed(msg: &NewMessage, seq: usize, id: i64) -> Handed {
    claimed(msg, seq, id, lease_token(), T0 + 60_000).expect("a dispatch of the message")
}

#[test]
fn only_work_due_at_once_and_not_waiting_for_a_predecessor_is_picked() {
    let handoff = Handoff::new("w", 60_000, 16, None);
    let now = message(T0, vec![dispatch(None, None), dispatch(None, Some(0))]);
    let later = message(T0 + 1_000, vec![dispatch(None, None)]);
    let mut expired = message(T0, vec![dispatch(None, None)]);
    expired.expires_at_ms = Some(T0);
    let batch = [now, later, expired];
    let plan = handoff.plan(&[&batch]);
    assert!(plan.is_hot(0, 0, 0));
    assert!(!plan.is_hot(0, 0, 1), "ordered after seq 0");
    assert!(!plan.is_hot(0, 1, 0), "scheduled");
    assert!(!plan.is_hot(0, 2, 0), "expired at accept");
    assert!(!handoff.take_left_behind(), "nothing due was left in the store");
    let h = handed(&batch[0], 0, 7);
    assert!(h.has_successors);
    assert_eq!(h.dispatch.claim.dispatch_id, 7);
    assert_eq!(h.dispatch.claim.token.len(), 32);
}

#[test]
fn a_full_queue_leaves_the_rest_in_the_store_and_says_so() {
    let handoff = Handoff::new("w", 60_000, 2, None);
    let batch: Vec<NewMessage> = (0..3).map(|_| message(T0, vec![dispatch(None, None)])).collect();
    let plan = handoff.plan(&[&batch]);
    assert!(plan.is_hot(0, 0, 0) && plan.is_hot(0, 1, 0));
    assert!(!plan.is_hot(0, 2, 0), "no room reserved for the third");
    assert!(handoff.take_left_behind());
    assert!(!handoff.take_left_behind(), "reported once");
    // Reserved slots count as taken until the transaction ends.
    let more = [message(T0, vec![dispatch(None, None)])];
    assert!(handoff.plan(&[&more]).is_empty(), "the first plan's two slots are still reserved");
    plan.deliver(vec![handed(&batch[0], 0, 1), handed(&batch[1], 0, 2)]);
    assert_eq!(handoff.queued(), 2);
    assert_eq!(handoff.queued_claims().len(), 2);
    assert_eq!(handoff.pop().map(|h| h.dispatch.claim.dispatch_id), Some(1));
    assert!(!handoff.plan(&[&more]).is_empty(), "a popped dispatch frees its slot");
}

#[test]
fn a_failed_transaction_gives_its_slots_back() {
    let handoff = Handoff::new("w", 60_000, 1, None);
    let batch = [message(T0, vec![dispatch(None, None)])];
    drop(handoff.plan(&[&batch]));
    let plan = handoff.plan(&[&batch]);
    assert!(plan.is_hot(0, 0, 0), "the dropped reservation's slot is free again");
    // Fewer delivered than planned (an idempotent replay): the unused slot comes back.
    plan.deliver(Vec::new());
    assert!(handoff.plan(&[&batch]).is_hot(0, 0, 0));
}

#[test]
fn identical_dispatches_in_a_leaders_window_stay_in_the_store_for_it() {
    let handoff = Handoff::new("w", 60_000, 16, Some(5));
    let first = [message(T0, vec![dispatch(Some("k"), None)]), message(T0, vec![dispatch(Some("k"), None)])];
    let plan = handoff.plan(&[&first]);
    assert!(plan.is_hot(0, 0, 0), "the first leads");
    assert!(!plan.is_hot(0, 1, 0), "the second waits in the store for the merge");
    assert!(handoff.take_followers(&handed(&first[0], 0, 1).dispatch));
    assert!(!handoff.take_followers(&handed(&first[0], 0, 1).dispatch), "taken once");
    assert!(handoff.take_left_behind());
    let other = [message(T0, vec![dispatch(Some("other"), None)])];
    assert!(handoff.plan(&[&other]).is_hot(0, 0, 0));
    assert!(!handoff.take_followers(&handed(&other[0], 0, 2).dispatch));
    let mut after = message(T0, vec![dispatch(Some("k"), None)]);
    after.created_at_ms = T0 + 5;
    after.send_at_ms = T0 + 5;
    assert!(handoff.plan(&[&[after]]).is_hot(0, 0, 0), "past the window it leads again");
    let keys_ignored = Handoff::new("w", 60_000, 16, None);
    let plan = keys_ignored.plan(&[&first]);
    assert!(plan.is_hot(0, 0, 0) && plan.is_hot(0, 1, 0), "a worker that does not coalesce takes both");
}

#[tokio::test]
async fn closing_waits_for_reservations_and_returns_what_is_queued() {
    let handoff = Handoff::new("w", 60_000, 4, None);
    let slot = HandoffSlot::default();
    assert!(slot.register(&handoff));
    assert!(!slot.register(&Handoff::new("other", 60_000, 4, None)), "one open handoff per store");
    let batch = [message(T0, vec![dispatch(None, None)]), message(T0, vec![dispatch(None, None)])];
    let plan = handoff.plan(&[&batch]);
    let closing = tokio::spawn({
        let handoff = handoff.clone();
        async move { handoff.close().await }
    });
    // Closed at once: no new plan picks anything, while the open reservation is still delivered.
    while slot.current().is_some() {
        tokio::task::yield_now().await;
    }
    assert!(handoff.plan(&[&batch]).is_empty());
    plan.deliver(vec![handed(&batch[0], 0, 1), handed(&batch[1], 0, 2)]);
    let left = closing.await.expect("close");
    assert_eq!(left.len(), 2, "the delivered dispatches come back to be released");
    assert!(slot.register(&Handoff::new("next", 60_000, 4, None)), "a closed handoff can be replaced");
}
