//! An ambiguous timeout through the HTTP API: the emulator processes the send and then delays
//! its answer past the client's read timeout, so the gateway cannot know whether it went out.
//! The worker resends the persisted body, the provider's dedupe (WeCom `enable_duplicate_check`,
//! Getui `request_id`) drops the repeat, and the recipient gets exactly one delivery.

use std::collections::HashMap;
use std::time::Duration;

use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

/// The provider answers this long after handling a call …
const DELAY: Duration = Duration::from_millis(700);
/// … and the gateway's clients stop reading after this long.
const READ_TIMEOUT_MS: u64 = 250;

async fn gateway(emu: &EmulatorHandle) -> Running {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[worker]\ninitial_delay_ms = 300\nmax_attempts = 20\n\n\
         [[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{base}\"\nread_timeout_ms = {READ_TIMEOUT_MS}\n\n\
         [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
         master_secret = \"yizhan-demo-master\"\nbase_url = \"{base}\"\nread_timeout_ms = {READ_TIMEOUT_MS}\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{hash}\"\nchannels = [\"ops\", \"app\"]\n",
        base = emu.base_url(),
        hash = ApiKeys::hash("k")
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

/// Waits until message `id` has `status`, polling often enough to see short-lived states.
async fn wait_for(base: &str, id: &str, status: &str) -> serde_json::Value {
    ApiClient::new(base, "k").wait_for(id, &[status]).await
}

async fn post(running: &Running, body: &serde_json::Value) -> String {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/messages", running.base))
        .bearer_auth("k")
        .json(body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 202);
    response.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned()
}

/// Sends `warm_up` normally (so the access token is cached), then posts `body` while the
/// provider answers late, waits for the ambiguous failure, lets the provider answer on time
/// again and waits for `delivered`.
async fn send_through_a_timeout(
    emu: &EmulatorHandle,
    running: &Running,
    warm_up: serde_json::Value,
    body: serde_json::Value,
) {
    let id = post(running, &warm_up).await;
    wait_for(&running.base, &id, "delivered").await;
    let before = emu.stats();
    emu.set_delay(DELAY);
    let id = post(running, &body).await;
    wait_for(&running.base, &id, "retrying").await;
    let during = emu.stats();
    assert_eq!(
        (during.gettoken_calls, during.auth_calls),
        (before.gettoken_calls, before.auth_calls),
        "the cached token was used: the timeout hit the send itself"
    );
    emu.set_delay(Duration::ZERO);
    let view = wait_for(&running.base, &id, "delivered").await;
    assert!(view.to_string().contains("ambiguous") || view.to_string().contains("timed out"), "{view}");
}

#[tokio::test]
async fn wecom_app_send_that_timed_out_after_acceptance_is_delivered_once() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu).await;
    let warm_up = serde_json::json!({"channel": "ops", "to": {"users": ["bob"]}, "content": {"text": "hello"}});
    let body = serde_json::json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "deploy 42"}});
    send_through_a_timeout(&emu, &running, warm_up, body).await;
    let inbox: Vec<_> = emu.inbox().into_iter().filter(|d| d.recipient == "alice").collect();
    assert_eq!(inbox.iter().filter(|d| !d.deduplicated).count(), 1, "{inbox:?}");
    let stats = emu.stats();
    assert!(stats.send_calls >= 3, "warm-up, the timed-out send and its resend: {stats:?}");
    assert!(stats.deduplicated >= 1, "the body was resent after the timeout: {stats:?}");
    running.stop().await;
}

#[tokio::test]
async fn getui_push_that_timed_out_after_acceptance_is_delivered_once() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu).await;
    let push = |cid: &str| {
        let content = serde_json::json!({"getui": {"transmission": "{}"}});
        serde_json::json!({"channel": "app", "to": {"cids": [cid]}, "content": content})
    };
    send_through_a_timeout(&emu, &running, push("cid-bob"), push("cid-alice")).await;
    let inbox: Vec<_> = emu.inbox().into_iter().filter(|d| d.recipient == "cid-alice").collect();
    assert_eq!(inbox.iter().filter(|d| !d.deduplicated).count(), 1, "{inbox:?}");
    let stats = emu.stats();
    assert!(stats.push_calls >= 3, "warm-up, the timed-out push and its resend: {stats:?}");
    assert!(stats.deduplicated >= 1, "the body was resent after the timeout: {stats:?}");
    running.stop().await;
}
