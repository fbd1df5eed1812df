//! Shared helpers of the DingTalk and Feishu bot tests: golden fixtures, a test-side signer (its
//! output is checked against python3 in `signature_vectors.rs`) and webhook calls.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::{Value, json};
use sha2::Sha256;
use yizhan_core::Clock;
use yizhan_emulator::{Delivery, EmulatorConfig};

use crate::support::{Env, START_MS};
use yizhan_test_kit::wait;

pub const DINGTALK_SEND: &str = "/robot/send";
pub const FEISHU_HOOK: &str = "/open-apis/bot/v2/hook";
pub const JSON: &str = "application/json; charset=utf-8";

/// A golden fixture under `tests/fixtures/<provider>/`.
pub fn fixture(provider: &str, name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(provider).join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names of the fixtures of `provider` starting with `prefix`, sorted.
pub fn fixture_names(provider: &str, prefix: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(provider);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// The DingTalk error fixture `robot_send.error-<name>.json`.
pub fn dingtalk_error(name: &str) -> Value {
    fixture("dingtalk", &format!("robot_send.error-{name}.json"))
}

/// The Feishu error fixture `bot_hook.error-<name>.json`.
pub fn feishu_error(name: &str) -> Value {
    fixture("feishu", &format!("bot_hook.error-{name}.json"))
}

/// A DingTalk text message.
pub fn dingtalk_text(content: &str) -> Value {
    json!({"msgtype": "text", "text": {"content": content}})
}

/// A Feishu text message.
pub fn feishu_text(content: &str) -> Value {
    json!({"msg_type": "text", "content": {"text": content}})
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk: Base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret)).
pub fn dingtalk_sign(secret: &str, timestamp: &str) -> String {
    hmac_base64(secret.as_bytes(), format!("{timestamp}\n{secret}").as_bytes())
}

/// Feishu: Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)).
pub fn feishu_sign(secret: &str, timestamp: &str) -> String {
    hmac_base64(format!("{timestamp}\n{secret}").as_bytes(), b"")
}

impl Env {
    /// The default configuration changed by `change`, on a manual clock at [`START_MS`].
    pub async fn manual_with(change: impl FnOnce(&mut EmulatorConfig)) -> Env {
        let mut config = EmulatorConfig::default();
        change(&mut config);
        Env::with(config, Some(Clock::manual(START_MS))).await
    }

    /// POSTs `body` with this Content-Type and expects HTTP 200 with a JSON answer.
    async fn post_bot(&self, request: reqwest::RequestBuilder, content_type: Option<&str>, body: Vec<u8>) -> Value {
        let request = match content_type {
            Some(content_type) => request.header("content-type", content_type),
            None => request,
        };
        let resp = request.body(body).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// The emulator's "now" (the manual clock when there is one).
    pub fn now_ms(&self) -> i64 {
        match &self.time {
            Some(time) => Clock::Manual(time.clone()).now_ms(),
            None => Clock::System.now_ms(),
        }
    }

    /// POSTs raw bytes to `/robot/send` with these query pairs (encoded once by reqwest).
    pub async fn dingtalk_post(&self, query: &[(&str, &str)], content_type: Option<&str>, body: Vec<u8>) -> Value {
        self.post_bot(self.http.post(self.url(DINGTALK_SEND)).query(query), content_type, body).await
    }

    /// Sends `body` to robot `token`, signed with `secret` at the emulator's now when given.
    pub async fn dingtalk(&self, token: &str, secret: Option<&str>, body: &Value) -> Value {
        let timestamp = self.now_ms().to_string();
        let sign = secret.map(|s| dingtalk_sign(s, &timestamp));
        let mut query = vec![("access_token", token)];
        if let Some(sign) = &sign {
            query.extend([("timestamp", timestamp.as_str()), ("sign", sign.as_str())]);
        }
        self.dingtalk_post(&query, Some(JSON), body.to_string().into_bytes()).await
    }

    /// POSTs raw bytes to the Feishu hook `hook`.
    pub async fn feishu_post(&self, hook: &str, content_type: Option<&str>, body: Vec<u8>) -> Value {
        self.post_bot(self.http.post(self.url(&format!("{FEISHU_HOOK}/{hook}"))), content_type, body).await
    }

    /// Sends `body` to bot `hook`, with `timestamp` (a string) and `sign` added when `secret`
    /// is given.
    pub async fn feishu(&self, hook: &str, secret: Option<&str>, body: &Value) -> Value {
        let mut body = body.clone();
        if let Some(secret) = secret {
            let timestamp = self.now_ms().div_euclid(1000).to_string();
            body["sign"] = feishu_sign(secret, &timestamp).into();
            body["timestamp"] = timestamp.into();
        }
        self.feishu_post(hook, Some(JSON), body.to_string().into_bytes()).await
    }

    /// Polls the inbox until it holds `n` entries (panics after 10 s).
    pub async fn inbox_of(&self, n: usize) -> Vec<Delivery> {
        let inbox = wait::for_state(&format!("{n} deliveries in the inbox"), Duration::from_secs(10), async || {
            let inbox = self.emu.inbox();
            if inbox.len() >= n { Ok(inbox) } else { Err(inbox) }
        })
        .await;
        assert_eq!(inbox.len(), n, "{inbox:?}");
        inbox
    }
}
