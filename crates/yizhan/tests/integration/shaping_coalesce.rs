//! Coalescing through the API on a manual clock: identical messages to different users go out
//! in one `message/send` per 1000 users, and every message keeps its own status and outcomes.

use std::collections::HashMap;

use crate::shaping::{Rig, T0};
use serde_json::json;
use yizhan_store::{DispatchStatus, MessageStatus};

/// Past the default 5 ms coalescing window.
const AFTER_WINDOW: i64 = T0 + 10;

fn users(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:05}")).collect()
}

fn text_to(to: &[&str], text: &str) -> serde_json::Value {
    json!({"channel": "ops", "to": {"users": to}, "content": {"text": text}})
}

#[tokio::test]
async fn five_thousand_identical_requests_take_five_calls_and_keep_their_own_status() {
    let people = users("u", 5000);
    let rig = Rig::new(&people, "").await;
    let mut ids = Vec::with_capacity(people.len());
    for user in &people {
        ids.push(rig.send(text_to(&[user], "maintenance at 22:00")).await);
    }
    // A different text is not merged with them.
    let other = rig.send(text_to(&[&people[0]], "something else")).await;

    rig.run_at(AFTER_WINDOW).await;
    let stats = rig.emu.stats();
    eprintln!("message/send calls for 5000 + 1 messages: {}", stats.send_calls);
    // 5 merged calls, the other text, and the token fetch that is not a message call.
    assert!(stats.send_calls <= 5 + 2, "{} message/send calls for 5000 identical messages", stats.send_calls);
    assert_eq!(stats.delivered, 5001);
    let mut per_user: HashMap<String, usize> = HashMap::new();
    for d in rig.emu.inbox() {
        *per_user.entry(d.recipient).or_default() += 1;
    }
    assert!(people[1..].iter().all(|u| per_user.get(u) == Some(&1)), "every user got exactly one message");
    assert_eq!(per_user[&people[0]], 2);

    for (id, user) in ids.iter().zip(&people) {
        let m = rig.record(id).await;
        assert_eq!(m.status, MessageStatus::Delivered, "{id}");
        let d = &m.dispatches[0];
        assert_eq!(d.recipients, [format!("user:{user}")]);
        assert_eq!(d.outcomes.len(), 1, "only its own recipient: {:?}", d.outcomes);
        assert_eq!(
            (d.outcomes[0].recipient.as_str(), d.outcomes[0].outcome.as_str()),
            (&*format!("user:{user}"), "delivered")
        );
        assert!(d.handles.msgid.is_some());
        assert_eq!(d.attempt_log.len(), 1);
    }
    assert_eq!(rig.record(&other).await.status, MessageStatus::Delivered);
}

#[tokio::test]
async fn invalid_users_of_a_merged_call_land_on_their_own_messages() {
    let people = users("v", 4);
    let rig = Rig::new(&people, "").await;
    let clean = rig.send(text_to(&[&people[0], &people[1]], "hello")).await;
    let with_ghost = rig.send(text_to(&[&people[2], "ghost-1"], "hello")).await;
    let only_ghost = rig.send(text_to(&["ghost-2"], "hello")).await;
    let overlapping = rig.send(text_to(&[&people[1], &people[3]], "hello")).await;

    rig.run_at(AFTER_WINDOW).await;
    assert_eq!(rig.emu.stats().send_calls, 2, "one merged call, and one for the message naming a user again");

    let m = rig.record(&clean).await;
    assert_eq!(m.status, MessageStatus::Delivered);
    assert!(m.dispatches[0].outcomes.iter().all(|o| o.outcome == "delivered"));
    let m = rig.record(&with_ghost).await;
    assert_eq!(m.status, MessageStatus::PartiallyDelivered);
    let outcomes: HashMap<_, _> =
        m.dispatches[0].outcomes.iter().map(|o| (o.recipient.clone(), o.outcome.clone())).collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[&format!("user:{}", people[2])], "delivered");
    assert_eq!(outcomes["user:ghost-1"], "invalid");
    let m = rig.record(&only_ghost).await;
    assert_eq!(m.dispatches[0].outcomes.len(), 1);
    assert_eq!(m.dispatches[0].outcomes[0].outcome, "invalid");
    assert_ne!(m.status, MessageStatus::Delivered);
    // A message naming a user already in the merged call goes in a call of its own, so that
    // user gets both messages, as without coalescing.
    let m = rig.record(&overlapping).await;
    assert_eq!(m.status, MessageStatus::Delivered);
    assert_eq!(m.dispatches[0].outcomes.len(), 2);
    let to_shared = rig.emu.inbox().iter().filter(|d| d.recipient == people[1] && !d.deduplicated).count();
    assert_eq!(to_shared, 2);
}

#[tokio::test]
async fn a_merged_call_that_fails_transiently_is_retried_with_its_persisted_body() {
    let people = users("w", 3);
    let rig = Rig::new(&people, "").await;
    let ids: Vec<String> = send_each(&rig, &people).await;
    // One busy answer: the worker's clients make one call per attempt, so the attempt fails.
    rig.emu.fail_next_on("/cgi-bin/message/send", 1, -1);
    rig.run_at(AFTER_WINDOW).await;
    for id in &ids {
        let m = rig.record(id).await;
        assert_eq!(m.status, MessageStatus::Retrying, "every member mirrors the merged call");
        assert_eq!(m.dispatches[0].attempts, 1);
        assert_eq!(m.dispatches[0].attempt_log[0].error.as_ref().and_then(|e| e.code), Some(-1));
    }

    // What any worker claims next is the merged call with the body persisted before the first
    // attempt: every user, in acceptance order. Members are not claimable by themselves.
    let later = AFTER_WINDOW + 3_600_000;
    let claims = rig.store.claim_due("probe", later, 60_000, 100).await.unwrap();
    assert_eq!(claims.len(), 1, "{claims:?}");
    let body: serde_json::Value = serde_json::from_slice(&claims[0].body).unwrap();
    assert_eq!(body["touser"], people.join("|"));
    assert_eq!(claims[0].coalesce_key, None, "a merged call is never merged again");
    rig.store.release(&claims[0].claim).await.unwrap();

    rig.run_at(later).await;
    assert_eq!(rig.emu.stats().send_calls, 1 + 1, "one call per attempt");
    for id in &ids {
        let m = rig.record(id).await;
        assert_eq!(m.status, MessageStatus::Delivered);
        assert_eq!(m.dispatches[0].status, DispatchStatus::Delivered);
        assert_eq!(m.dispatches[0].attempts, 2);
    }
    assert_eq!(rig.emu.inbox().len(), 3);
}

#[tokio::test]
async fn a_zero_window_turns_coalescing_off() {
    let people = users("z", 3);
    let rig = Rig::new(&people, "coalesce_window_ms = 0").await;
    send_each(&rig, &people).await;
    rig.run_at(AFTER_WINDOW).await;
    assert_eq!(rig.emu.stats().send_calls, 3);
}

async fn send_each(rig: &Rig, people: &[String]) -> Vec<String> {
    let mut ids = Vec::new();
    for user in people {
        ids.push(rig.send(text_to(&[user], "retry me")).await);
    }
    ids
}
