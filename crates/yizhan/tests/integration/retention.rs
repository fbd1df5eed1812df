//! Retention on the manual clock, on SQLite and PostgreSQL: the gateway's sweeper deletes
//! finished messages once they are older than `[store] retention`, in batches, and never one
//! that still waits; `[store] retention` is checked when the configuration loads.

use std::sync::Arc;
use std::time::Duration;

use yizhan::config::Config;
use yizhan::retention::{BATCH, Retention, RetentionCounter, Sweeper};
use yizhan_core::{Clock, MessageId};
use yizhan_store::{
    AttemptError, DispatchResult, Handles, MessageStatus, NewDispatch, NewMessage, Purged, RecipientOutcome, Store,
};

use yizhan_test_kit::postgres;

const T0: i64 = 1_795_395_600_000;
const DAY: Duration = Duration::from_secs(86_400);
const LEASE: i64 = 60_000;

fn message(send_at_ms: i64, expires_at_ms: Option<i64>) -> NewMessage {
    let id = MessageId::new();
    NewMessage {
        id,
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::json!({"channel": "ops", "content": {"text": "disk full"}}),
        idempotency: None,
        send_at_ms,
        expires_at_ms,
        created_at_ms: T0,
        dispatches: vec![NewDispatch {
            coalesce_key: None,
            body: format!("{{\"touser\":\"alice|bob\",\"id\":\"{id}\"}}").into_bytes(),
            endpoint: "wecom.message_send".to_owned(),
            dedupe_id: Some(id.to_string()),
            recipients: vec!["alice".to_owned(), "bob".to_owned()],
            after_seq: None,
            duplicate: None,
            resend_safe: false,
        }],
    }
}

async fn status(store: &Store, id: MessageId) -> Option<MessageStatus> {
    store.message(id).await.expect("read").map(|m| m.status)
}

/// Delivered, dead and expired messages, and waiting ones, then the sweeps as time passes.
async fn sweeps_as_time_passes(store: Store) {
    let (clock, control) = Clock::manual(T0);
    // One delivered (two recipient outcomes), one dead, at T0.
    let delivered = message(T0, None);
    let dead = message(T0, None);
    store.accept_batch(vec![delivered.clone(), dead.clone()]).await.expect("accept");
    for c in store.claim_due("w", T0, LEASE, 10).await.expect("claim") {
        let result = if c.message_id == delivered.id {
            let outcomes = ["alice", "bob"].map(|r| RecipientOutcome {
                recipient: r.to_owned(),
                outcome: "delivered".to_owned(),
                detail: None,
            });
            DispatchResult::Delivered { handles: Handles::default(), outcomes: outcomes.to_vec() }
        } else {
            let error = AttemptError {
                kind: "permanent".to_owned(),
                code: Some(81013),
                message: "no valid recipient".to_owned(),
                ambiguous: false,
            };
            DispatchResult::Dead { error, outcomes: vec![] }
        };
        store.complete(&c.claim, result, T0).await.expect("complete");
    }
    // More than a batch of messages that expire at T0 + 1 and are expired by the next claim.
    let expiring: Vec<NewMessage> = (0..BATCH + 100).map(|_| message(T0 + 10, Some(T0 + 1))).collect();
    store.accept_batch(expiring.clone()).await.expect("accept");
    assert!(store.claim_due("w", T0 + 10, LEASE, 10).await.expect("claim").is_empty());
    // Waiting: due now but never claimed; scheduled in 60 days; retrying; in flight.
    let accepted = message(T0, None);
    let scheduled = message(T0 + 60 * 86_400_000, None);
    store.accept_batch(vec![accepted.clone()]).await.expect("accept");
    let retrying = message(T0, None);
    store.accept(retrying.clone()).await.expect("accept");
    let mut claims = store.claim_due("w", T0 + 20, LEASE, 2).await.expect("claim");
    assert_eq!(claims.len(), 2);
    let retry_claim = claims.iter().position(|c| c.message_id == retrying.id).expect("retrying claimed");
    let error =
        AttemptError { kind: "transient".to_owned(), code: Some(-1), message: "busy".to_owned(), ambiguous: false };
    let retry = DispatchResult::Retry { at_ms: T0 + 90 * 86_400_000, counts_attempt: true, error };
    store.complete(&claims.remove(retry_claim).claim, retry, T0 + 20).await.expect("complete");
    let in_flight = accepted; // the other claim stays in flight
    let accepted = message(T0, None);
    store.accept_batch(vec![accepted.clone(), scheduled.clone()]).await.expect("accept");
    let waiting = [
        (accepted.id, MessageStatus::Accepted),
        (scheduled.id, MessageStatus::Scheduled),
        (retrying.id, MessageStatus::Retrying),
        (in_flight.id, MessageStatus::Dispatching),
    ];
    assert_eq!(status(&store, expiring[0].id).await, Some(MessageStatus::Expired));

    let counter = Arc::new(RetentionCounter::default());
    assert!(Sweeper::new(store.clone(), clock.clone(), Retention::OFF, counter.clone()).is_none(), "off: no sweeps");
    let retention = Retention::parse("30d").expect("30d");
    let sweeper = Sweeper::new(store.clone(), clock, retention, counter.clone()).expect("retention is on");
    control.advance(29 * DAY);
    assert_eq!(sweeper.sweep().await.expect("sweep"), Purged::default(), "nothing is 30 days old yet");
    assert_eq!(status(&store, delivered.id).await, Some(MessageStatus::Delivered));
    control.advance(2 * DAY);
    let swept = sweeper.sweep().await.expect("sweep");
    let gone = 2 + BATCH as u64 + 100;
    // Each: message, dispatch, attempt (the expired ones: message and dispatch); plus two outcomes.
    assert_eq!((swept.messages, swept.forwards, swept.rows), (gone, 0, 2 * 3 + 2 + (gone - 2) * 2));
    assert_eq!(counter.rows(), swept.rows);
    for id in [delivered.id, dead.id, expiring[0].id, expiring[BATCH + 99].id] {
        assert_eq!(status(&store, id).await, None, "{id} is deleted");
    }
    for (id, expected) in waiting {
        assert_eq!(status(&store, id).await, Some(expected), "{id} still waits");
    }
    assert_eq!(store.counts().await.expect("counts").values().sum::<i64>(), 4);
    // A year later the waiting ones are still there; nothing else was left to delete.
    control.advance(365 * DAY);
    assert_eq!(sweeper.sweep().await.expect("sweep"), Purged::default());
    assert_eq!(store.counts().await.expect("counts").values().sum::<i64>(), 4);
    assert_eq!(counter.rows(), swept.rows);
    store.close().await;
}

#[tokio::test]
async fn sqlite_sweeps_finished_messages_after_the_period() {
    let dir = std::env::temp_dir().join(format!("yizhan-retention-{}", MessageId::new()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("outbox.db").display());
    sweeps_as_time_passes(Store::open(&url).await.expect("open")).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_sweeps_finished_messages_after_the_period() {
    let Some(db) = postgres::TempDatabase::create().await else { return };
    sweeps_as_time_passes(Store::open(&db.url).await.expect("open")).await;
}

#[test]
fn periods_load_and_bad_ones_are_located() {
    let parse = |text: &str| Config::parse(text, "t.toml", &Default::default());
    let config = parse("[store]\nretention = \"off\"\n").expect("off");
    assert_eq!(config.store.retention, Retention::OFF);
    assert_eq!(parse("[store]\nretention = 0\n").expect("0").store.retention, Retention::OFF);
    assert_eq!(parse("").expect("default").store.retention.to_string(), "30d");
    assert_eq!(parse("[store]\nretention = \"90d\"\n").expect("90d").store.retention.keep_ms(), Some(90 * 86_400_000));
    for (text, says) in [
        ("retention = 30", "needs a unit"),
        ("retention = \"30 days\"", "is not a period"),
        ("retention = \"2h\"", "at least a day"),
        ("retention = true", "must be a period"),
    ] {
        let e = parse(&format!("[store]\n{text}\n")).expect_err(text).to_string();
        assert!(e.starts_with("t.toml:2:") && e.contains("store.retention: ") && e.contains(says), "{text}: {e}");
    }
}
