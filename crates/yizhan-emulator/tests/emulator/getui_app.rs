//! Getui app-level pushes: all, tag, fast_custom_tag, quotas, schedules.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_emulator::EmulatorConfig;

use crate::getui_support::{G, assert_err, notification, ok, rid};
use crate::support::START_MS;

fn all() -> Value {
    json!({"request_id": rid(), "audience": "all", "push_message": notification()})
}

fn tag(conditions: Value) -> Value {
    json!({"request_id": rid(), "audience": {"tag": conditions}, "push_message": {"transmission": "t"}})
}

fn recipients(g: &G, taskid: &str) -> Vec<String> {
    g.env.emu.inbox().into_iter().filter(|d| d.msgid == taskid).map(|d| d.recipient).collect()
}

#[tokio::test]
async fn push_all_reaches_every_cid_and_sixth_call_is_30014() {
    let g = G::manual().await;
    let token = g.token().await;
    let data = ok(g.post("/push/all", &token, all()).await);
    let taskid = data["taskid"].as_str().unwrap();
    assert!(taskid.starts_with("RASA_"), "{taskid}");
    assert_eq!(recipients(&g, taskid), ["cid-alice", "cid-bob", "cid-old"]);
    for _ in 0..2 {
        ok(g.post("/push/all", &token, all()).await);
        ok(g.post("/push/tag", &token, tag(json!([{"key": "phone_type", "values": ["ios"], "opt_type": "or"}]))).await);
    }
    let sixth = g.post("/push/all", &token, all()).await;
    assert_eq!((sixth.0.as_u16(), &sixth.1["code"]), (403, &json!(30014)), "{}", sixth.1);
    assert_eq!(g.post("/push/tag", &token, tag(json!([]))).await.1["msg"], "tag can not be empty");
    g.env.time().advance(Duration::from_secs(60));
    ok(g.post("/push/all", &token, all()).await);
    let audience = json!({"request_id": rid(), "audience": {"cid": ["cid-alice"]}, "push_message": notification()});
    assert_err(&g.post("/push/all", &token, audience).await, 400, 20001, "audience is invalid");
}

#[tokio::test]
async fn daily_caps_30007_and_30010() {
    let mut config = EmulatorConfig::default();
    config.getui.app_push_per_day = 2;
    config.getui.app_push_per_minute = 100;
    let g = G::with(config, true).await;
    let token = g.token().await;
    ok(g.post("/push/all", &token, all()).await);
    ok(g.post("/push/tag", &token, tag(json!([{"key": "custom_tag", "values": ["vip"], "opt_type": "or"}]))).await);
    let all_over = g.post("/push/all", &token, all()).await;
    assert_eq!((all_over.0.as_u16(), &all_over.1["code"]), (403, &json!(30007)), "{}", all_over.1);
    let tag_over = g.post("/push/tag", &token, tag(json!([{"key": "custom_tag", "values": ["x"], "opt_type": "or"}])));
    assert_eq!(tag_over.await.1["code"], 30010);
    g.env.time().advance(Duration::from_millis(86_400_000));
    let token = g.token().await;
    ok(g.post("/push/all", &token, all()).await);
}

#[tokio::test]
async fn tag_conditions_and_fast_custom_tag() {
    let g = G::new().await;
    let token = g.token().await;
    let cases = [
        (json!([{"key": "custom_tag", "values": ["vip", "beta"], "opt_type": "or"}]), vec!["cid-alice", "cid-bob"]),
        (json!([{"key": "custom_tag", "values": ["vip", "beta"], "opt_type": "and"}]), vec![]),
        (
            json!([{"key": "custom_tag", "values": ["vip"], "opt_type": "not"},
                {"key": "phone_type", "values": ["android"], "opt_type": "or"}]),
            vec!["cid-bob", "cid-old"],
        ),
    ];
    for (conditions, expected) in cases {
        let data = ok(g.post("/push/tag", &token, tag(conditions.clone())).await);
        assert_eq!(recipients(&g, data["taskid"].as_str().unwrap()), expected, "{conditions}");
    }
    let bad = tag(json!([{"key": "city", "values": ["11"], "opt_type": "or"}]));
    assert_err(&g.post("/push/tag", &token, bad).await, 400, 20001, "key is invalid");
    let fast = json!({"request_id": rid(), "audience": {"fast_custom_tag": "beta"}, "push_message": notification()});
    let data = ok(g.post("/push/fast_custom_tag", &token, fast).await);
    assert_eq!(recipients(&g, data["taskid"].as_str().unwrap()), ["cid-bob"]);
}

#[tokio::test]
async fn scheduled_push_is_sent_when_the_clock_passes() {
    let g = G::manual().await;
    let token = g.token().await;
    let at = START_MS + 3_600_000;
    let mut body = all();
    body["push_message"] = json!({"transmission": "later"});
    body["settings"] = json!({"schedule_time": at});
    let data = ok(g.post("/push/all", &token, body).await);
    let taskid = data["taskid"].as_str().unwrap().to_owned();
    assert!(g.env.emu.inbox().is_empty(), "not before its time");
    let status = ok(g.get(&format!("/task/schedule/{taskid}"), &token).await);
    let expected = json!({"create_time": START_MS.to_string(), "send_result": "do_not_send",
        "transmission_content": "later", "push_time": at.to_string()});
    assert_eq!(status, json!({ &taskid: expected }));
    g.env.time().advance(Duration::from_millis(3_599_999));
    assert!(g.env.emu.inbox().is_empty());
    g.env.time().advance(Duration::from_millis(1));
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 3);
    assert!(inbox.iter().all(|d| d.at_ms == at && d.msgid == taskid && d.msgtype == "transmission"));
    let status = ok(g.get(&format!("/task/schedule/{taskid}"), &token).await);
    assert_eq!(status[&taskid]["send_result"], "send_success");
    let delete = g.delete(&format!("/task/schedule/{taskid}"), &token).await;
    assert_eq!((delete.0.as_u16(), &delete.1["code"]), (400, &json!(22001)), "{}", delete.1);
    assert_eq!(g.env.emu.inbox().len(), 3, "sent once");
}

#[tokio::test]
async fn schedule_delete_rules_and_limits() {
    let g = G::manual().await;
    let token = g.token().await;
    let scheduled = |at: i64| {
        let mut body = all();
        body["settings"] = json!({"schedule_time": at});
        body
    };
    let far = g.post("/push/all", &token, scheduled(START_MS + 8 * 86_400_000)).await;
    assert_eq!((far.0.as_u16(), &far.1["code"]), (400, &json!(22002)), "{}", far.1);
    let past = g.post("/push/tag", &token, scheduled(START_MS - 1)).await;
    assert_err(&past, 400, 20001, "schedule_time is invalid");
    let soon =
        ok(g.post("/push/all", &token, scheduled(START_MS + 30_000)).await)["taskid"].as_str().unwrap().to_owned();
    let soon_delete = g.delete(&format!("/task/schedule/{soon}"), &token).await;
    assert_eq!((soon_delete.0.as_u16(), &soon_delete.1["code"]), (400, &json!(22002)), "within a minute");
    let later =
        ok(g.post("/push/all", &token, scheduled(START_MS + 600_000)).await)["taskid"].as_str().unwrap().to_owned();
    assert_eq!(g.delete(&format!("/task/schedule/{later}"), &token).await.1, json!({"code": 0, "msg": "success"}));
    let stopped =
        ok(g.post("/push/all", &token, scheduled(START_MS + 900_000)).await)["taskid"].as_str().unwrap().to_owned();
    ok(g.delete(&format!("/task/{stopped}"), &token).await);
    g.env.time().advance(Duration::from_secs(3600));
    let inbox = g.env.emu.inbox();
    assert!(inbox.iter().all(|d| d.msgid == soon), "deleted and stopped tasks are never sent");
    assert_eq!(inbox.len(), 3);
    let status = ok(g.get(&format!("/task/schedule/{later}"), &token).await);
    assert_eq!(status[&later]["send_result"], "has_delete");
    let unknown = g.get("/task/schedule/RASA_nope", &token).await;
    assert_eq!((unknown.0.as_u16(), &unknown.1["code"]), (400, &json!(22002)));
}
