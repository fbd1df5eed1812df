//! Getui report and task-detail endpoints.

use serde_json::json;
use yizhan_emulator::EmulatorConfig;

use crate::getui_support::{G, notification, ok, only_key, rid, to_cid};

#[tokio::test]
async fn task_and_date_reports_count_what_was_recorded() {
    let g = G::manual().await;
    let token = g.token().await;
    let all = json!({"request_id": rid(), "audience": "all", "push_message": notification()});
    let app_task = ok(g.post("/push/all", &token, all.clone()).await)["taskid"].as_str().unwrap().to_owned();
    ok(g.post("/push/all", &token, all).await); // deduplicated: not counted
    let list = ok(g.post("/push/list/message", &token, json!({"push_message": {"transmission": "x"}})).await);
    let list_task = list["taskid"].as_str().unwrap().to_owned();
    let body = json!({"audience": {"cid": ["cid-alice", "cid-bob"]}, "taskid": list_task});
    ok(g.post("/push/list/cid", &token, body).await);

    let report = ok(g.get(&format!("/report/push/task/{app_task},{list_task},RASA_unknown"), &token).await);
    assert_eq!(report.as_object().unwrap().len(), 2, "{report}");
    let total = json!({"msg_num": 2, "target_num": 3, "receive_num": 1, "display_num": 1, "click_num": 0});
    let gt = json!({"target_num": 3, "receive_num": 1, "display_num": 1, "click_num": 0});
    assert_eq!(report[&app_task], json!({"total": total, "gt": gt}));
    assert_eq!(report[&list_task]["total"]["target_num"], 2);
    assert_eq!(report[&list_task]["total"]["display_num"], 0, "a transmission is not displayed");

    // START_MS is 2023-11-15 in UTC+8.
    let day = ok(g.get("/report/push/date/2023-11-15", &token).await);
    assert_eq!(
        day["2023-11-15"]["total"],
        json!({"target_num": 5, "receive_num": 2, "display_num": 1, "click_num": 0})
    );
    let before = ok(g.get("/report/push/date/2023-11-14", &token).await);
    assert_eq!(before["2023-11-14"]["total"]["target_num"], 0);
    let bad = g.get("/report/push/date/2023-1-1", &token).await;
    assert_eq!((bad.0.as_u16(), &bad.1["msg"]), (400, &json!("date is invalid")));
}

#[tokio::test]
async fn task_detail_needs_permission() {
    let g = G::new().await;
    let token = g.token().await;
    let taskid = only_key(&ok(g.post("/push/single/cid", &token, to_cid("cid-bob")).await));
    let denied = g.get(&format!("/task/detail/cid-bob/{taskid}"), &token).await;
    assert_eq!((denied.0.as_u16(), &denied.1["code"]), (401, &json!(10004)), "{}", denied.1);

    let mut config = EmulatorConfig::default();
    config.getui.task_detail_permission = true;
    let g = G::with(config, false).await;
    let token = g.token().await;
    let taskid = only_key(&ok(g.post("/push/single/cid", &token, to_cid("cid-bob")).await));
    let detail = ok(g.get(&format!("/task/detail/cid-bob/{taskid}"), &token).await);
    let events = detail["detail"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["event"], "消息请求成功");
    assert_eq!(events[0]["time"].as_str().unwrap().len(), "yyyy-MM-dd HH:mm:ss".len());
    assert_eq!(ok(g.get(&format!("/task/detail/cid-alice/{taskid}"), &token).await), json!({"detail": []}));
}
