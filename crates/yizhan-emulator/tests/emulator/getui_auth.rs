//! Getui `/auth`, tokens, routing errors.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use yizhan_emulator::{DEFAULT_GETUI_APP_KEY, DEFAULT_GETUI_MASTER_SECRET, EmulatorConfig};

use crate::getui_support::{G, assert_err, ok, sign, to_cid};
use crate::support::START_MS;

#[tokio::test]
async fn auth_with_string_and_number_timestamps() {
    let g = G::manual().await;
    let data = ok(g.auth_with(json!(START_MS.to_string())).await);
    let token = data["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(data["expire_time"], json!((START_MS + 86_400_000).to_string()), "absolute ms, as a string");
    let second = ok(g.auth_with(json!(START_MS)).await);
    let other = second["token"].as_str().unwrap();
    assert_ne!(other, token);
    for t in [token, other] {
        assert_eq!(g.post("/push/single/cid", t, to_cid("cid-alice")).await.0, 200, "both tokens stay valid");
    }
    let stats = g.env.emu.stats();
    assert_eq!((stats.auth_calls, stats.push_calls, stats.getui_calls), (2, 2, 4));
}

#[tokio::test]
async fn wrong_sign_appkey_and_skew() {
    let g = G::manual().await;
    let ts = START_MS.to_string();
    let good = sign(DEFAULT_GETUI_APP_KEY, &ts, DEFAULT_GETUI_MASTER_SECRET);
    let auth = |body: Value| g.call(Method::POST, "/auth", None, Some(body));
    let wrong = json!({"sign": "0".repeat(64), "timestamp": ts, "appkey": DEFAULT_GETUI_APP_KEY});
    assert_err(&auth(wrong).await, 400, 20001, "sign is invalid");
    let upper = json!({"sign": good.to_uppercase(), "timestamp": ts, "appkey": DEFAULT_GETUI_APP_KEY});
    assert_err(&auth(upper).await, 400, 20001, "sign is invalid");
    let key = json!({"sign": good, "timestamp": ts, "appkey": "other"});
    assert_err(&auth(key).await, 400, 20001, "appkey is invalid");
    assert_err(&auth(json!({"timestamp": ts, "appkey": "k"})).await, 400, 20001, "sign can not be empty");
    let text_ts = json!({"sign": good, "timestamp": "yesterday", "appkey": DEFAULT_GETUI_APP_KEY});
    assert_err(&auth(text_ts).await, 400, 20001, "timestamp is invalid");
    let stale = (START_MS - 600_001).to_string();
    assert_err(&g.auth_with(json!(stale)).await, 400, 20001, "timestamp is invalid");
    ok(g.auth_with(json!((START_MS + 600_000).to_string())).await);
    let not_json = g.call(Method::POST, "/auth", None, None).await;
    assert_eq!((not_json.0.as_u16(), &not_json.1["code"]), (200, &json!(1)), "{}", not_json.1);
}

#[tokio::test]
async fn uppercase_sign_when_configured() {
    let mut config = EmulatorConfig::default();
    config.getui.sign_case_insensitive = true;
    let g = G::with(config, true).await;
    let ts = START_MS.to_string();
    let upper = sign(DEFAULT_GETUI_APP_KEY, &ts, DEFAULT_GETUI_MASTER_SECRET).to_uppercase();
    let body = json!({"sign": upper, "timestamp": ts, "appkey": DEFAULT_GETUI_APP_KEY});
    ok(g.call(Method::POST, "/auth", None, Some(body)).await);
}

#[tokio::test]
async fn per_minute_auth_limit_is_10003() {
    let g = G::manual().await;
    for _ in 0..100 {
        ok(g.auth_with(json!(START_MS.to_string())).await);
    }
    let limited = g.auth_with(json!(START_MS.to_string())).await;
    assert_eq!((limited.0.as_u16(), &limited.1["code"]), (401, &json!(10003)), "{}", limited.1);
    g.env.time().advance(Duration::from_secs(60));
    ok(g.auth_with(json!((START_MS + 60_000).to_string())).await);
}

#[tokio::test]
async fn token_header_missing_revoked_expired() {
    let g = G::manual().await;
    let missing = g.call(Method::POST, "/push/single/cid", None, Some(to_cid("cid-alice"))).await;
    assert_err(&missing, 401, 10001, "token is invalid");
    assert_err(&g.post("/push/single/cid", "nope", to_cid("cid-alice")).await, 401, 10001, "token is invalid");
    let token = g.token().await;
    let keep = g.token().await;
    assert_eq!(ok(g.delete(&format!("/auth/{token}"), &token).await), Value::Null);
    assert_err(&g.post("/push/single/cid", &token, to_cid("cid-alice")).await, 401, 10001, "token is invalid");
    ok(g.post("/push/single/cid", &keep, to_cid("cid-alice")).await);
    g.env.emu.expire_tokens();
    assert_err(&g.post("/push/single/cid", &keep, to_cid("cid-alice")).await, 401, 10001, "token is invalid");
    let fresh = g.token().await;
    g.env.time().advance(Duration::from_millis(86_400_000));
    assert_err(&g.get("/user/status/cid-alice", &fresh).await, 401, 10001, "token is invalid");
    assert_eq!(g.env.emu.inbox().len(), 1, "rejected calls deliver nothing");
}

#[tokio::test]
async fn unknown_app_paths_and_methods() {
    let g = G::new().await;
    let token = g.token().await;
    let foreign = g.env.http.post(g.env.url("/v2/otherapp/push/single/cid")).header("token", &token).body("{}");
    let foreign = foreign.send().await.unwrap();
    assert_eq!(foreign.status(), 401);
    assert_eq!(foreign.json::<Value>().await.unwrap()["code"], 10001);
    assert_err(&g.post("/push/nowhere", &token, json!({})).await, 404, 404, "not found");
    assert_err(&g.get("/push/single/cid", &token).await, 405, 405, "method not allowed");
    let probe = g.env.http.head(g.env.url("/v2/check")).send().await.unwrap();
    assert_eq!(probe.status(), 200);
}
