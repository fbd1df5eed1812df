//! `/v1/webhooks`: scoped like API keys (a key manages subscriptions on its channels only; an
//! admin key manages all), the secret shown once, private addresses refused without
//! `allow_private_urls` (which only an admin may set), configured subscriptions not deletable,
//! and a replay sends a delivered event again with the same id.

use std::collections::HashMap;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_test_kit::sqlite::TempSqlite;

use crate::support::webhook_receiver::Receiver;
use crate::support::{ApiClient, Running};

fn config(store_url: &str, emu: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"{store_url}\"\n\n\
         [[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{emu}\"\n\n\
         [[channels]]\nname = \"app\"\nkind = \"wecom_robot\"\nkey = \"k2\"\nbase_url = \"{emu}\"\n\n\
         [[api_keys]]\nname = \"ops-key\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n\n\
         [[api_keys]]\nname = \"app-key\"\nsha256 = \"{}\"\nchannels = [\"app\"]\n\n\
         [[api_keys]]\nname = \"admin\"\nsha256 = \"{}\"\nadmin = true\n\n\
         [[webhooks]]\nname = \"audit\"\nurl = \"http://127.0.0.1:9/audit\"\nallow_private_urls = true\n\
         secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
        ApiKeys::hash("ops"),
        ApiKeys::hash("app"),
        ApiKeys::hash("admin"),
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

async fn delete(base: &str, key: &str, path: &str) -> u16 {
    let answer = reqwest::Client::new().delete(format!("{base}{path}")).bearer_auth(key).send().await.expect("delete");
    answer.status().as_u16()
}

async fn get_status(base: &str, key: &str, path: &str) -> (u16, Value) {
    let answer = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(key).send().await.expect("get");
    (answer.status().as_u16(), answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn subscriptions_are_scoped_checked_and_their_secret_shown_once() {
    let sqlite = TempSqlite::new();
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let running = Running::start(config(&sqlite.url(), &emu.base_url())).await;
    let base = running.base.clone();
    let ops = ApiClient::new(&base, "ops");
    let admin = ApiClient::new(&base, "admin");
    let public = "https://93.184.215.14/hook";

    // Another channel: 403, naming what the key may use.
    let (status, body) = ops.post("/v1/webhooks", Some(&json!({"url": public, "channels": ["app"]}))).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("\"app\"") && m.contains("ops")), "{body}");
    // A private address without allow_private_urls: 422 on the url field.
    for private in ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://localhost:9/hook"] {
        let (status, body) = ops.post("/v1/webhooks", Some(&json!({"url": private}))).await;
        assert_eq!(status, 422, "{private}: {body}");
        assert_eq!(body["field"], "url", "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("not a public address")), "{body}");
    }
    // Only an admin may allow private addresses.
    let (status, _) =
        ops.post("/v1/webhooks", Some(&json!({"url": "http://127.0.0.1:9/h", "allow_private_urls": true}))).await;
    assert_eq!(status, 403);
    // Bad event types and secrets name the field.
    let (status, body) = ops.post("/v1/webhooks", Some(&json!({"url": public, "events": ["message.deliverd"]}))).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("events")), "{body}");
    let (status, body) = ops.post("/v1/webhooks", Some(&json!({"url": public, "secret": "whsec_c2hvcnQ="}))).await;
    assert_eq!((status, body["field"].as_str()), (422, Some("secret")), "{body}");
    assert!(!body["message"].as_str().unwrap_or_default().contains("c2hvcnQ"), "the secret is not quoted: {body}");

    let (status, created) = ops.post("/v1/webhooks", Some(&json!({"url": public, "events": ["message.*"]}))).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(created["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")), "{created}");
    assert_eq!(created["channels"], json!(["ops"]), "defaults to the key's channels");
    let (status, admins) =
        admin.post("/v1/webhooks", Some(&json!({"url": "http://127.0.0.1:9/h", "allow_private_urls": true}))).await;
    assert_eq!(status, 201, "{admins}");
    let admins_id = admins["id"].as_str().expect("id").to_owned();

    // The key sees its own (without the secret), not the admin's every-channel one nor the config's.
    let listed = ops.get("/v1/webhooks").await;
    let ids: Vec<&str> = listed.as_array().expect("list").iter().filter_map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, [id.as_str()], "{listed}");
    assert!(listed[0].get("secret").is_none(), "the secret is shown once: {listed}");
    let (status, _) = get_status(&base, "ops", &format!("/v1/webhooks/{admins_id}")).await;
    assert_eq!(status, 403);
    let (status, _) = get_status(&base, "app", &format!("/v1/webhooks/{id}")).await;
    assert_eq!(status, 403, "another channel's key");
    assert_eq!(delete(&base, "app", &format!("/v1/webhooks/{id}")).await, 403);
    // The admin sees all three; the configured one cannot be deleted through the API.
    let all = admin.get("/v1/webhooks").await;
    assert_eq!(all.as_array().map(Vec::len), Some(3), "{all}");
    assert_eq!(delete(&base, "admin", "/v1/webhooks/audit").await, 409);
    assert_eq!(delete(&base, "ops", &format!("/v1/webhooks/{id}")).await, 204);
    assert_eq!(get_status(&base, "ops", &format!("/v1/webhooks/{id}")).await.0, 404);
    running.stop().await;
}

#[tokio::test]
async fn a_delivered_event_is_replayed_with_the_same_id() {
    let sqlite = TempSqlite::new();
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let (hook, receiver) = Receiver::start().await;
    let running = Running::start(config(&sqlite.url(), &emu.base_url())).await;
    let admin = ApiClient::new(&running.base, "admin");
    let (status, created) = admin
        .post("/v1/webhooks", Some(&json!({"url": hook, "events": ["message.accepted"], "allow_private_urls": true})))
        .await;
    assert_eq!(status, 201, "{created}");
    let hook_id = created["id"].as_str().expect("id").to_owned();
    let msg = admin.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "x"}})).await;
    let first = receiver.wait("the accepted event", |_| !receiver.accepted_for(&msg).is_empty()).await;
    let deliveries =
        yizhan_test_kit::wait::for_state("the delivery recorded", std::time::Duration::from_secs(10), async || {
            let list = admin.get(&format!("/v1/webhooks/{hook_id}/deliveries")).await;
            if list[0]["status"] == "delivered" { Ok(list) } else { Err(list) }
        })
        .await;
    let delivery = deliveries[0]["id"].as_i64().expect("delivery id");
    let (status, body) = admin.post(&format!("/v1/webhooks/{hook_id}/deliveries/{delivery}/replay"), None).await;
    assert_eq!(status, 202, "{body}");
    let again = receiver.wait("the replay", |_| receiver.accepted_for(&msg).len() >= 2).await;
    let (status, _) = admin.post(&format!("/v1/webhooks/{hook_id}/deliveries/999999/replay"), None).await;
    assert_eq!(status, 404);
    running.stop().await;
    let mine: Vec<_> = again.iter().filter(|r| r.json()["data"]["message_id"] == msg.as_str()).collect();
    assert_eq!(mine[0].id, first[0].id);
    assert_eq!(mine[1].id, mine[0].id, "a replay keeps the webhook-id, so the receiver can dedupe");
}
