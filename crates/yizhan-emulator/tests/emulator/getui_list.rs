//! Getui list pushes: create message, push to cids / aliases in chunks, stop.

use serde_json::{Value, json};
use yizhan_emulator::{CidConfig, CidStatus, EmulatorConfig};

use crate::getui_support::{G, assert_err, notification, ok, only_key, to_cid};

fn many_cids(n: usize) -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    for i in 0..n {
        let status = if i % 2 == 0 { CidStatus::Online } else { CidStatus::Offline };
        config.getui.cids.insert(format!("c{i:04}"), CidConfig { status, ..CidConfig::default() });
    }
    config
}

async fn create_message(g: &G, token: &str) -> String {
    let data = ok(g.post("/push/list/message", token, json!({"push_message": notification()})).await);
    let taskid = data["taskid"].as_str().unwrap().to_owned();
    assert!(taskid.starts_with("RASL_"), "{taskid}");
    taskid
}

#[tokio::test]
async fn list_message_then_2501_cids_in_three_calls() {
    let g = G::with(many_cids(2501), false).await;
    let token = g.token().await;
    let taskid = create_message(&g, &token).await;
    let cids: Vec<String> = (0..2501).map(|i| format!("c{i:04}")).collect();
    for chunk in cids.chunks(1000) {
        let body = json!({"audience": {"cid": chunk}, "taskid": taskid, "is_async": false});
        let data = ok(g.post("/push/list/cid", &token, body).await);
        assert_eq!(only_key(&data), taskid);
        assert_eq!(data[&taskid].as_object().unwrap().len(), chunk.len());
        assert_eq!(data[&taskid]["c0000"].as_str().unwrap_or("successed_online"), "successed_online");
    }
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 2501);
    assert!(inbox.iter().all(|d| d.msgid == taskid && d.msgtype == "notification"));
    let mut seen: Vec<&str> = inbox.iter().map(|d| d.recipient.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 2501, "every cid exactly once");
    assert_eq!(inbox.iter().filter(|d| d.status.as_deref() == Some("successed_offline")).count(), 1250);
}

#[tokio::test]
async fn list_limits_and_taskid_checks() {
    let g = G::with(many_cids(1001), false).await;
    let token = g.token().await;
    let taskid = create_message(&g, &token).await;
    let cids: Vec<String> = (0..1001).map(|i| format!("c{i:04}")).collect();
    let over = g.post("/push/list/cid", &token, json!({"audience": {"cid": cids}, "taskid": taskid})).await;
    assert_err(&over, 400, 20001, "cid size over limit");
    let unknown = g.post("/push/list/cid", &token, json!({"audience": {"cid": ["c0001"]}, "taskid": "RASL_x"})).await;
    assert_err(&unknown, 400, 20001, "taskid is invalid");
    let missing = g.post("/push/list/cid", &token, json!({"audience": {"cid": ["c0001"]}})).await;
    assert_err(&missing, 400, 20001, "taskid can not be empty");
    let nobody = json!({"audience": {"cid": ["zz1", "zz2"]}, "taskid": taskid});
    assert_err(&g.post("/push/list/cid", &token, nobody).await, 400, 20001, "target user is invalid");
    let partly = json!({"audience": {"cid": ["zz1", "c0001"]}, "taskid": taskid, "is_async": true});
    assert_eq!(ok(g.post("/push/list/cid", &token, partly).await), Value::Null);
    assert_eq!(g.env.emu.inbox().len(), 1, "unknown cids are skipped");
    let single = ok(g.post("/push/single/cid", &token, to_cid("c0002")).await);
    let wrong_kind = json!({"audience": {"cid": ["c0001"]}, "taskid": only_key(&single)});
    assert_err(&g.post("/push/list/cid", &token, wrong_kind).await, 400, 20001, "taskid is invalid");
}

#[tokio::test]
async fn list_alias_with_detail_and_stop() {
    let g = G::new().await;
    let token = g.token().await;
    let taskid = create_message(&g, &token).await;
    let body = json!({"audience": {"alias": ["alice", "ghost"]}, "taskid": taskid, "need_alias_detail": true});
    let data = ok(g.post("/push/list/alias", &token, body).await);
    assert_eq!(data, json!({ &taskid: {"alice": {"cid-alice": "successed_online"}} }));
    let plain = json!({"audience": {"alias": ["alice"]}, "taskid": taskid});
    assert_eq!(
        ok(g.post("/push/list/alias", &token, plain).await),
        json!({ &taskid: {"cid-alice": "successed_online"}})
    );
    let stop = g.delete(&format!("/task/{taskid}"), &token).await;
    assert_eq!(stop.1, json!({"code": 0, "msg": "success"}));
    let after = json!({"audience": {"cid": ["cid-bob"]}, "taskid": taskid});
    assert_err(&g.post("/push/list/cid", &token, after).await, 400, 20001, "taskid is invalid");
    let single = ok(g.post("/push/single/cid", &token, to_cid("cid-bob")).await);
    let stop_single = g.delete(&format!("/task/{}", only_key(&single)), &token).await;
    assert_err(&stop_single, 400, 20001, "taskid is invalid");
    assert_err(&g.delete("/task/RASA_unknown", &token).await, 400, 20001, "taskid is invalid");
    assert_eq!(g.env.emu.inbox().len(), 3);
}
