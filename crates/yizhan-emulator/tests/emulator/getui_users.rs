//! Getui user API: aliases, custom tags, status; percent-encoded Chinese path segments.

use reqwest::Method;
use serde_json::json;

use crate::getui_support::{G, assert_err, encode, notification, ok, rid};

#[tokio::test]
async fn chinese_alias_bind_lookup_push_and_unbind() {
    let g = G::new().await;
    let token = g.token().await;
    let alias = "张三_01";
    let bind = json!({"data_list": [{"cid": "cid-bob", "alias": alias}, {"cid": "cid-old", "alias": alias}]});
    assert_eq!(g.post("/user/alias", &token, bind).await.1, json!({"code": 0, "msg": "success"}));
    let path = format!("/user/cid/alias/{}", encode(alias));
    assert_eq!(ok(g.get(&path, &token).await), json!({"cid": ["cid-bob", "cid-old"]}));
    assert_eq!(ok(g.get("/user/alias/cid/cid-bob", &token).await), json!({"alias": alias}));
    assert_eq!(ok(g.get("/user/alias/cid/cid-alice", &token).await), json!({"alias": "alice"}));
    let push = json!({"request_id": rid(), "audience": {"alias": [alias]}, "push_message": notification()});
    let data = ok(g.post("/push/single/alias", &token, push).await);
    let statuses = data.as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(statuses, json!({"cid-bob": "successed_offline", "cid-old": "successed_ignore"}));

    let unbind = json!({"data_list": [{"cid": "cid-old", "alias": alias}]});
    ok(g.call(Method::DELETE, "/user/alias", Some(&token), Some(unbind)).await);
    assert_eq!(ok(g.get(&path, &token).await), json!({"cid": ["cid-bob"]}));
    ok(g.delete(&format!("/user/alias/{}", encode(alias)), &token).await);
    assert_eq!(ok(g.get(&path, &token).await), json!({"cid": []}));
    assert_eq!(ok(g.get("/user/alias/cid/cid-bob", &token).await), json!({"alias": ""}));

    let bad = json!({"data_list": [{"cid": "cid-bob", "alias": "has space"}]});
    assert_err(&g.post("/user/alias", &token, bad).await, 400, 20001, "alias is invalid");
    let ghost = json!({"data_list": [{"cid": "cid-ghost", "alias": "x"}]});
    assert_err(&g.post("/user/alias", &token, ghost).await, 400, 20001, "target user is invalid");
    assert_err(&g.get("/user/alias/cid/cid-ghost", &token).await, 400, 20001, "target user is invalid");
}

#[tokio::test]
async fn alias_holds_at_most_ten_cids() {
    let mut config = yizhan_emulator::EmulatorConfig::default();
    for i in 0..11 {
        config.getui.cids.insert(format!("d{i}"), yizhan_emulator::CidConfig::default());
    }
    let g = G::with(config, false).await;
    let token = g.token().await;
    let ten: Vec<_> = (0..10).map(|i| json!({"cid": format!("d{i}"), "alias": "team"})).collect();
    ok(g.post("/user/alias", &token, json!({ "data_list": ten })).await);
    let eleventh = g.post("/user/alias", &token, json!({"data_list": [{"cid": "d10", "alias": "team"}]})).await;
    assert_eq!((eleventh.0.as_u16(), &eleventh.1["code"]), (400, &json!(20001)), "{}", eleventh.1);
}

#[tokio::test]
async fn custom_tags_overwrite_batch_and_tag_push() {
    let g = G::new().await;
    let token = g.token().await;
    assert_eq!(ok(g.get("/user/custom_tag/cid/cid-alice", &token).await), json!({"cid-alice": ["vip beijing"]}));
    let set = json!({"custom_tag": ["上海", "vip"]});
    ok(g.post("/user/custom_tag/cid/cid-bob", &token, set).await);
    assert_eq!(ok(g.get("/user/custom_tag/cid/cid-bob", &token).await), json!({"cid-bob": ["上海 vip"]}));
    let path = format!("/user/custom_tag/batch/{}", encode("上海"));
    let body = json!({"cid": ["cid-alice", "cid-ghost"]});
    let added = ok(g.call(Method::PUT, &path, Some(&token), Some(body.clone())).await);
    assert_eq!(added, json!({"cid-alice": "true", "cid-ghost": "false"}));
    let fast = json!({"request_id": rid(), "audience": {"fast_custom_tag": "上海"}, "push_message": notification()});
    let taskid = ok(g.post("/push/fast_custom_tag", &token, fast).await)["taskid"].as_str().unwrap().to_owned();
    let reached: Vec<String> =
        g.env.emu.inbox().into_iter().filter(|d| d.msgid == taskid).map(|d| d.recipient).collect();
    assert_eq!(reached, ["cid-alice", "cid-bob"]);
    ok(g.call(Method::DELETE, &path, Some(&token), Some(body)).await);
    assert_eq!(ok(g.get("/user/custom_tag/cid/cid-alice", &token).await), json!({"cid-alice": ["vip beijing"]}));
    let too_many: Vec<String> = (0..101).map(|i| format!("t{i}")).collect();
    let over = g.post("/user/custom_tag/cid/cid-bob", &token, json!({ "custom_tag": too_many })).await;
    assert_err(&over, 400, 20001, "custom_tag size over limit");
    g.env.emu.reset();
    let token = g.token().await;
    assert_eq!(ok(g.get("/user/custom_tag/cid/cid-bob", &token).await), json!({"cid-bob": ["beta"]}), "reset");
}

#[tokio::test]
async fn user_status() {
    let g = G::manual().await;
    let token = g.token().await;
    let data = ok(g.get("/user/status/cid-alice,cid-bob,cid-old,cid-ghost", &token).await);
    let now = g.now_ms();
    assert_eq!(data["cid-alice"], json!({"last_login_time": (now - 60_000).to_string(), "status": "online"}));
    assert_eq!(data["cid-bob"]["status"], "offline");
    assert_eq!(data["cid-old"]["status"], "offline");
    assert!(data["cid-bob"]["last_login_time"].is_string());
    assert_eq!(data.as_object().unwrap().len(), 3, "unknown cids are left out");
}
