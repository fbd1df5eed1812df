//! Fault knobs on Getui routes: scripted codes, 301 redirect, delay after accept, transport faults.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::getui_support::{G, assert_err, ok, to_cid};
use yizhan_test_kit::wait;

#[tokio::test]
async fn fail_next_on_accepts_full_and_relative_paths() {
    let g = G::new().await;
    let token = g.token().await;
    g.env.emu.fail_next_on("/push/single/cid", 1, 30019);
    g.env.emu.fail_next_on("/v2/yizhandemo/push/single/cid", 1, 10001);
    let busy = g.post("/push/single/cid", &token, to_cid("cid-alice")).await;
    assert_err(&busy, 403, 30019, "system busy, please try again later");
    assert_err(&g.post("/push/single/cid", &token, to_cid("cid-alice")).await, 401, 10001, "token is invalid");
    assert!(g.env.emu.inbox().is_empty(), "faulted calls are not processed");
    ok(g.post("/push/single/cid", &token, to_cid("cid-alice")).await);
    g.env.emu.fail_next(1, 2);
    let starting = g.get("/user/status/cid-alice", &token).await;
    assert_eq!((starting.0.as_u16(), &starting.1["code"]), (200, &json!(2)));
    let stats = g.env.emu.stats();
    assert_eq!((stats.errors, stats.push_calls, stats.delivered), (3, 3, 1));
}

#[tokio::test]
async fn redirect_next_answers_301_with_a_host_list() {
    let g = G::new().await;
    let token = g.token().await;
    let other = "http://127.0.0.1:9".to_owned();
    g.env.emu.redirect_next(1, vec![other.clone()]);
    let (status, body) = g.post("/push/single/cid", &token, to_cid("cid-alice")).await;
    assert_eq!((status.as_u16(), &body["code"]), (200, &json!(301)), "{body}");
    assert_eq!(body["data"]["host_list"], json!([{"domain_list": [other], "priority_gap": 30}]));
    assert_eq!(body["data"]["domain_hash"].as_str().unwrap().len(), 32);
    assert!(g.env.emu.inbox().is_empty());
    ok(g.post("/push/single/cid", &token, to_cid("cid-alice")).await);

    let armed = json!({"redirect": {"domains": ["http://127.0.0.2:1"]}});
    let resp = g.env.http.post(g.env.url("/__emulator/faults")).body(armed.to_string()).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let wecom = g.env.gettoken_query("corpid=wwyizhandemo&corpsecret=yizhan-demo-secret").await;
    assert_eq!(wecom["errcode"], 0, "WeCom calls never take a redirect");
    let (_, body) = g.post("/push/single/cid", &token, to_cid("cid-alice")).await;
    assert_eq!(body["data"]["host_list"][0]["domain_list"], json!(["http://127.0.0.2:1"]));
    g.env.emu.fail_next(1, 301);
    let (_, body) = g.post("/push/single/cid", &token, to_cid("cid-alice")).await;
    let own = g.env.base.clone();
    assert_eq!(body["data"]["host_list"][0]["domain_list"], json!([own]), "a scripted 301 points at the emulator");
}

#[tokio::test]
async fn delay_is_after_accept_so_a_timed_out_push_was_delivered() {
    let g = G::new().await;
    let token = g.token().await;
    g.env.emu.set_delay(Duration::from_millis(800));
    let request =
        g.env.http.post(g.url("/push/single/cid")).header("token", &token).body(to_cid("cid-bob").to_string());
    let timed_out = request.timeout(Duration::from_millis(200)).send().await;
    assert!(timed_out.unwrap_err().is_timeout());
    wait::until("the timed-out push in the inbox", Duration::from_secs(5), || !g.env.emu.inbox().is_empty()).await;
    assert_eq!(g.env.emu.inbox().len(), 1, "the timed-out push was accepted");
    let started = Instant::now();
    ok(g.post("/push/single/cid", &token, to_cid("cid-alice")).await);
    assert!(started.elapsed() >= Duration::from_millis(800), "the answer itself is delayed");
    g.env.emu.set_delay(Duration::ZERO);
}

#[tokio::test]
async fn transport_faults_on_getui() {
    let g = G::new().await;
    let token = g.token().await;
    g.env.emu.drop_next_connections(1);
    g.env.emu.http_500_next(1);
    let url = g.url("/push/single/cid");
    let dropped = g.env.http.post(&url).header("token", &token).body(to_cid("cid-alice").to_string()).send().await;
    assert!(dropped.unwrap_err().status().is_none());
    let five = g.env.http.post(&url).header("token", &token).body(to_cid("cid-alice").to_string()).send().await;
    assert_eq!(five.unwrap().status(), 500);
    ok(g.post("/push/single/cid", &token, to_cid("cid-alice")).await);
    assert_eq!(g.env.emu.inbox().len(), 1);
}
