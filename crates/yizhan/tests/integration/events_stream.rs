//! `GET /v1/events`: a client that disconnects resumes with `Last-Event-ID` and misses nothing;
//! a client that stops reading is cut off as behind while messages keep being delivered.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use yizhan::commands::watch::{SseEvent, SseParser};
use yizhan::config::Config;
use yizhan::events::EventHub;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};
use yizhan_store::{EventFilter, Store};
use yizhan_test_kit::wait;

use crate::support::{ApiClient, Running};

/// A gateway on an in-memory store in front of `emu`, with API key `k` for channel `ops`.
async fn gateway(emu: &yizhan_emulator::EmulatorHandle) -> Running {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
         [[channels]]\nname = \"other\"\nkind = \"wecom_robot\"\nkey = \"k2\"\nbase_url = \"{}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        emu.base_url(),
        emu.base_url(),
        ApiKeys::hash("k")
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

/// An open event stream.
struct Stream {
    response: reqwest::Response,
    parser: SseParser,
    seen: Vec<SseEvent>,
}

impl Stream {
    async fn open(base: &str, query: &str, last_id: Option<&str>) -> Stream {
        let mut request = reqwest::Client::new().get(format!("{base}/v1/events{query}")).bearer_auth("k");
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream { response, parser: SseParser::default(), seen: Vec::new() }
    }

    /// Reads until an event satisfies `done` (at most 20 s); returns it.
    async fn until(&mut self, what: &str, mut done: impl FnMut(&SseEvent) -> bool) -> SseEvent {
        let read = async {
            loop {
                let chunk = self.response.chunk().await.expect("read").expect("the stream stays open");
                for event in self.parser.feed(&chunk) {
                    self.seen.push(event.clone());
                    if done(&event) {
                        return event;
                    }
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read)
            .await
            .unwrap_or_else(|_| panic!("no {what} within 20 s; seen {:?}", self.seen))
    }

    fn ids(&self) -> Vec<i64> {
        self.seen.iter().filter_map(|e| e.id.as_deref()?.parse().ok()).collect()
    }
}

fn delivered(id: &str) -> impl Fn(&SseEvent) -> bool + '_ {
    move |e| {
        let payload: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
        e.event == "message.delivered" && payload["data"]["message_id"] == id
    }
}

/// True once both messages were seen delivered (in either order).
fn both_delivered<'a>(a: &'a str, b: &'a str) -> impl FnMut(&SseEvent) -> bool + 'a {
    let (mut seen_a, mut seen_b) = (false, false);
    move |e| {
        seen_a |= delivered(a)(e);
        seen_b |= delivered(b)(e);
        seen_a && seen_b
    }
}

fn text(to: &str) -> Value {
    json!({"channel": "ops", "to": {"users": [to]}, "content": {"text": "disk full"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resumes_with_last_event_id_without_a_gap() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gw = gateway(&emu).await;
    let api = ApiClient::new(&gw.base, "k");
    let refused = reqwest::Client::new()
        .get(format!("{}/v1/events?channel=other", gw.base))
        .bearer_auth("k")
        .send()
        .await
        .expect("get");
    assert_eq!(refused.status(), 403, "a channel outside the key's scope is refused");

    let mut first = Stream::open(&gw.base, "?after=0", None).await;
    let m1 = api.send(&text("alice")).await;
    let last = first.until("m1 delivered", delivered(&m1)).await;
    let payload: Value = serde_json::from_str(&last.data).expect("json");
    assert_eq!(payload["type"], "message.delivered");
    assert_eq!(payload["data"]["channel"], "ops");
    let first_ids = first.ids();
    drop(first);

    // While nobody listens, two more messages go through.
    let m2 = api.send(&text("bob")).await;
    let m3 = api.send(&text("carol")).await;
    api.wait_for(&m2, &["delivered"]).await;
    api.wait_for(&m3, &["delivered"]).await;

    let mut resumed = Stream::open(&gw.base, "", last.id.as_deref()).await;
    resumed.until("m2 and m3 delivered", both_delivered(&m2, &m3)).await;
    let mut whole = Stream::open(&gw.base, "?after=0", None).await;
    whole.until("m2 and m3 delivered", both_delivered(&m2, &m3)).await;
    let mut both = first_ids;
    both.extend(resumed.ids());
    assert_eq!(both, whole.ids(), "disconnected, then resumed: the same events as one reader, in order");
    assert!(both.windows(2).all(|w| w[0] < w[1]));
    let kinds: Vec<&str> = whole.seen.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "message.accepted").count(), 3);
    assert_eq!(kinds.iter().filter(|k| **k == "recipient.outcome").count(), 3);
    assert!(whole.seen.iter().any(delivered(&m2)));

    // A message's own story from the start, without `after`.
    let mut story = Stream::open(&gw.base, &format!("?id={m2}&types=message.accepted,message.delivered"), None).await;
    story.until("m2 delivered", delivered(&m2)).await;
    let kinds: Vec<&str> = story.seen.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["message.accepted", "message.delivered"]);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_does_not_hold_up_deliveries() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gw = gateway(&emu).await;
    let api = ApiClient::new(&gw.base, "k");
    // Opened, then never read.
    let stalled = Stream::open(&gw.base, "?after=0", None).await;
    // 25 messages per member: within WeCom's 30 a minute, so none is deferred by the quota ledger.
    let batch: Vec<Value> = (0..100).map(|i| text(["alice", "bob", "carol", "dave"][i % 4])).collect();
    let (status, answer) = api.post("/v1/messages:batch", Some(&json!({"messages": batch}))).await;
    assert_eq!(status, 202, "{answer}");
    let ids: Vec<String> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["accepted"]["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 100);
    for id in &ids {
        api.wait_for(id, &["delivered"]).await;
    }
    drop(stalled);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_cuts_off_a_subscriber_whose_buffer_is_full() {
    let store = Store::open("sqlite::memory:").await.expect("store");
    let hub = EventHub::with_limits(store.clone(), Duration::from_millis(10), 8);
    let mut slow = hub.subscribe(EventFilter::default()).await.expect("subscribe");
    let mut fast = hub.subscribe(EventFilter::default()).await.expect("subscribe");
    let read = Arc::new(AtomicUsize::new(0));
    let counter = read.clone();
    let reader = tokio::spawn(async move {
        while fast.events.recv().await.is_some() {
            if counter.fetch_add(1, Ordering::SeqCst) + 1 == 20 {
                break;
            }
        }
    });
    for i in 0..20 {
        let m = yizhan_store::NewMessage {
            id: yizhan_core::MessageId::new(),
            channel: "ops".to_owned(),
            api_key: None,
            request: json!({}),
            idempotency: None,
            send_at_ms: 0,
            expires_at_ms: None,
            created_at_ms: 0,
            dispatches: vec![yizhan_store::NewDispatch {
                body: b"{}".to_vec(),
                endpoint: "wecom.message_send".to_owned(),
                dedupe_id: None,
                recipients: vec!["alice".to_owned()],
                coalesce_key: None,
                after_seq: None,
                resend_safe: false,
                duplicate: None,
            }],
        };
        store.accept(m).await.expect("accept");
        hub.wake();
        // This reader keeps up: it has each event before the next one is written.
        wait::until("the reader to have the event", Duration::from_secs(10), || read.load(Ordering::SeqCst) == i + 1)
            .await;
    }
    reader.await.expect("reader");
    wait::until("the slow subscriber to be cut off", Duration::from_secs(10), || hub.fell_behind() == 1).await;
    let mut buffered = 0;
    while slow.events.recv().await.is_some() {
        buffered += 1;
    }
    assert_eq!(buffered, 8, "the buffer held 8 events, then the hub let go");
    assert!(slow.fell_behind());
}
