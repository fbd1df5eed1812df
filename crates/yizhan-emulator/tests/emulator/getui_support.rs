//! Getui helpers: signing, authenticated calls, push bodies.

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use yizhan_emulator::{DEFAULT_GETUI_APP_ID, DEFAULT_GETUI_APP_KEY, DEFAULT_GETUI_MASTER_SECRET, EmulatorConfig};

use crate::support::Env;

/// Lowercase hex SHA-256 of `appkey + timestamp + secret`.
pub fn sign(app_key: &str, timestamp: &str, secret: &str) -> String {
    let digest = Sha256::digest(format!("{app_key}{timestamp}{secret}").as_bytes());
    hex::encode(digest)
}

/// A unique, valid request_id (20 chars).
pub fn rid() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("req{:017}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Percent-encodes every byte outside the unreserved set.
pub fn encode(text: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}

/// A Getui-speaking test environment.
pub struct G {
    pub env: Env,
}

impl G {
    pub async fn new() -> Self {
        Self { env: Env::new().await }
    }

    pub async fn manual() -> Self {
        Self { env: Env::manual().await }
    }

    pub async fn with(config: EmulatorConfig, manual: bool) -> Self {
        let clock = manual.then(|| yizhan_core::Clock::manual(crate::support::START_MS));
        Self { env: Env::with(config, clock).await }
    }

    /// The emulator's now (the manual clock when there is one).
    pub fn now_ms(&self) -> i64 {
        self.env.time.clone().map_or(yizhan_core::Clock::System, yizhan_core::Clock::Manual).now_ms()
    }

    /// `{emulator}/v2/{appId}{path}`.
    pub fn url(&self, path: &str) -> String {
        self.env.url(&format!("/v2/{DEFAULT_GETUI_APP_ID}{path}"))
    }

    /// Any call; the body is sent without a Content-Type. Returns the status and the JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.env.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header("token", token);
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// `POST /auth` with a timestamp given as `timestamp` (string or number) and its sign.
    pub async fn auth_with(&self, timestamp: Value) -> (StatusCode, Value) {
        let text = match &timestamp {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let sign = sign(DEFAULT_GETUI_APP_KEY, &text, DEFAULT_GETUI_MASTER_SECRET);
        let body = json!({"sign": sign, "timestamp": timestamp, "appkey": DEFAULT_GETUI_APP_KEY});
        self.call(Method::POST, "/auth", None, Some(body)).await
    }

    /// A fresh valid token.
    pub async fn token(&self) -> String {
        let (status, v) = self.auth_with(Value::String(self.now_ms().to_string())).await;
        assert_eq!(status, 200, "{v}");
        v["data"]["token"].as_str().unwrap().to_owned()
    }
}

/// A minimal valid notification.
pub fn notification() -> Value {
    json!({"notification": {"title": "标题", "body": "正文", "click_type": "startapp"}})
}

/// A single push to one cid with a fresh request_id.
pub fn to_cid(cid: &str) -> Value {
    json!({"request_id": rid(), "settings": {"ttl": 7_200_000}, "audience": {"cid": [cid]}, "push_message": notification()})
}

/// Asserts an error answer: HTTP status, code and msg.
pub fn assert_err(answer: &(StatusCode, Value), status: u16, code: i64, msg: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    assert_eq!(answer.1["msg"], msg, "{}", answer.1);
}

/// Asserts success (HTTP 200, code 0) and returns `data`.
pub fn ok(answer: (StatusCode, Value)) -> Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["code"], 0, "{}", answer.1);
    answer.1["data"].clone()
}

/// The only taskid of a `{taskid: …}` map.
pub fn only_key(data: &Value) -> String {
    let map = data.as_object().unwrap();
    assert_eq!(map.len(), 1, "{data}");
    map.keys().next().unwrap().clone()
}
