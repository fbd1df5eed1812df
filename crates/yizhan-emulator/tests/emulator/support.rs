//! Shared helpers: a spawned emulator plus a reqwest client.

use std::sync::Arc;

use serde_json::{Value, json};
use yizhan_core::{Clock, ManualClock};
use yizhan_emulator::{DEFAULT_AGENT_ID, DEFAULT_CORP_ID, DEFAULT_SECRET, Emulator, EmulatorConfig, EmulatorHandle};

pub const SEND: &str = "/cgi-bin/message/send";
pub const UPLOAD: &str = "/cgi-bin/media/upload";
pub const UPLOADIMG: &str = "/cgi-bin/media/uploadimg";
pub const START_MS: i64 = 1_700_000_000_000;

pub struct Env {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub base: String,
    pub time: Option<Arc<ManualClock>>,
}

impl Env {
    /// The default demo configuration with the system clock.
    pub async fn new() -> Self {
        Self::with(EmulatorConfig::default(), None).await
    }

    /// The default configuration with a manual clock.
    pub async fn manual() -> Self {
        let (clock, time) = Clock::manual(START_MS);
        Self::with(EmulatorConfig::default(), Some((clock, time))).await
    }

    pub async fn with(config: EmulatorConfig, clock: Option<(Clock, Arc<ManualClock>)>) -> Self {
        let (emu, time) = match clock {
            Some((clock, time)) => (Emulator::spawn_with_clock(config, clock).await.unwrap(), Some(time)),
            None => (Emulator::spawn(config).await.unwrap(), None),
        };
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let base = emu.base_url();
        Self { emu, http, base, time }
    }

    pub fn time(&self) -> &ManualClock {
        self.time.as_deref().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET /cgi-bin/gettoken with the given raw query.
    pub async fn gettoken_query(&self, query: &str) -> Value {
        let resp = self.http.get(self.url(&format!("/cgi-bin/gettoken?{query}"))).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn gettoken(&self, corp_id: &str, secret: &str) -> Value {
        let resp = self.http.get(self.url("/cgi-bin/gettoken")).query(&[("corpid", corp_id), ("corpsecret", secret)]);
        resp.send().await.unwrap().json().await.unwrap()
    }

    /// A valid token of the demo app.
    pub async fn token(&self) -> String {
        let v = self.gettoken(DEFAULT_CORP_ID, DEFAULT_SECRET).await;
        assert_eq!(v["errcode"], 0, "{v}");
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// POSTs `body` to message/send without a Content-Type header.
    pub async fn send_raw(&self, token: Option<&str>, body: impl Into<reqwest::Body>) -> Value {
        let url = match token {
            Some(t) => self.url(&format!("{SEND}?access_token={t}")),
            None => self.url(SEND),
        };
        let resp = self.http.post(url).body(body).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn send(&self, token: &str, body: &Value) -> Value {
        self.send_raw(Some(token), body.to_string()).await
    }

    /// POSTs a multipart body with one file part `media` to `path` (query appended as given).
    pub async fn upload_to(&self, path_and_query: &str, filename: &str, bytes: Vec<u8>) -> Value {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(filename.to_owned());
        let form = reqwest::multipart::Form::new().part("media", part);
        let resp = self.http.post(self.url(path_and_query)).multipart(form).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Uploads temporary media of `media_type` with the demo app's token.
    pub async fn upload(&self, token: &str, media_type: &str, filename: &str, bytes: Vec<u8>) -> Value {
        self.upload_to(&format!("{UPLOAD}?access_token={token}&type={media_type}"), filename, bytes).await
    }

    /// Uploads and returns the media id (asserting success).
    pub async fn media_id(&self, token: &str, media_type: &str, filename: &str) -> String {
        let v = self.upload(token, media_type, filename, b"0123456789".to_vec()).await;
        assert_eq!(v["errcode"], 0, "{v}");
        v["media_id"].as_str().unwrap().to_owned()
    }

    /// Sends a text message from the demo app.
    pub async fn text(&self, token: &str, touser: &str, content: &str) -> Value {
        self.send(token, &text_body(touser, content)).await
    }
}

pub fn text_body(touser: &str, content: &str) -> Value {
    json!({"touser": touser, "msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": content}})
}

/// A message of `msgtype` with the given type object, to alice.
pub fn typed(msgtype: &str, object: Value) -> Value {
    json!({"touser": "alice", "msgtype": msgtype, "agentid": DEFAULT_AGENT_ID, msgtype: object})
}

/// Asserts the errcode and the realistic errmsg suffix of an error answer.
pub fn assert_error(v: &Value, code: i64) {
    assert_eq!(v["errcode"], code, "{v}");
    let msg = v["errmsg"].as_str().unwrap();
    assert!(msg.contains(", hint: [") && msg.contains("], from ip: 127.0.0.1, "), "{msg}");
    assert!(msg.ends_with(&format!("more info at https://open.work.weixin.qq.com/devtool/query?e={code}")), "{msg}");
}
