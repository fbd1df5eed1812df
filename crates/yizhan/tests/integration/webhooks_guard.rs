//! What a delivery refuses to do: reach a private address without `allow_private_urls` (the
//! resolver guard, even for a configured URL that passed the configuration check) and follow a
//! redirect; each attempt is recorded with its reason, and `/metrics` counts the outcomes.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_test_kit::sqlite::TempSqlite;
use yizhan_test_kit::wait;

use crate::support::webhook_receiver::Receiver;
use crate::support::{ApiClient, Running};

/// A gateway with two subscriptions to `message.accepted`: `guarded` at `guarded_url` without
/// `allow_private_urls`, and `moved` at `moved_url` (allowed to reach loopback).
fn config(store_url: &str, emu: &str, guarded_url: &str, moved_url: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"{store_url}\"\n\n[worker]\ninitial_delay_ms = 50\nmax_delay_secs = 1\n\n\
         [[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{emu}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n\n\
         [[webhooks]]\nname = \"guarded\"\nurl = \"{guarded_url}\"\nevents = [\"message.accepted\"]\n\
         channels = [\"ops\"]\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n\n\
         [[webhooks]]\nname = \"moved\"\nurl = \"{moved_url}\"\nevents = [\"message.accepted\"]\n\
         channels = [\"ops\"]\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\nallow_private_urls = true\n",
        ApiKeys::hash("k")
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

/// A server whose every answer is a redirect to `to`.
async fn redirecting(to: &str) -> String {
    let to = to.to_owned();
    let app = axum::Router::new().fallback(move || {
        let to = to.clone();
        async move { (StatusCode::FOUND, [(header::LOCATION, to)]) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/old", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The first delivery of subscription `id` once it has at least `attempts` attempts.
async fn attempts(api: &ApiClient, id: &str, attempts: usize) -> Value {
    wait::for_state(&format!("{attempts} attempts of {id}"), Duration::from_secs(20), async || {
        let list = api.get(&format!("/v1/webhooks/{id}/deliveries")).await;
        let first = list.as_array().and_then(|l| l.last()).cloned().unwrap_or(Value::Null);
        if first["attempts"].as_array().is_some_and(|a| a.len() >= attempts) { Ok(first) } else { Err(list) }
    })
    .await
}

#[tokio::test]
async fn private_addresses_and_redirects_are_refused_at_delivery() {
    let sqlite = TempSqlite::new();
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let (hook, receiver) = Receiver::start().await;
    // The receiver is on loopback: reached by name, the guard must refuse it.
    let guarded_url = hook.replace("127.0.0.1", "localhost");
    let moved_url = redirecting(&hook).await;
    let running = Running::start(config(&sqlite.url(), &emu.base_url(), &guarded_url, &moved_url)).await;
    let api = ApiClient::new(&running.base, "k");
    let id = api.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "x"}})).await;
    api.wait_for(&id, &["delivered"]).await;

    let guarded = attempts(&api, "guarded", 2).await;
    assert_eq!(guarded["status"], "pending", "refused attempts are retried: {guarded}");
    for attempt in guarded["attempts"].as_array().expect("attempts") {
        assert!(attempt["status_code"].is_null(), "no connection was made: {attempt}");
        assert!(
            attempt["error"]
                .as_str()
                .is_some_and(|e| e.contains("not a public address") && e.contains("allow_private_urls")),
            "{attempt}"
        );
    }
    let moved = attempts(&api, "moved", 2).await;
    let first = &moved["attempts"][0];
    assert_eq!(first["status_code"], 302, "{moved}");
    assert!(first["error"].as_str().is_some_and(|e| e.contains("redirect is not followed")), "{moved}");
    assert!(receiver.got().is_empty(), "neither the guard nor the redirect reached the receiver");

    let metrics = reqwest::get(format!("{}/metrics", running.base)).await.expect("metrics").text().await.expect("text");
    let retrying = metrics
        .lines()
        .find_map(|l| l.strip_prefix("yizhan_webhook_deliveries_total{outcome=\"retrying\"} "))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("the outcome counter");
    assert!(retrying >= 4, "{metrics}");
    assert!(metrics.contains("yizhan_webhook_attempt_seconds_count"), "{metrics}");
    running.stop().await;
}
