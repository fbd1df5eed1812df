//! Getui list pushes as ordered dispatches against the emulator: one `/push/list/message`
//! dispatch, then one dispatch per chunk of ≤1000 that waits for it and is sent with the taskid
//! it recorded (handed on by the store with the chunk's claim). A chunk that fails is retried alone; a delivered chunk is never resent.

use std::collections::{BTreeMap, HashMap};

use secrecy::SecretString;
use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, plan};
use yizhan::worker::execute::{AnyClient, GETUI_PUSH_LIST_CID, GETUI_PUSH_LIST_MESSAGE, execute};
use yizhan_core::{MessageId, RetryPolicy};
use yizhan_emulator::{CidConfig, Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_getui::GetuiClient;
use yizhan_store::{
    AttemptError, ClaimedDispatch, DispatchResult, Handles, MessageStatus, NewMessage, RecipientOutcome, Store,
};

const T0: i64 = 1_795_395_600_000;
const LEASE: i64 = 60_000;

fn cids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("cid-{i:04}")).collect()
}

async fn emulator(n: usize) -> EmulatorHandle {
    let mut config = EmulatorConfig::default();
    config.getui.cids.extend(cids(n).into_iter().map(|c| (c, CidConfig::default())));
    Emulator::spawn(config).await.expect("emulator")
}

fn client(emu: &EmulatorHandle) -> AnyClient {
    let client =
        GetuiClient::builder("yizhandemo", "yizhan-demo-appkey", SecretString::from("yizhan-demo-master".to_owned()))
            .base_url(emu.base_url())
            .retry_policy(RetryPolicy::none())
            .build()
            .expect("getui client");
    AnyClient::Getui(client)
}

/// The planned message for a transmission to `to` through a Getui channel.
fn planned(emu: &EmulatorHandle, to: &[String]) -> NewMessage {
    let text = format!(
        "[[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
         master_secret = \"yizhan-demo-master\"\nbase_url = \"{}\"\n",
        emu.base_url()
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let request: MessageRequest = serde_json::from_value(serde_json::json!({
        "channel": "app", "to": {"cids": to}, "content": {"getui": {"transmission": "{\"deploy\":42}"}}
    }))
    .expect("request");
    let plan = plan(&request, config.channel("app").expect("channel"), T0).expect("plan");
    NewMessage {
        id: MessageId::new(),
        channel: "app".to_owned(),
        api_key: None,
        request: serde_json::to_value(&request).expect("json"),
        idempotency: None,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches: plan.new_dispatches(None),
    }
}

/// Sends one claimed dispatch and records the result (a failure is retried at `retry_at`).
async fn send(store: &Store, client: &AnyClient, c: &ClaimedDispatch, now: i64, retry_at: i64) -> bool {
    let result = match execute(client, &c.endpoint, &c.body, &c.recipients, c.upstream.as_ref()).await {
        Ok(d) => DispatchResult::Delivered {
            handles: Handles {
                msgid: d.handles.msgid,
                response_code: d.handles.response_code,
                taskid: d.handles.taskid,
            },
            outcomes: d
                .outcomes
                .into_iter()
                .map(|o| RecipientOutcome { recipient: o.recipient, outcome: o.outcome, detail: None })
                .collect(),
        },
        Err(f) => DispatchResult::Retry {
            at_ms: retry_at,
            counts_attempt: true,
            error: AttemptError {
                kind: f.kind.as_str().to_owned(),
                code: f.code,
                message: f.message,
                ambiguous: false,
            },
        },
    };
    let ok = matches!(result, DispatchResult::Delivered { .. });
    store.complete(&c.claim, result, now).await.expect("complete");
    ok
}

async fn claim_one(store: &Store, now: i64) -> Option<ClaimedDispatch> {
    store.claim_due("w", now, LEASE, 1).await.expect("claim").pop()
}

#[tokio::test]
async fn a_failed_chunk_is_retried_alone_and_every_cid_gets_the_push_once() {
    let emu = emulator(2500).await;
    let client = client(&emu);
    let store = Store::open("sqlite::memory:").await.expect("store");
    let msg = planned(&emu, &cids(2500));
    assert_eq!(msg.dispatches.len(), 4, "create + chunks of 1000, 1000, 500");
    store.accept(msg.clone()).await.expect("accept");

    let create = claim_one(&store, T0).await.expect("the create call is due");
    assert_eq!((create.seq, create.endpoint.as_str()), (0, GETUI_PUSH_LIST_MESSAGE));
    assert!(store.claim_due("w", T0, LEASE, 10).await.expect("claim").is_empty(), "chunks wait for the taskid");
    assert!(send(&store, &client, &create, T0, T0).await);
    let taskid = store.message(msg.id).await.expect("read").expect("stored").dispatches[0].handles.taskid.clone();
    let taskid = taskid.expect("the create call's taskid");

    let first = claim_one(&store, T0).await.expect("chunk 1 due");
    assert_eq!((first.seq, first.endpoint.as_str()), (1, GETUI_PUSH_LIST_CID));
    let handed_on = first.upstream.as_ref().and_then(|h| h.taskid.as_deref());
    assert_eq!(handed_on, Some(taskid.as_str()), "the create call's taskid comes with the claim");
    assert!(send(&store, &client, &first, T0, T0).await);

    emu.fail_next_on("/push/list/cid", 1, 30019);
    let second = claim_one(&store, T0).await.expect("chunk 2 due");
    assert_eq!(second.seq, 2);
    assert!(!send(&store, &client, &second, T0 + 1, T0 + 1_000).await, "the fault hits chunk 2");
    let third = claim_one(&store, T0 + 1).await.expect("chunk 3 due");
    assert_eq!(third.seq, 3);
    assert!(send(&store, &client, &third, T0 + 2, T0 + 2).await);
    assert!(claim_one(&store, T0 + 999).await.is_none(), "nothing else due before chunk 2's retry");
    let retried = claim_one(&store, T0 + 1_000).await.expect("chunk 2 again");
    assert_eq!((retried.seq, retried.body.clone()), (2, second.body.clone()), "the same stored body");
    assert!(send(&store, &client, &retried, T0 + 1_000, T0 + 1_000).await);
    assert!(claim_one(&store, T0 + 100_000).await.is_none());

    let rec = store.message(msg.id).await.expect("read").expect("stored");
    assert_eq!(rec.status, MessageStatus::Delivered);
    let attempts: Vec<usize> = rec.dispatches.iter().map(|d| d.attempt_log.len()).collect();
    assert_eq!(attempts, vec![1, 1, 2, 1], "only chunk 2 was sent twice");
    let mut got: BTreeMap<String, usize> = BTreeMap::new();
    for d in emu.inbox().into_iter().filter(|d| d.provider == "getui" && !d.deduplicated) {
        assert_eq!(d.msgid, taskid, "every chunk used the one taskid");
        *got.entry(d.recipient).or_default() += 1;
    }
    assert_eq!(got.len(), 2500, "every cid got the push");
    assert!(got.values().all(|n| *n == 1), "and exactly once");
    let stats = emu.stats();
    assert_eq!(stats.push_calls, 1 + 4, "one create, chunks 1 and 3 once, chunk 2 twice");
    assert_eq!(stats.errors, 1);
}

#[tokio::test]
async fn a_failed_create_ends_the_chunks_unsent() {
    let emu = emulator(3).await;
    let client = client(&emu);
    let store = Store::open("sqlite::memory:").await.expect("store");
    let msg = planned(&emu, &cids(3));
    store.accept(msg.clone()).await.expect("accept");
    let create = claim_one(&store, T0).await.expect("create due");
    let error =
        AttemptError { kind: "permanent".to_owned(), code: Some(20001), message: "bad".to_owned(), ambiguous: false };
    store.complete(&create.claim, DispatchResult::Dead { error, outcomes: Vec::new() }, T0).await.expect("complete");
    let rec = store.message(msg.id).await.expect("read").expect("stored");
    assert_eq!(rec.status, MessageStatus::Dead);
    assert!(claim_one(&store, T0 + 1_000_000).await.is_none());
    // A chunk without the taskid of its create call is never sent.
    let chunk = &rec.dispatches[1];
    let failed = execute(&client, &chunk.endpoint, &chunk.body, &chunk.recipients, None).await.expect_err("refused");
    assert!(failed.message.contains("recorded no taskid"), "{}", failed.message);
    assert_eq!(emu.stats().push_calls, 0);
}
