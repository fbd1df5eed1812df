//! Getui single and batch pushes, body validation.

use serde_json::{Value, json};

use crate::getui_support::{G, assert_err, notification, ok, only_key, rid, to_cid};

#[tokio::test]
async fn single_push_statuses_per_cid_state() {
    let g = G::new().await;
    let token = g.token().await;
    let mut taskids = vec![];
    for (cid, status) in
        [("cid-alice", "successed_online"), ("cid-bob", "successed_offline"), ("cid-old", "successed_ignore")]
    {
        let data = ok(g.post("/push/single/cid", &token, to_cid(cid)).await);
        let taskid = only_key(&data);
        assert!(taskid.starts_with("RASS_"), "{taskid}");
        assert_eq!(data[&taskid], json!({ cid: status }));
        taskids.push(taskid);
    }
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 3);
    for (d, taskid) in inbox.iter().zip(&taskids) {
        assert_eq!((d.provider.as_str(), d.app.as_str(), d.msgtype.as_str()), ("getui", "yizhandemo", "notification"));
        assert_eq!(&d.msgid, taskid);
        assert_eq!(d.content, notification());
        assert!(d.request_id.as_deref().is_some_and(|r| r.starts_with("req")));
        assert!(!d.deduplicated);
    }
    assert_eq!(inbox[0].status.as_deref(), Some("successed_online"));
    assert_eq!(inbox[1].dropped, None);
    assert_eq!(inbox[2].dropped.as_deref(), Some("inactive_90_days"));
    let stats = g.env.emu.stats();
    assert_eq!((stats.delivered, stats.dropped, stats.push_calls), (2, 1, 3));
}

#[tokio::test]
async fn unknown_cid_and_alias_push() {
    let g = G::new().await;
    let token = g.token().await;
    assert_err(&g.post("/push/single/cid", &token, to_cid("cid-nobody")).await, 400, 20001, "target user is invalid");
    let mut two = to_cid("cid-alice");
    two["audience"]["cid"] = json!(["cid-alice", "cid-bob"]);
    assert_err(&g.post("/push/single/cid", &token, two).await, 400, 20001, "cid size over limit");
    let alias =
        json!({"request_id": rid(), "audience": {"alias": ["alice"]}, "push_message": {"transmission": "{\"k\":1}"}});
    let data = ok(g.post("/push/single/alias", &token, alias).await);
    assert_eq!(data[only_key(&data)], json!({"cid-alice": "successed_online"}));
    let nobody = json!({"request_id": rid(), "audience": {"alias": ["nobody"]}, "push_message": {"transmission": "x"}});
    assert_err(&g.post("/push/single/alias", &token, nobody).await, 400, 20001, "target user is invalid");
    let inbox = g.env.emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].recipient.as_str(), inbox[0].msgtype.as_str()), ("cid-alice", "transmission"));
}

#[tokio::test]
async fn body_validation_messages() {
    let g = G::new().await;
    let token = g.token().await;
    let with = |patch: Value| {
        let mut body = to_cid("cid-alice");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            json!({"push_message": {"notification": notification()["notification"], "transmission": "x"}}),
            "please choose one of notification and transmission and revoke",
        ),
        (json!({"request_id": "short"}), "request_id is invalid"),
        (json!({"request_id": "r".repeat(33)}), "request_id size over limit"),
        (json!({"request_id": null}), "request_id can not be empty"),
        (json!({"audience": null}), "audience can not be empty"),
        (json!({"audience": {"cid": ["cid-alice", "cid-alice"]}}), "contains duplicate cid"),
        (
            json!({"push_message": {"notification": {"title": "t".repeat(51), "body": "b", "click_type": "none"}}}),
            "title size over limit",
        ),
        (
            json!({"push_message": {"notification": {"title": "t", "body": "b".repeat(257), "click_type": "none"}}}),
            "body size over limit",
        ),
        (
            json!({"push_message": {"notification": {"title": "t", "body": "b", "click_type": "payload"}}}),
            "payload can not be empty",
        ),
        (json!({"push_message": {"transmission": "x".repeat(3073)}}), "transmission size over limit"),
        (json!({"settings": {"ttl": -2}}), "ttl is invalid"),
        (json!({"settings": {"schedule_time": 4_000_000_000_000_i64}}), "schedule_time is invalid"),
    ];
    for (patch, msg) in cases {
        assert_err(&g.post("/push/single/cid", &token, with(patch)).await, 400, 20001, msg);
    }
    let not_json = g.post("/push/single/cid", &token, json!("a string")).await;
    assert_eq!((not_json.0.as_u16(), &not_json.1["code"]), (200, &json!(1)), "{}", not_json.1);
    assert!(g.env.emu.inbox().is_empty());
    assert_eq!(g.env.emu.stats().errors, 13);
}

#[tokio::test]
async fn no_content_type_and_json_content_type_are_both_accepted() {
    let g = G::new().await;
    let token = g.token().await;
    let url = g.url("/push/single/cid");
    let raw = g.env.http.post(&url).header("token", &token).body(to_cid("cid-alice").to_string());
    assert_eq!(raw.send().await.unwrap().status(), 200);
    let typed = g.env.http.post(&url).header("token", &token).json(&to_cid("cid-bob"));
    let typed = typed.send().await.unwrap();
    assert_eq!(typed.headers()["content-type"], "application/json; charset=UTF-8");
    assert_eq!(typed.json::<Value>().await.unwrap()["code"], 0);
    assert_eq!(g.env.emu.inbox().len(), 2);
}

#[tokio::test]
async fn batch_single_push() {
    let g = G::new().await;
    let token = g.token().await;
    let body = json!({"is_async": false, "msg_list": [to_cid("cid-alice"), to_cid("cid-old")]});
    let data = ok(g.post("/push/single/batch/cid", &token, body).await);
    let results: Vec<&Value> = data.as_object().unwrap().values().collect();
    assert_eq!(results.len(), 2, "one taskid per item: {data}");
    let async_body = json!({"is_async": true, "msg_list": [to_cid("cid-bob")]});
    let answer = g.post("/push/single/batch/cid", &token, async_body).await;
    assert_eq!(ok(answer), Value::Null, "async answers carry no data");
    let alias = json!({"request_id": rid(), "audience": {"alias": ["alice"]}, "push_message": {"transmission": "x"}});
    ok(g.post("/push/single/batch/alias", &token, json!({"msg_list": [alias]})).await);
    assert_eq!(g.env.emu.inbox().len(), 4);
    let too_many: Vec<Value> = (0..201).map(|_| to_cid("cid-alice")).collect();
    let over = g.post("/push/single/batch/cid", &token, json!({"msg_list": too_many})).await;
    assert_err(&over, 400, 20001, "msg_list size over limit");
    let one_bad = json!({"msg_list": [to_cid("cid-alice"), to_cid("cid-nobody")]});
    assert_err(&g.post("/push/single/batch/cid", &token, one_bad).await, 400, 20001, "target user is invalid");
    let same = to_cid("cid-alice");
    let dup = json!({"msg_list": [same, same]});
    assert_err(&g.post("/push/single/batch/cid", &token, dup).await, 400, 20001, "contains duplicate request_id");
    assert_eq!(g.env.emu.inbox().len(), 4, "rejected batches send nothing");
}
