//! `DELETE /v1/messages/{id}` on delivered Getui messages through a running gateway: a single
//! push is withdrawn with a revoke push, a list push has its task stopped; the emulator (which
//! follows the Getui reference) shows what happened.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_getui::GetuiClient;
use yizhan_getui::api::push_list_cid;

use crate::support::Running;
use yizhan_test_kit::wait;

struct Gateway {
    running: Running,
    http: reqwest::Client,
}

impl Gateway {
    async fn start(emu: &EmulatorHandle) -> Gateway {
        let text = format!(
            "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"app\"\nkind = \"getui\"\n\
             app_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\nmaster_secret = \"yizhan-demo-master\"\n\
             base_url = \"{}\"\n\n[[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"app\"]\n",
            emu.base_url(),
            ApiKeys::hash("k")
        );
        let running = Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await;
        Gateway { running, http: reqwest::Client::new() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.running.base)).bearer_auth("k");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Posts a notification to `to` and waits until it has `status`; returns its view.
    async fn send(&self, to: Value, status: &str) -> Value {
        let body = json!({"channel": "app", "to": to,
            "content": {"getui": {"notification": {"title": "deploy", "body": "v42 is out", "click_type": "startapp"}}}});
        let (code, accepted) = self.call(reqwest::Method::POST, "/v1/messages", Some(body)).await;
        assert_eq!(code, 202, "{accepted}");
        let id = accepted["id"].as_str().expect("id").to_owned();
        wait::for_state(&format!("message {id} to be {status}"), Duration::from_secs(10), async || {
            let (_, view) = self.call(reqwest::Method::GET, &format!("/v1/messages/{id}"), None).await;
            if view["status"] == status { Ok(view) } else { Err(view) }
        })
        .await
    }

    async fn delete(&self, id: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, &format!("/v1/messages/{id}"), None).await
    }
}

fn taskid(view: &Value, dispatch: usize) -> String {
    view["dispatches"][dispatch]["handles"]["taskid"].as_str().unwrap_or_else(|| panic!("taskid in {view}")).to_owned()
}

#[tokio::test]
async fn a_delivered_single_push_is_revoked_with_a_revoke_push() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    let view = gateway.send(json!({"cids": ["cid-alice"]}), "delivered").await;
    let id = view["id"].as_str().expect("id");
    let task = taskid(&view, 0);
    let (code, answer) = gateway.delete(id).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["status"], "recalled");
    assert_eq!(answer["done"], json!([format!("revoked Getui task {task} for cid:cid-alice")]));
    let revokes: Vec<_> = emu.inbox().into_iter().filter(|d| d.msgtype == "revoke").collect();
    assert_eq!(revokes.len(), 1, "{revokes:?}");
    assert_eq!(revokes[0].recipient, "cid-alice");
    assert_eq!(revokes[0].content["revoke"]["old_task_id"], task.as_str());
    let (_, now) = gateway.call(reqwest::Method::GET, &format!("/v1/messages/{id}"), None).await;
    assert_eq!(now["status"], "recalled");
    let (code, _) = gateway.delete(id).await;
    assert_eq!(code, 409, "a recalled message is not revoked twice");
    assert_eq!(emu.inbox().iter().filter(|d| d.msgtype == "revoke").count(), 1);
    gateway.running.stop().await;
}

#[tokio::test]
async fn a_delivered_list_push_has_its_task_stopped() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    let view = gateway.send(json!({"cids": ["cid-alice", "cid-bob"]}), "delivered").await;
    let id = view["id"].as_str().expect("id");
    let task = taskid(&view, 0);
    let (code, answer) = gateway.delete(id).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["done"], json!([format!("stopped Getui task {task}")]), "stopped once, not per chunk");
    // Getui no longer accepts pushes of a stopped task.
    let client =
        GetuiClient::builder("yizhandemo", "yizhan-demo-appkey", SecretString::from("yizhan-demo-master".to_owned()))
            .base_url(emu.base_url())
            .build()
            .expect("client");
    let err = client.push_list_cid(&push_list_cid::Request::new(task, ["cid-alice"])).await.expect_err("stopped");
    assert_eq!(err.code(), Some(20001), "{err}");
    gateway.running.stop().await;
}

#[tokio::test]
async fn a_getui_message_that_was_not_delivered_is_a_conflict() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = Gateway::start(&emu).await;
    emu.fail_next_on("/push/single/cid", 1, 20001);
    let view = gateway.send(json!({"cids": ["cid-alice"]}), "dead").await;
    let (code, answer) = gateway.delete(view["id"].as_str().expect("id")).await;
    assert_eq!((code, answer["code"].clone()), (409, json!("conflict")), "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("only delivered Getui messages")), "{answer}");
    assert_eq!(emu.inbox().iter().filter(|d| d.msgtype == "revoke").count(), 0);
    gateway.running.stop().await;
}
