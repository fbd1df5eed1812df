//! Callback forwards survive failures: a forward target that answers 500 is retried with
//! back-off, and a gateway restart in between loses nothing (a `forward_url` is a webhook
//! subscription: its callback events and their deliveries live in the store).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use yizhan::config::Config;
use yizhan_wecom::callback::CallbackCrypto;

use crate::support::Running;
use yizhan_test_kit::sqlite::TempSqlite;
use yizhan_test_kit::wait;

const TOKEN: &str = "yizhandemotoken";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wwyizhandemo";

/// A forward target that answers 500 while `failing` is above zero (counting it down).
#[derive(Clone, Default)]
struct Target {
    failing: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Target {
    async fn start(failing: usize) -> (String, Target) {
        let target = Target::default();
        target.failing.store(failing, Ordering::SeqCst);
        let app = axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(|State(t): State<Target>, body: axum::body::Bytes| async move {
                    t.calls.fetch_add(1, Ordering::SeqCst);
                    if t.failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    t.accepted.lock().expect("lock").push(serde_json::from_slice(&body).expect("json"));
                    StatusCode::OK
                }),
            )
            .with_state(target.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, target)
    }

    fn accepted(&self) -> Vec<serde_json::Value> {
        self.accepted.lock().expect("lock").clone()
    }

    async fn wait(&self, what: &str, done: impl Fn(&Target) -> bool) {
        wait::until(what, Duration::from_secs(10), || done(self)).await;
    }
}

fn config(store_url: &str, hook: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"{store_url}\"\n\n[worker]\ninitial_delay_ms = 100\n\n[[channels]]\nname = \"ops\"\n\
         kind = \"wecom_app\"\ncorp_id = \"{CORP}\"\nagent_id = 1000002\nsecret = \"s\"\n\n[channels.callback]\n\
         token = \"{TOKEN}\"\nencoding_aes_key = \"{AES_KEY}\"\nforward_url = \"{hook}\"\n"
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

/// POSTs an encrypted text message from `from` to the gateway's callback URL; expects 200.
async fn post_callback(base: &str, from: &str) {
    let crypto = CallbackCrypto::new(TOKEN, AES_KEY, CORP).expect("crypto");
    let xml = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>\
         <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
         <MsgId>4561255354251345929</MsgId><AgentID>1000002</AgentID></xml>"
    );
    let encrypted = crypto.encrypt(&xml).expect("encrypt");
    let signature = crypto.signature("1409659813", "1372623149", &encrypted);
    let body = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>\
         <AgentID><![CDATA[1000002]]></AgentID></xml>"
    );
    let answer = reqwest::Client::new()
        .post(format!("{base}/v1/callbacks/wecom/ops"))
        .query(&[("msg_signature", signature.as_str()), ("timestamp", "1409659813"), ("nonce", "1372623149")])
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_forward_is_retried_until_the_target_accepts_it_once() {
    let (_file, store_url) = temp_store();
    let (hook, target) = Target::start(2).await;
    let running = Running::start(config(&store_url, &hook)).await;
    post_callback(&running.base, "alice").await;
    target.wait("the forward to be accepted", |t| !t.accepted().is_empty()).await;
    running.stop().await;
    assert_nothing_left_to_forward(&store_url).await;
    let accepted = target.accepted();
    assert_eq!(accepted.len(), 1, "forwarded exactly once successfully: {accepted:?}");
    assert_eq!(target.calls.load(Ordering::SeqCst), 3, "two 500s, then the success");
    assert_eq!(accepted[0]["channel"], "ops");
    assert!(accepted[0]["xml"].as_str().is_some_and(|x| x.contains("alice")), "{accepted:?}");
}

#[tokio::test]
async fn a_forward_pending_at_shutdown_is_sent_after_a_restart() {
    let (_file, store_url) = temp_store();
    let (hook, target) = Target::start(usize::MAX).await;
    let first = Running::start(config(&store_url, &hook)).await;
    post_callback(&first.base, "bob").await;
    target.wait("a failed attempt", |t| t.calls.load(Ordering::SeqCst) >= 1).await;
    first.stop().await;
    assert!(target.accepted().is_empty());

    target.failing.store(0, Ordering::SeqCst);
    let second = Running::start(config(&store_url, &hook)).await;
    target.wait("the forward after the restart", |t| !t.accepted().is_empty()).await;
    second.stop().await;
    assert_nothing_left_to_forward(&store_url).await;
    let accepted = target.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert!(accepted[0]["xml"].as_str().is_some_and(|x| x.contains("bob")), "{accepted:?}");
}

/// A SQLite outbox in a fresh directory (removed when the first value is dropped), and its URL.
fn temp_store() -> (TempSqlite, String) {
    let file = TempSqlite::new();
    let url = file.url();
    (file, url)
}

/// The stopped gateway's outbox holds no forward that could ever be sent again: the accepted
/// one is recorded as delivered, so no repeat can follow (at any later time).
async fn assert_nothing_left_to_forward(store_url: &str) {
    let store = yizhan_store::Store::open(store_url).await.expect("store");
    let far_future = i64::MAX / 4;
    let due = store.claim_forwards(far_future, 60_000, 8).await.expect("claim");
    assert!(due.is_empty(), "a forward is still due: {due:?}");
    let due = store.claim_webhook_deliveries(far_future, 60_000, 8).await.expect("claim");
    assert!(due.is_empty(), "a forward_url delivery is still due: {due:?}");
}
