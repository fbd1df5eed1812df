//! The traffic-shaping rig: the HTTP API and a worker on one manual clock, an in-memory store and
//! the emulator, driven request by request (no sockets for the API).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt as _;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan::server::{AppState, router};
use yizhan::worker::Worker;
use yizhan_core::{Clock, ManualClock};
use yizhan_emulator::{CidConfig, Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_store::Store;

/// 2026-11-23T08:00:00+08:00.
pub(crate) const T0: i64 = 1_795_392_000_000;

pub(crate) struct Rig {
    pub(crate) emu: EmulatorHandle,
    pub(crate) store: Store,
    pub(crate) control: Arc<ManualClock>,
    pub(crate) worker: Worker,
    app: axum::Router,
}

impl Rig {
    /// A rig whose emulator knows `users` (plus its defaults) and whose config has `shaping`
    /// (TOML lines of the `[shaping]` table).
    pub(crate) async fn new(users: &[String], shaping: &str) -> Rig {
        Rig::with_cids(users, &[], shaping).await
    }

    /// [`Rig::new`] whose emulator also knows the Getui client ids `cids`, pushed to through
    /// the channel `app`.
    pub(crate) async fn with_cids(users: &[String], cids: &[String], shaping: &str) -> Rig {
        let mut emu_config = EmulatorConfig::default();
        emu_config.wecom.users.extend(users.iter().cloned());
        emu_config.getui.cids.extend(cids.iter().map(|c| (c.clone(), CidConfig::default())));
        let emu = Emulator::spawn(emu_config).await.expect("emulator");
        let text = format!(
            "[shaping]\n{shaping}\n\n[worker]\nconcurrency = 16\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
             corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{0}\"\n\n\
             [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
             master_secret = \"yizhan-demo-master\"\nbase_url = \"{0}\"\n\n\
             [[api_keys]]\nname = \"t\"\nsha256 = \"{1}\"\nchannels = [\"ops\", \"app\"]\n",
            emu.base_url(),
            ApiKeys::hash("k")
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let store = Store::open("sqlite::memory:").await.expect("store");
        let (clock, control) = Clock::manual(T0);
        let worker = Worker::new(store.clone(), &config, clock.clone()).expect("worker");
        let state = AppState::for_worker(store.clone(), config, clock, &worker);
        Rig { emu, store, control, worker, app: router(state) }
    }

    /// Sends an API request; the status and the JSON answer.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", "Bearer k")
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        let response = self.app.clone().oneshot(request).await.expect("response");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    /// Posts a message; its id (asserting a 202).
    pub(crate) async fn send(&self, request: serde_json::Value) -> String {
        let (status, answer) = self.call("POST", "/v1/messages", Some(request)).await;
        assert_eq!(status, 202, "{answer}");
        answer["id"].as_str().expect("id").to_owned()
    }

    /// The message's view.
    pub(crate) async fn view(&self, id: &str) -> serde_json::Value {
        let (status, view) = self.call("GET", &format!("/v1/messages/{id}"), None).await;
        assert_eq!(status, 200, "{view}");
        view
    }

    /// The stored record of message `id` (which must exist).
    pub(crate) async fn record(&self, id: &str) -> yizhan_store::MessageRecord {
        let id = yizhan_core::MessageId::parse(id).expect("id");
        self.store.message(id).await.expect("read").expect("stored")
    }

    /// Sets the clock (both API and worker) and runs the worker until nothing is due.
    pub(crate) async fn run_at(&self, at_ms: i64) -> usize {
        self.control.set_ms(at_ms);
        self.worker.run_until_idle().await.expect("worker")
    }
}
