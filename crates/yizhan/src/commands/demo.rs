//! `yizhan demo`: the gateway on SQLite with the built-in emulator as every provider, a demo API
//! key, and curl commands that deliver — so a newcomer sees messages land within a minute.

use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use yizhan_emulator::EmulatorConfig;
use yizhan_store::Store;

use crate::config::Config;
use crate::exit::Outcome;
use crate::server::auth::ApiKeys;

/// Runs the demo until Ctrl-C.
pub async fn run(listen: String, db: PathBuf) -> anyhow::Result<Outcome> {
    let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("binding {listen}"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let emulator_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the emulator")?;
    let emulator_url = format!("http://{}", emulator_listener.local_addr()?);
    // Card clicks (`POST /__emulator/click`) come back to the gateway as WeCom would send them.
    let mut emulator = EmulatorConfig::default();
    emulator.wecom.apps[0].callback_url = Some(format!("{base}/v1/callbacks/wecom/ops"));
    tokio::spawn(yizhan_emulator::run(emulator_listener, emulator, std::future::pending()));

    // 122 random bits (a UUIDv4), printed once and stored only as its SHA-256.
    let key = format!("yz_{}", yizhan_core::RequestId::random());
    let config = Config::parse(&demo_config(&emulator_url, &db, &ApiKeys::hash(&key)), "demo", &Default::default())?;
    let store = Store::open(&config.store.url).await.with_context(|| format!("opening {}", db.display()))?;
    print_welcome(&base, &key, &db);
    // The emulator's own control path, so `/__emulator/inbox` works on the demo as on `yizhan
    // emulator`; `/emulator/…` is kept as an alias for earlier instructions.
    let proxy = Router::new()
        .route("/__emulator/{*path}", get(emulator_proxy))
        .route("/emulator/{*path}", get(emulator_proxy))
        .route("/__emulator/click", post(emulator_click))
        .with_state(emulator_url);
    Box::pin(super::serve::serve(config, store, listener, proxy, super::serve::shutdown_signal())).await
}

fn demo_config(emulator: &str, db: &std::path::Path, key_sha256: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:8080"

[store]
url = "sqlite://{db}"

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "{corp}"
agent_id = {agent}
secret = "{secret}"
base_url = "{emulator}"
[channels.callback]
token = "{callback_token}"
encoding_aes_key = "{callback_key}"

[[channels]]
name = "ops-robot"
kind = "wecom_robot"
key = "{robot}"
base_url = "{emulator}"

[[channels]]
name = "app"
kind = "getui"
app_id = "{app_id}"
app_key = "{app_key}"
master_secret = "{master}"
base_url = "{emulator}"

[[api_keys]]
name = "demo"
sha256 = "{key_sha256}"
channels = ["ops", "ops-robot", "app"]

# Alertmanager notifications: one card per alert group, updated in place (docs/alerts.md).
[[routes]]
name = "alerts"
kind = "template_card"
language = "en"
[[routes.channels]]
channel = "ops"
to = {{ users = ["alice", "bob"] }}
"#,
        db = db.display(),
        corp = yizhan_emulator::DEFAULT_CORP_ID,
        agent = yizhan_emulator::DEFAULT_AGENT_ID,
        secret = yizhan_emulator::DEFAULT_SECRET,
        robot = yizhan_emulator::DEFAULT_ROBOT_KEY,
        app_id = yizhan_emulator::DEFAULT_GETUI_APP_ID,
        app_key = yizhan_emulator::DEFAULT_GETUI_APP_KEY,
        master = yizhan_emulator::DEFAULT_GETUI_MASTER_SECRET,
        callback_token = yizhan_emulator::DEFAULT_CALLBACK_TOKEN,
        callback_key = yizhan_emulator::DEFAULT_ENCODING_AES_KEY,
    )
}

fn print_welcome(base: &str, key: &str, db: &std::path::Path) {
    println!("yizhan demo: gateway on {base}, SQLite at {}, the built-in emulator as WeCom and Getui", db.display());
    println!(
        "channels: ops (WeCom app: users alice, bob, carol, dave), ops-robot (WeCom group robot), app (Getui: cid-alice, cid-bob)"
    );
    println!();
    println!("API key: {key}");
    println!();
    println!("Console: {base}/console/  (sign in with the API key above)");
    println!();
    println!("Try (in another shell):");
    println!(
        "curl -s -X POST {base}/v1/messages -H 'Authorization: Bearer {key}' -d '{{\"channel\":\"ops\",\"to\":{{\"users\":[\"alice\",\"bob\"]}},\"content\":{{\"markdown\":\"**disk** full on `db-3`\"}}}}'"
    );
    println!(
        "curl -s -X POST {base}/v1/messages -H 'Authorization: Bearer {key}' -d '{{\"channel\":\"ops-robot\",\"to\":{{\"mentions\":[\"alice\"]}},\"content\":{{\"text\":\"deploy finished\"}}}}'"
    );
    println!(
        "curl -s -X POST {base}/v1/messages -H 'Authorization: Bearer {key}' -d '{{\"channel\":\"app\",\"to\":{{\"cids\":[\"cid-alice\"]}},\"content\":{{\"getui\":{{\"notification\":{{\"title\":\"Disk full\",\"body\":\"db-3 at 98%\",\"click_type\":\"startapp\"}}}}}}}}'"
    );
    println!();
    println!(
        "An Alertmanager notification (route alerts: one card per alert group, with Acknowledge and Silence buttons):"
    );
    let sample: serde_json::Value =
        serde_json::from_str(crate::intake::samples::ALERTMANAGER_FIRING).unwrap_or_default();
    println!("curl -s -X POST {base}/v1/intake/alertmanager/alerts -H 'Authorization: Bearer {key}' -d '{sample}'");
    println!(
        "Click its Acknowledge button as alice (the card's task_id is in the inbox): curl -s -X POST {base}/__emulator/click -d '{{\"task_id\":\"<task_id>\",\"user\":\"alice\",\"key\":\"{ack}\"}}'",
        ack = crate::intake::cards::ACK_KEY
    );
    println!();
    println!(
        "Then: curl -s {base}/v1/messages/<id> -H 'Authorization: Bearer {key}'   and   curl -s {base}/__emulator/inbox"
    );
    println!("API docs: {base}/docs   Stop with Ctrl-C.");
}

/// `GET /__emulator/<path>` (and the alias `/emulator/<path>`) → the emulator's
/// `/__emulator/<path>` (inbox, stats).
async fn emulator_proxy(State(emulator): State<String>, Path(path): Path<String>) -> impl IntoResponse {
    relay(reqwest::get(format!("{emulator}/__emulator/{path}")).await).await
}

/// `POST /__emulator/click` → the emulator's (a member clicks a card; the emulator calls the
/// gateway's callback URL).
async fn emulator_click(State(emulator): State<String>, body: Bytes) -> impl IntoResponse {
    relay(reqwest::Client::new().post(format!("{emulator}/__emulator/click")).body(body).send().await).await
}

/// The emulator's answer as the demo's.
async fn relay(response: reqwest::Result<reqwest::Response>) -> axum::response::Response {
    match response {
        Ok(response) => {
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = response.bytes().await.unwrap_or_default();
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.without_url().to_string()).into_response(),
    }
}
