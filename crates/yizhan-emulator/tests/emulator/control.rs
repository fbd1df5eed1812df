//! The HTTP control API, TOML configuration, run() and shutdown.

use std::net::Ipv4Addr;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use yizhan_emulator::{Delivery, EmulatorConfig, Stats};

use crate::support::{Env, SEND, assert_error, text_body};

async fn post_faults(env: &Env, body: Value) -> reqwest::Response {
    env.http.post(env.url("/__emulator/faults")).body(body.to_string()).send().await.unwrap()
}

#[tokio::test]
async fn inbox_stats_and_reset_over_http() {
    let env = Env::new().await;
    let token = env.token().await;
    env.text(&token, "alice|bob", "hi").await;
    let inbox: Vec<Delivery> = env.http.get(env.url("/__emulator/inbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(inbox, env.emu.inbox());
    assert_eq!(inbox.len(), 2);
    let raw: Value = env.http.get(env.url("/__emulator/inbox")).send().await.unwrap().json().await.unwrap();
    assert_eq!(raw[0]["provider"], "wecom");
    assert_eq!(raw[0]["dropped"], Value::Null);
    let stats: Stats = env.http.get(env.url("/__emulator/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats, Stats { gettoken_calls: 1, send_calls: 1, delivered: 2, ..Stats::default() });
    let codes: Value = env.http.get(env.url("/__emulator/response_codes")).send().await.unwrap().json().await.unwrap();
    assert_eq!(codes, json!([]));

    let reset = env.http.post(env.url("/__emulator/reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats(), Stats::default());
    assert_error(&env.text(&token, "alice", "hi").await, 40014);
}

#[tokio::test]
async fn faults_over_http() {
    let env = Env::new().await;
    let token = env.token().await;
    let body = json!({"fail_next": {"count": 2, "errcode": -1, "path": SEND}, "expire_tokens": true,
        "delay_ms": 200, "drop_connections": 1, "http_500": 1});
    assert_eq!(post_faults(&env, body).await.status(), 200);
    let url = env.url(&format!("{SEND}?access_token={token}"));
    assert!(env.http.post(&url).body("{}").send().await.is_err(), "dropped");
    assert_eq!(env.http.post(&url).body("{}").send().await.unwrap().status(), 500);
    let started = std::time::Instant::now();
    let fresh = env.token().await;
    assert!(started.elapsed() >= Duration::from_millis(200), "delayed");
    assert_ne!(fresh, token, "tokens were expired");
    assert_error(&env.text(&fresh, "alice", "hi").await, -1);
    assert_error(&env.text(&fresh, "alice", "hi").await, -1);
    assert_eq!(env.text(&fresh, "alice", "hi").await["errcode"], 0);

    assert_eq!(post_faults(&env, json!({"delay_ms": 0, "fail_next": {"errcode": 60020}})).await.status(), 200);
    assert_error(&env.text(&fresh, "alice", "hi").await, 60020);
    assert_eq!(post_faults(&env, json!({"nonsense": 1})).await.status(), 400);
    assert_eq!(post_faults(&env, json!({"fail_next": {"count": 1}})).await.status(), 400);
}

#[tokio::test]
async fn toml_config_overrides_users() {
    let config =
        EmulatorConfig::from_toml("[wecom]\nusers = [\"Zed\", \"yan\"]\ntags = { \"5\" = [\"yan\"] }\n").unwrap();
    assert_eq!(config.wecom.apps, EmulatorConfig::default().wecom.apps);
    let env = Env::with(config, None).await;
    let token = env.token().await;
    let v = env.text(&token, "zed|alice", "hi").await;
    assert_eq!(v["invaliduser"], "alice", "{v}");
    let mut by_tag = text_body("", "hi");
    by_tag["totag"] = "5".into();
    assert_eq!(env.send(&token, &by_tag).await["errcode"], 0);
    let recipients: Vec<String> = env.emu.inbox().into_iter().map(|d| d.recipient).collect();
    assert_eq!(recipients, ["Zed", "yan"]);
    let mut by_party = text_body("", "hi");
    by_party["toparty"] = "2".into();
    assert_error(&env.send(&token, &by_party).await, 81013);
}

#[tokio::test]
async fn run_serves_until_shutdown_and_spawn_handles_stop() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(yizhan_emulator::run(listener, EmulatorConfig::default(), async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let stats: Stats = http.get(format!("http://{addr}/__emulator/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats, Stats::default());
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap().unwrap();

    let env = Env::new().await;
    env.emu.clone().shutdown().await;
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(fresh.get(env.url("/__emulator/stats")).send().await.is_err());
    env.emu.shutdown().await; // idempotent
}
