//! Getui request_id dedupe.

use std::time::Duration;

use serde_json::json;
use yizhan_emulator::{DedupeAnswer, EmulatorConfig};

use crate::getui_support::{G, assert_err, notification, ok, only_key, rid, to_cid};

#[tokio::test]
async fn repeated_request_id_is_not_delivered_again() {
    let g = G::manual().await;
    let token = g.token().await;
    let body = to_cid("cid-alice");
    let first = ok(g.post("/push/single/cid", &token, body.clone()).await);
    let again = ok(g.post("/push/single/cid", &token, body.clone()).await);
    assert_eq!(again, first, "the original result, same taskid");
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 2);
    assert!(!inbox[0].deduplicated && inbox[1].deduplicated);
    assert_eq!(inbox[1].msgid, only_key(&first));
    assert_eq!(inbox[1].status.as_deref(), Some("successed_online"));
    assert_eq!(inbox[1].request_id, inbox[0].request_id);
    let stats = g.env.emu.stats();
    assert_eq!((stats.delivered, stats.deduplicated), (1, 1));

    // After the window (24 h) the same request_id is a new push.
    g.env.time().advance(Duration::from_millis(86_400_000));
    let token = g.token().await;
    let later = ok(g.post("/push/single/cid", &token, body).await);
    assert_ne!(only_key(&later), only_key(&first));
    assert_eq!(g.env.emu.stats().delivered, 2);
}

#[tokio::test]
async fn dedupe_spans_endpoints_and_app_pushes() {
    let g = G::new().await;
    let token = g.token().await;
    let request_id = rid();
    let all = json!({"request_id": request_id, "audience": "all", "push_message": notification()});
    let first = ok(g.post("/push/all", &token, all.clone()).await);
    assert_eq!(ok(g.post("/push/all", &token, all).await), first);
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 6, "3 cids sent, 3 deduplicated");
    assert_eq!(inbox.iter().filter(|d| d.deduplicated).count(), 3);
    let mut single = to_cid("cid-bob");
    single["request_id"] = json!(request_id);
    assert_eq!(ok(g.post("/push/single/cid", &token, single).await), first, "one request_id space per app");
    let list = json!({"request_id": rid(), "push_message": notification()});
    let message = ok(g.post("/push/list/message", &token, list.clone()).await);
    assert_eq!(ok(g.post("/push/list/message", &token, list).await), message);
}

#[tokio::test]
async fn error_answer_when_configured() {
    let mut config = EmulatorConfig::default();
    config.getui.dedupe_answer = DedupeAnswer::Error;
    let g = G::with(config, false).await;
    let token = g.token().await;
    let body = to_cid("cid-bob");
    ok(g.post("/push/single/cid", &token, body.clone()).await);
    assert_err(&g.post("/push/single/cid", &token, body.clone()).await, 400, 20001, "request_id cannot be repeat.");
    let batch = json!({"msg_list": [to_cid("cid-alice"), body]});
    assert_err(&g.post("/push/single/batch/cid", &token, batch).await, 400, 20001, "request_id cannot be repeat.");
    let stats = g.env.emu.stats();
    assert_eq!((stats.delivered, stats.deduplicated), (1, 2), "nothing of the batch was sent");
}
