//! Statuses derived from the recipient outcomes, through the HTTP API: nobody reached is
//! `dead` (not `partially_delivered`), a WeCom 81013 lists every recipient `invalid`, and a
//! retry that has nothing to replay says why in the terms of the status it answers.

use std::collections::HashMap;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

/// A gateway on an in-memory store in front of `emu` with channels `ops` (WeCom app) and `app`
/// (Getui), and API key `k` for both.
async fn gateway(emu: &EmulatorHandle) -> (Running, ApiClient) {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{url}\"\n\n\
         [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"{app_id}\"\napp_key = \"{app_key}\"\n\
         master_secret = \"{master}\"\nbase_url = \"{url}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{hash}\"\nchannels = [\"ops\", \"app\"]\n",
        url = emu.base_url(),
        app_id = yizhan_emulator::DEFAULT_GETUI_APP_ID,
        app_key = yizhan_emulator::DEFAULT_GETUI_APP_KEY,
        master = yizhan_emulator::DEFAULT_GETUI_MASTER_SECRET,
        hash = ApiKeys::hash("k")
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let running = Running::start(config).await;
    let api = ApiClient::new(&running.base, "k");
    (running, api)
}

/// Sends `body` and waits until the message is final; its view.
async fn final_view(api: &ApiClient, body: Value) -> Value {
    let id = api.send(&body).await;
    api.wait_for(&id, &["delivered", "partially_delivered", "dead"]).await
}

fn outcomes(view: &Value) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = view["dispatches"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["outcomes"].as_array().cloned().unwrap_or_default())
        .map(|o| (o["recipient"].as_str().unwrap_or("").to_owned(), o["outcome"].as_str().unwrap_or("").to_owned()))
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_push_that_reached_nobody_is_dead_and_its_retry_says_why() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let (running, api) = gateway(&emu).await;
    let push = json!({"channel": "app", "to": {"cids": ["cid-old"]},
        "content": {"getui": {"notification": {"title": "Disk full", "body": "db-3", "click_type": "startapp"}}}});
    let view = final_view(&api, push).await;
    assert_eq!(view["status"], "dead", "the only cid is inactive: nobody was reached: {view}");
    assert_eq!(outcomes(&view), [("cid-old".to_owned(), "ignored".to_owned())]);
    let (status, answer) = api.post(&format!("/v1/messages/{}/retry", view["id"].as_str().unwrap_or("")), None).await;
    assert_eq!(status, 409);
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains("is dead") && message.contains("cid-old (ignored)"), "{message}");
    running.stop().await;
}

#[tokio::test]
async fn all_invalid_users_are_dead_with_each_recipient_invalid() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let (running, api) = gateway(&emu).await;
    let view =
        final_view(&api, json!({"channel": "ops", "to": {"users": ["zed", "yan"]}, "content": {"text": "x"}})).await;
    assert_eq!(view["status"], "dead", "{view}");
    assert_eq!(view["last_error"]["code"], 81013, "{view}");
    assert_eq!(
        outcomes(&view),
        [("user:yan".to_owned(), "invalid".to_owned()), ("user:zed".to_owned(), "invalid".to_owned())]
    );
    running.stop().await;
}

#[tokio::test]
async fn retrying_a_partially_delivered_message_answers_in_its_own_terms() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let (running, api) = gateway(&emu).await;
    let view =
        final_view(&api, json!({"channel": "ops", "to": {"users": ["carol", "zed"]}, "content": {"text": "x"}})).await;
    assert_eq!(view["status"], "partially_delivered", "{view}");
    let (status, answer) = api.post(&format!("/v1/messages/{}/retry", view["id"].as_str().unwrap_or("")), None).await;
    assert_eq!(status, 409);
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(message.contains("is partially_delivered") && message.contains("user:zed (invalid)"), "{message}");
    assert!(!message.contains("only dead or partially delivered"), "{message}");
    running.stop().await;
}
