//! A message's life through a running gateway: dead on a permanent error and replayed; after
//! delivery, `DELETE /v1/messages/{id}` recalls a WeCom application message and
//! `POST /v1/messages/{id}/card` updates an interactive card once.

use std::collections::HashMap;

use serde_json::Value::Null;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};

use crate::support::{ApiClient, Running};

/// A gateway on an in-memory store in front of `emu`, with API key `k`.
struct Gateway {
    base: String,
    http: reqwest::Client,
    running: Running,
}

impl Gateway {
    async fn start(emu: &yizhan_emulator::EmulatorHandle) -> Gateway {
        Gateway::start_with(emu, "").await
    }

    /// [`Gateway::start`] with `extra` TOML sections.
    async fn start_with(emu: &yizhan_emulator::EmulatorHandle, extra: &str) -> Gateway {
        let text = format!(
            "{extra}\n[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
             corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
             [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
            emu.base_url(),
            ApiKeys::hash("k")
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let running = Running::start(config).await;
        Gateway { base: running.base.clone(), http: reqwest::Client::new(), running }
    }

    async fn post(&self, path: &str, body: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth("k")
            .body(body.to_owned())
            .send()
            .await
            .expect("post");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    async fn delete(&self, id: &str) -> (u16, serde_json::Value) {
        let response =
            self.http.delete(format!("{}/v1/messages/{id}", self.base)).bearer_auth("k").send().await.expect("delete");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Waits until message `id` has `status`; returns its view.
    async fn wait_for(&self, id: &str, status: &str) -> serde_json::Value {
        ApiClient::new(&self.base, "k").wait_for(id, &[status]).await
    }

    async fn get(&self, path: &str) -> serde_json::Value {
        let response = self.http.get(format!("{}{path}", self.base)).bearer_auth("k").send().await.expect("get");
        response.json().await.expect("json")
    }

    /// Sends an interactive card with `task_id` to bob and waits until it is delivered;
    /// returns the message id.
    async fn deliver_card(&self, task_id: &str) -> String {
        let card = serde_json::json!({"channel": "ops", "to": {"users": ["bob"]}, "content": {"wecom": {
            "msgtype": "template_card",
            "template_card": {"card_type": "button_interaction", "main_title": {"title": "Deploy?"},
                "task_id": task_id, "button_list": [{"text": "OK", "key": "ok"}]}}}});
        let (status, accepted) = self.post("/v1/messages", &card.to_string()).await;
        assert_eq!(status, 202, "{accepted}");
        let id = accepted["id"].as_str().expect("id").to_owned();
        self.wait_for(&id, "delivered").await;
        id
    }

    async fn stop(self) {
        self.running.stop().await;
    }
}

#[tokio::test]
async fn a_permanent_error_is_dead_and_replays_after_the_fault_is_cleared() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    emu.fail_next_on("/cgi-bin/message/send", 1, 48002);
    let (status, accepted) =
        gateway.post("/v1/messages", r#"{"channel":"ops","to":{"users":["dave"]},"content":{"text":"x"}}"#).await;
    assert_eq!(status, 202);
    let id = accepted["id"].as_str().expect("id").to_owned();
    let dead = gateway.wait_for(&id, "dead").await;
    assert!(dead.to_string().contains("48002"), "the provider's code is kept: {dead}");
    let (status, _) = gateway.post(&format!("/v1/messages/{id}/retry"), "").await;
    assert_eq!(status, 200);
    gateway.wait_for(&id, "delivered").await;
    assert_eq!(emu.inbox().iter().filter(|d| d.recipient == "dave").count(), 1);
    gateway.stop().await;
}

#[tokio::test]
async fn a_delivered_wecom_message_is_recalled_and_a_card_updated_once() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    let (status, accepted) =
        gateway.post("/v1/messages", r#"{"channel":"ops","to":{"users":["alice"]},"content":{"text":"oops"}}"#).await;
    assert_eq!(status, 202);
    let id = accepted["id"].as_str().expect("id").to_owned();
    gateway.wait_for(&id, "delivered").await;
    let (status, body) = gateway.delete(&id).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("recalled")));
    let msgid = emu.inbox().iter().find(|d| d.msgtype == "text").map(|d| d.msgid.clone()).expect("sent");
    assert!(emu.inbox().iter().any(|d| d.msgtype == "recall" && d.msgid == msgid), "WeCom got the recall");
    assert_eq!(gateway.delete(&id).await.0, 409, "a recalled message cannot be recalled again");

    let card_id = gateway.deliver_card("t9").await;
    let path = format!("/v1/messages/{card_id}/card");
    assert_eq!(gateway.post(&path, r#"{"replace_name":"已处理"}"#).await.0, 200);
    let updated = emu.inbox().into_iter().find(|d| d.msgtype == "update_template_card").expect("WeCom got it");
    assert_eq!(updated.content["button"]["replace_name"], "已处理");
    assert_eq!(gateway.post(&path, r#"{"replace_name":"again"}"#).await.0, 409, "the code is single use");
    assert_eq!(gateway.post(&path, "{}").await.0, 422);
    gateway.stop().await;
}

#[tokio::test]
async fn channels_show_health_and_token_age() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    let fresh = gateway.get("/v1/channels").await;
    assert_eq!(fresh[0]["health"]["consecutive_failures"], 0);
    assert_eq!((fresh[0]["health"]["last_success_at_ms"].clone(), fresh[0]["token_age_secs"].clone()), (Null, Null));

    emu.fail_next_on("/cgi-bin/message/send", 1, 48002);
    let text = r#"{"channel":"ops","to":{"users":["alice"]},"content":{"text":"x"}}"#;
    let (_, accepted) = gateway.post("/v1/messages", text).await;
    gateway.wait_for(accepted["id"].as_str().expect("id"), "dead").await;
    let failed = gateway.get("/v1/channels").await;
    let health = &failed[0]["health"];
    assert_eq!(
        (health["consecutive_failures"].clone(), health["last_failure"]["code"].clone()),
        (1.into(), 48002.into())
    );
    assert!(health["last_failure"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{health}");
    assert!(failed[0]["token_age_secs"].as_u64().is_some_and(|s| s < 60), "a token was fetched: {failed}");

    let (_, accepted) = gateway.post("/v1/messages", text).await;
    gateway.wait_for(accepted["id"].as_str().expect("id"), "delivered").await;
    let ok = gateway.get("/v1/channels").await;
    assert_eq!(ok[0]["health"]["consecutive_failures"], 0);
    assert!(ok[0]["health"]["last_success_at_ms"].as_i64().is_some());
    assert_eq!(ok[0]["health"]["last_failure"]["code"], 48002, "the last failure stays visible");
    gateway.stop().await;
}

/// Send, recall, then a card update of the same message through the HTTP API: the three
/// provider calls use the worker's one access token, so the emulator (whose only app this
/// gateway uses) sees exactly one gettoken.
#[tokio::test]
async fn one_token_for_send_recall_card() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    let id = gateway.deliver_card("t10").await;
    let (status, body) = gateway.delete(&id).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("recalled")), "{body}");
    let (status, body) = gateway.post(&format!("/v1/messages/{id}/card"), r#"{"replace_name":"已处理"}"#).await;
    assert_eq!(status, 200, "{body}");
    let kinds: Vec<String> = emu.inbox().into_iter().map(|d| d.msgtype).collect();
    assert_eq!(kinds, ["template_card", "recall", "update_template_card"]);
    assert_eq!(emu.stats().gettoken_calls, 1, "the send, the recall and the card update use the worker's token");
    gateway.stop().await;
}

/// Errcode -1 (system busy) answered three times, then success: each worker attempt is one
/// provider call, so the message has 4 attempts and the emulator saw exactly 4 `message/send`.
#[tokio::test]
async fn busy_thrice_then_success_is_four_attempts() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start_with(&emu, "[worker]\ninitial_delay_ms = 10\n").await;
    emu.fail_next_on("/cgi-bin/message/send", 3, -1);
    let (status, accepted) =
        gateway.post("/v1/messages", r#"{"channel":"ops","to":{"users":["alice"]},"content":{"text":"busy"}}"#).await;
    assert_eq!(status, 202);
    let delivered = gateway.wait_for(accepted["id"].as_str().expect("id"), "delivered").await;
    assert_eq!(delivered["attempts"], 4, "three failed attempts and the delivering one: {delivered}");
    assert_eq!(emu.stats().send_calls, 4, "no retry hidden inside an attempt");
    gateway.stop().await;
}
