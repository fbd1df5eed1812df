//! Getui coalescing through the API on a manual clock: identical single pushes to different cids
//! go out as one list task per 1000 cids (`/push/list/message` + `/push/list/cid`, one taskid),
//! and every message keeps its own status and outcome.

use std::collections::{BTreeSet, HashMap};

use crate::shaping::{Rig, T0};
use serde_json::json;
use yizhan_store::MessageStatus;

/// Past the default 5 ms coalescing window.
const AFTER_WINDOW: i64 = T0 + 10;

fn cids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:05}")).collect()
}

fn push_to(cid: &str, transmission: &str) -> serde_json::Value {
    json!({"channel": "app", "to": {"cids": [cid]}, "content": {"getui": {"transmission": transmission}}})
}

/// Getui deliveries at the emulator that were not deduplicated: (cid, taskid) each.
fn deliveries(rig: &Rig) -> Vec<(String, String)> {
    rig.emu
        .inbox()
        .into_iter()
        .filter(|d| d.provider == "getui" && !d.deduplicated)
        .map(|d| (d.recipient, d.msgid))
        .collect()
}

#[tokio::test]
async fn identical_single_pushes_become_one_list_task_per_thousand_cids() {
    let people = cids("cid", 2500);
    let rig = Rig::with_cids(&[], &people, "").await;
    let mut ids = Vec::with_capacity(people.len());
    for cid in &people {
        ids.push(rig.send(push_to(cid, "{\"deploy\":42}")).await);
    }
    // Different content is not merged with them.
    let other = rig.send(push_to(&people[0], "{\"deploy\":43}")).await;

    rig.run_at(AFTER_WINDOW).await;
    let stats = rig.emu.stats();
    // 3 merged calls of 2 requests each (create + list push), and the other single push.
    assert_eq!(stats.push_calls, 3 * 2 + 1, "{stats:?}");
    let got = deliveries(&rig);
    assert_eq!(got.len(), 2501);
    let mut per_cid: HashMap<&str, usize> = HashMap::new();
    for (cid, _) in &got {
        *per_cid.entry(cid.as_str()).or_default() += 1;
    }
    assert!(people[1..].iter().all(|c| per_cid.get(c.as_str()) == Some(&1)), "every cid got exactly one push");
    assert_eq!(per_cid[people[0].as_str()], 2);
    let tasks: BTreeSet<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tasks.len(), 4, "one taskid per list task and one for the single push: {tasks:?}");

    for (id, cid) in ids.iter().zip(&people) {
        let m = rig.record(id).await;
        assert_eq!(m.status, MessageStatus::Delivered, "{id}");
        let d = &m.dispatches[0];
        assert_eq!(d.recipients, [format!("cid:{cid}")]);
        assert_eq!(d.outcomes.len(), 1, "only its own recipient: {:?}", d.outcomes);
        assert_eq!(
            (d.outcomes[0].recipient.as_str(), d.outcomes[0].outcome.as_str()),
            (&*format!("cid:{cid}"), "delivered")
        );
        let taskid = d.handles.taskid.as_deref().expect("the list task's id");
        assert!(got.iter().any(|(c, t)| c == cid && t == taskid), "{cid} was pushed in task {taskid}");
        assert_eq!(d.attempt_log.len(), 1);
    }
    assert_eq!(rig.record(&other).await.status, MessageStatus::Delivered);
}

#[tokio::test]
async fn an_unknown_cid_in_a_merged_call_fails_only_its_own_message() {
    let people = cids("known", 3);
    let rig = Rig::with_cids(&[], &people, "").await;
    let mut ids: Vec<String> = Vec::new();
    for cid in &people {
        ids.push(rig.send(push_to(cid, "{\"n\":1}")).await);
    }
    let ghost = rig.send(push_to("ghost-cid", "{\"n\":1}")).await;

    rig.run_at(AFTER_WINDOW).await;
    assert_eq!(rig.emu.stats().push_calls, 2, "one create, one list push");
    for id in &ids {
        assert_eq!(rig.record(id).await.status, MessageStatus::Delivered);
    }
    let m = rig.record(&ghost).await;
    assert_ne!(m.status, MessageStatus::Delivered);
    let outcomes: Vec<(&str, &str)> =
        m.dispatches[0].outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes, [("cid:ghost-cid", "invalid")]);
    assert_eq!(deliveries(&rig).len(), 3);
}

#[tokio::test]
async fn a_merged_getui_call_that_fails_transiently_is_retried_as_one_task() {
    let people = cids("retry", 3);
    let rig = Rig::with_cids(&[], &people, "").await;
    let mut ids: Vec<String> = Vec::new();
    for cid in &people {
        ids.push(rig.send(push_to(cid, "{\"n\":2}")).await);
    }
    // The list push fails with a busy answer (one call per attempt: the attempt fails).
    rig.emu.fail_next_on("/push/list/cid", 1, 30019);
    rig.run_at(AFTER_WINDOW).await;
    for id in &ids {
        let m = rig.record(id).await;
        assert_eq!(m.status, MessageStatus::Retrying, "every member mirrors the merged call: {m:?}");
    }
    let claims = rig.store.claim_due("probe", AFTER_WINDOW + 3_600_000, 60_000, 100).await.unwrap();
    assert_eq!(claims.len(), 1, "{claims:?}");
    let body: serde_json::Value = serde_json::from_slice(&claims[0].body).unwrap();
    assert_eq!(body["audience"]["cid"], json!(people));
    let request_id = body["message"]["request_id"].as_str().expect("the list task's request_id").to_owned();
    rig.store.release(&claims[0].claim).await.unwrap();

    rig.run_at(AFTER_WINDOW + 3_600_000).await;
    for id in &ids {
        assert_eq!(rig.record(id).await.status, MessageStatus::Delivered);
    }
    let got = deliveries(&rig);
    assert_eq!(got.len(), 3, "each cid once: {got:?}");
    // The retry sent the persisted body: the same request_id, so Getui kept the first task.
    let tasks: BTreeSet<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tasks.len(), 1);
    assert!(rig.emu.inbox().iter().all(|d| d.request_id.as_deref().is_none_or(|r| r == request_id)));
}

#[tokio::test]
async fn coalesce_getui_false_keeps_single_pushes_single() {
    let people = cids("single", 3);
    let rig = Rig::with_cids(&[], &people, "coalesce_getui = false").await;
    for cid in &people {
        rig.send(push_to(cid, "{\"n\":3}")).await;
    }
    rig.run_at(AFTER_WINDOW).await;
    assert_eq!(rig.emu.stats().push_calls, 3);
    assert_eq!(deliveries(&rig).len(), 3);
}
