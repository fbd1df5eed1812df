//! A webhook receiver on loopback for the `webhooks_*` tests, and an independent check of the
//! Standard Webhooks signatures it got (python3's `hmac`, `hashlib` and `base64`, following the
//! specification's verification steps, not the gateway's code).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use yizhan_test_kit::wait;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `webhook-id`.
    pub(crate) id: String,
    /// `webhook-timestamp`.
    pub(crate) timestamp: String,
    /// `webhook-signature`.
    pub(crate) signature: String,
    /// The exact body.
    pub(crate) body: String,
    /// Whether it was answered 2xx.
    pub(crate) accepted: bool,
}

impl Received {
    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the body is JSON")
    }
}

/// The receiver's state: what it got, and how it answers.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests first.
    pub(crate) failing: Arc<AtomicUsize>,
    /// Never answer the next request (it hangs until the connection is dropped).
    pub(crate) hang_next: Arc<AtomicBool>,
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1; its URL (`…/hook`).
    pub(crate) async fn start() -> (String, Receiver) {
        let receiver = Receiver::default();
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, receiver)
    }

    /// Everything received so far, in arrival order.
    pub(crate) fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// The accepted requests about message `id`, in arrival order.
    pub(crate) fn accepted_for(&self, id: &str) -> Vec<Received> {
        self.got().into_iter().filter(|r| r.accepted && r.json()["data"]["message_id"] == id).collect()
    }

    /// Waits (at most 30 s) until `done` holds for what was received.
    pub(crate) async fn wait(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        wait::for_state(what, Duration::from_secs(30), async || {
            let got = self.got();
            if done(&got) { Ok(got) } else { Err(got.len()) }
        })
        .await
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let hang = r.hang_next.swap(false, Ordering::SeqCst);
    let fail = !hang && r.failing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    r.got.lock().expect("lock").push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        accepted: !hang && !fail,
    });
    if hang {
        std::future::pending::<()>().await;
    }
    if fail { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
}

/// The Standard Webhooks verification in python3: for each case `{secret, id, timestamp,
/// body, signature}` prints `ok`, `too_old`, `too_new` or `bad_signature`.
const VERIFY: &str = r#"
import base64, hashlib, hmac, json, sys, time
out = []
now = int(time.time())
for c in json.loads(sys.argv[1]):
    ts = int(c["timestamp"])
    if ts < now - 300:
        out.append("too_old"); continue
    if ts > now + 300:
        out.append("too_new"); continue
    secret = c["secret"][len("whsec_"):] if c["secret"].startswith("whsec_") else c["secret"]
    key = base64.b64decode(secret)
    signed = (c["id"] + "." + c["timestamp"] + ".").encode() + c["body"].encode("utf-8")
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in c["signature"].split(" ") if s.startswith("v1,")]
    out.append("ok" if any(hmac.compare_digest(g, expected) for g in given) else "bad_signature")
print(json.dumps(out))
"#;

/// The python verdict on each of `cases` (`None` when python3 is missing outside CI).
pub(crate) fn verify(secret: &str, cases: &[Received]) -> Option<Vec<String>> {
    let input: Vec<Value> = cases
        .iter()
        .map(|r| json!({"secret": secret, "id": r.id, "timestamp": r.timestamp, "body": r.body, "signature": r.signature}))
        .collect();
    let out = yizhan_test_kit::python::run_json(VERIFY, &Value::from(input))?;
    Some(serde_json::from_value(out).expect("a list of verdicts"))
}
