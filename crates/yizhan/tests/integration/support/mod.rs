//! Test support shared by the gateway tests: a `serve` running in-process on a loopback port,
//! a client of its HTTP API, and the state of a router without a worker.

pub(crate) mod alertmanager;
pub(crate) mod browser;
pub(crate) mod console;
pub(crate) mod egress_proxy;
pub(crate) mod smtp;
pub(crate) mod webhook_receiver;

use std::time::Duration;

use serde_json::Value;

use yizhan::commands::serve::serve;
use yizhan::config::Config;
use yizhan_store::Store;
use yizhan_test_kit::wait;

/// A gateway serving `config` (its `[store] url`) on 127.0.0.1, stopped by [`Running::stop`].
pub(crate) struct Running {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts `yizhan serve` for `config`.
    pub(crate) async fn start(config: Config) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Running::start_on(config, listener).await
    }

    /// Starts `yizhan serve` for `config` on `listener` (bound before, when what the
    /// configuration names must know the gateway's address first).
    pub(crate) async fn start_on(config: Config, listener: tokio::net::TcpListener) -> Running {
        let options = yizhan_store::OpenOptions { migrate: true, sqlite_max_size_kb: config.store.sqlite_max_size_kb };
        let store = Store::open_with_options(&config.store.url, &options).await.expect("store");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(config, store, listener, axum::Router::new(), async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve ends cleanly");
        });
        Running { base, stop, task }
    }

    /// Stops abruptly, as a killed process would: the server and worker tasks are dropped
    /// mid-flight and nothing is released (leases expire on their own).
    /// Returns once the tasks are gone, so nothing the instance held can change after it.
    #[allow(dead_code)]
    pub(crate) async fn kill(self) {
        self.task.abort();
        let ended = self.task.await;
        assert!(ended.as_ref().is_err_and(|e| e.is_cancelled()), "the killed instance was still running: {ended:?}");
    }

    /// Shuts down as SIGTERM would and waits until the server and the worker have finished.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server task");
    }
}

/// A client of a gateway's HTTP API with one API key.
pub(crate) struct ApiClient {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// For the gateway at `base` (`http://127.0.0.1:PORT`) and API key `key`.
    pub(crate) fn new(base: &str, key: &str) -> ApiClient {
        ApiClient { base: base.to_owned(), key: key.to_owned(), http: reqwest::Client::new() }
    }

    /// POSTs `body` (if any) to `path`: the status and the JSON answer (`null` if none).
    pub(crate) async fn post(&self, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("post");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// `POST /v1/messages`, which must answer 202; the message id.
    pub(crate) async fn send(&self, body: &Value) -> String {
        let (status, answer) = self.post("/v1/messages", Some(body)).await;
        assert_eq!(status, 202, "{answer}");
        answer["id"].as_str().expect("id").to_owned()
    }

    /// GETs `path`: the JSON answer.
    pub(crate) async fn get(&self, path: &str) -> Value {
        let response = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.key).send().await.expect("get");
        response.json().await.expect("json")
    }

    /// Polls message `id` (for at most 20 s) until its status is one of `statuses`; its view.
    pub(crate) async fn wait_for(&self, id: &str, statuses: &[&str]) -> Value {
        wait::for_state(&format!("message {id} to be {statuses:?}"), Duration::from_secs(20), async || {
            let view = self.get(&format!("/v1/messages/{id}")).await;
            if statuses.contains(&view["status"].as_str().unwrap_or_default()) { Ok(view) } else { Err(view) }
        })
        .await
    }
}

/// The state of a router on `store` for the configuration `text`, without a worker (for
/// `router(state).oneshot(request)` tests).
pub(crate) fn app_state(text: &str, store: Store) -> yizhan::server::AppState {
    let config = Config::parse(text, "test.toml", &Default::default()).expect("config");
    yizhan::server::AppState {
        events: yizhan::events::EventHub::new(store.clone()),
        store,
        keys: yizhan::server::auth::ApiKeys::from_config(&config),
        shaping: std::sync::Arc::new(yizhan::shaping::Shaping::new(&config)),
        config: std::sync::Arc::new(config),
        clock: yizhan_core::Clock::System,
        wake: std::sync::Arc::new(tokio::sync::Notify::new()),
        channels: yizhan::channels::Channels::default(),
        health: yizhan::worker::ChannelHealth::default(),
        retention: std::sync::Arc::default(),
        webhook_metrics: std::sync::Arc::default(),
    }
}

/// Polls the emulator's inbox until `done` holds for it, at most `within` (Alertmanager, for one,
/// waits `group_wait` and retries on its own schedule); returns the inbox that satisfied it.
pub(crate) async fn wait_for_inbox(
    emu: &yizhan_emulator::EmulatorHandle,
    what: &str,
    within: Duration,
    done: impl Fn(&[yizhan_emulator::Delivery]) -> bool,
) -> Vec<yizhan_emulator::Delivery> {
    wait::for_state(&format!("{what} at the emulator"), within, async || {
        let inbox = emu.inbox();
        if done(&inbox) { Ok(inbox) } else { Err(inbox) }
    })
    .await
}

/// Runs the `yizhan` binary with `config` as its configuration file (in a temporary directory)
/// and the environment variables `envs`.
pub(crate) async fn run_yizhan(config: &str, envs: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let tmp = yizhan_test_kit::temp_dir("cli");
    std::fs::write(tmp.path().join("yizhan.toml"), config).expect("config written");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", tmp.path().join("yizhan.toml"))
        .envs(envs.iter().copied())
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

/// Output bytes as text.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
