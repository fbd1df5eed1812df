//! Every fault knob, through the handle.

use std::time::{Duration, Instant};

use crate::support::{Env, SEND, assert_error, text_body};
use yizhan_test_kit::wait;

#[tokio::test]
async fn fail_next_counts_every_provider_call() {
    let env = Env::new().await;
    env.emu.fail_next(2, -1);
    let v = env.gettoken_query("corpid=x&corpsecret=y").await;
    assert_error(&v, -1);
    assert!(v["errmsg"].as_str().unwrap().starts_with("system busy, hint: ["), "{v}");
    assert_error(&env.send_raw(Some("whatever"), "{}").await, -1);
    let token = env.token().await;
    assert_eq!(env.text(&token, "alice", "hi").await["errcode"], 0);
    let stats = env.emu.stats();
    assert_eq!((stats.gettoken_calls, stats.send_calls, stats.errors, stats.delivered), (2, 2, 2, 1));
}

#[tokio::test]
async fn fail_next_on_targets_one_path() {
    let env = Env::new().await;
    env.emu.fail_next_on(SEND, 1, 45009);
    let token = env.token().await;
    let v = env.text(&token, "alice", "hi").await;
    assert_error(&v, 45009);
    assert!(v["errmsg"].as_str().unwrap().starts_with("api freq out of limit"), "{v}");
    assert!(env.emu.inbox().is_empty(), "a faulted call is not processed");
    assert_eq!(env.text(&token, "alice", "hi").await["errcode"], 0);
}

#[tokio::test]
async fn control_endpoints_are_never_faulted() {
    let env = Env::new().await;
    env.emu.fail_next(1, -1);
    env.emu.http_500_next(1);
    env.emu.drop_next_connections(1);
    env.emu.set_delay(Duration::from_secs(5));
    let started = Instant::now();
    let resp = env.http.get(env.url("/__emulator/stats")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    env.emu.reset();
    assert_eq!(env.token().await.len(), 86, "reset disarmed everything");
}

#[tokio::test]
async fn delay_applies_to_provider_responses() {
    let env = Env::new().await;
    let token = env.token().await;
    env.emu.set_delay(Duration::from_secs(1));
    let started = Instant::now();
    assert_eq!(env.text(&token, "alice", "slow").await["errcode"], 0);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let timeout = env
        .http
        .post(env.url(&format!("{SEND}?access_token={token}")))
        .body(text_body("bob", "timed out").to_string())
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(timeout.unwrap_err().is_timeout());
    wait::until("the timed-out request in the inbox", Duration::from_secs(5), || env.emu.inbox().len() >= 2).await;
    assert_eq!(env.emu.inbox().len(), 2, "the timed-out request was still accepted");
    env.emu.set_delay(Duration::ZERO);
    let started = Instant::now();
    env.text(&token, "alice", "fast").await;
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn dropped_connections_are_transport_errors() {
    let env = Env::new().await;
    let token = env.token().await;
    env.emu.drop_next_connections(2);
    let url = env.url(&format!("{SEND}?access_token={token}"));
    for _ in 0..2 {
        let result = env.http.post(&url).body(text_body("alice", "lost").to_string()).send().await;
        let err = result.expect_err("the connection must close without a response");
        assert!(err.status().is_none(), "{err:?}");
    }
    let gettoken = env.http.get(env.url("/cgi-bin/gettoken?corpid=a&corpsecret=b")).send().await;
    assert_eq!(gettoken.unwrap().status(), 200, "only two were armed");
    assert_eq!(env.text(&token, "alice", "kept").await["errcode"], 0);
    assert_eq!(env.emu.inbox().len(), 1, "dropped requests were not processed");
    assert_eq!(env.emu.stats().errors, 3);
}

#[tokio::test]
async fn http_500_then_normal() {
    let env = Env::new().await;
    env.emu.http_500_next(1);
    let resp = env.http.get(env.url("/cgi-bin/gettoken?corpid=a&corpsecret=b")).send().await.unwrap();
    assert_eq!(resp.status(), 500);
    assert!(resp.text().await.unwrap().contains("500 Internal Server Error"));
    assert_eq!(env.token().await.len(), 86);
    assert_eq!(env.emu.stats().errors, 1);
}

#[tokio::test]
async fn expire_tokens_knob() {
    let env = Env::new().await;
    let token = env.token().await;
    env.emu.expire_tokens();
    assert_error(&env.text(&token, "alice", "hi").await, 42001);
    let fresh = env.token().await;
    assert_eq!(env.text(&fresh, "alice", "hi").await["errcode"], 0);
}

#[tokio::test]
async fn random_faults_over_http_lose_answers_of_delivered_calls_and_turn_off() {
    let env = Env::new().await;
    let token = env.token().await;
    let arm = |body: serde_json::Value| {
        let (http, url) = (env.http.clone(), env.url("/__emulator/faults"));
        async move { assert_eq!(http.post(url).body(body.to_string()).send().await.unwrap().status(), 200) }
    };
    arm(serde_json::json!({"random": {"seed": 3, "busy_rate": 1.0}})).await;
    assert_error(&env.text(&token, "alice", "busy").await, -1);
    arm(serde_json::json!({"random": {"seed": 3, "lost_answer_rate": 1.0, "lost_answer_ms": 50}})).await;
    let lost = env
        .http
        .post(env.url(&format!("{SEND}?access_token={token}")))
        .body(text_body("bob", "processed, answer lost").to_string())
        .send()
        .await;
    assert!(lost.is_err() || lost.unwrap().bytes().await.is_err(), "no answer reaches the client");
    assert_eq!(env.emu.inbox().len(), 1, "the call was processed");
    assert_eq!(env.emu.inbox()[0].recipient, "bob");
    arm(serde_json::json!({"random": {"seed": 3, "token_expiry_every": 1}})).await;
    assert_error(&env.text(&token, "alice", "expired").await, 42001);
    arm(serde_json::json!({"random_off": true})).await;
    let token = env.token().await;
    assert_eq!(env.text(&token, "alice", "fine").await["errcode"], 0);
    let bad = env.http.post(env.url("/__emulator/faults")).body(r#"{"random":{"nope":1}}"#).send().await.unwrap();
    assert_eq!(bad.status(), 400);
}
