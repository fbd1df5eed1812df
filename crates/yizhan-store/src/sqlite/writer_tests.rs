//! The accept side of group commit: idempotency keys within one group, and a group whose
//! multi-row insert fails on a reused id, retried job by job.

use yizhan_core::MessageId;

use super::*;
use crate::handoff::HandoffSlot;
use crate::{Idempotency, NewDispatch};
use tokio::sync::oneshot;

const T0: i64 = 1_700_000_000_000;

fn message(key: Option<(&str, &str)>) -> NewMessage {
    NewMessage {
        id: MessageId::new(),
        channel: "ops".to_owned(),
        api_key: Some("k".to_owned()),
        request: serde_json::json!({}),
        idempotency: key.map(|(key, hash)| Idempotency { key: key.to_owned(), body_sha256: hash.to_owned() }),
        send_at_ms: T0,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches: vec![NewDispatch {
            coalesce_key: None,
            body: b"{}".to_vec(),
            endpoint: "wecom.message_send".to_owned(),
            dedupe_id: None,
            recipients: vec!["user:u".to_owned()],
            after_seq: None,
            duplicate: None,
            resend_safe: false,
        }],
    }
}

fn job(msgs: Vec<NewMessage>) -> (AcceptJob, oneshot::Receiver<Result<Vec<AcceptOutcome>, StoreError>>) {
    let (reply, answer) = oneshot::channel();
    (AcceptJob { msgs, reply }, answer)
}

async fn open() -> (super::super::SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    (super::super::SqliteStore::open(&url).await.expect("open"), dir)
}

#[tokio::test]
async fn an_idempotency_key_repeated_within_one_group_replays_the_first() -> anyhow::Result<()> {
    let (store, _dir) = open().await;
    let first = message(Some(("key-1", "h1")));
    let (a, a_answer) = job(vec![first.clone(), message(Some(("key-1", "h1")))]);
    let (b, b_answer) = job(vec![message(Some(("key-1", "h2"))), message(None)]);
    write_group(&store.pool, &store.gate, &HandoffSlot::default(), vec![a, b], Vec::new()).await;
    let a = a_answer.await??;
    assert_eq!(a, [AcceptOutcome::Accepted(first.id), AcceptOutcome::Replayed(first.id)]);
    let b = b_answer.await??;
    assert_eq!(b[0], AcceptOutcome::IdempotencyMismatch(first.id));
    assert!(matches!(b[1], AcceptOutcome::Accepted(_)));
    assert_eq!(store.counts().await?.values().sum::<i64>(), 2, "two messages stored");
    Ok(())
}

#[tokio::test]
async fn a_reused_id_fails_only_its_own_job() -> anyhow::Result<()> {
    let (store, _dir) = open().await;
    let stored = message(None);
    crate::sql::group::accept(&store.writer, vec![stored.clone()]).await?;
    let good = message(None);
    let (a, a_answer) = job(vec![good.clone()]);
    let (b, b_answer) = job(vec![message(None), stored.clone()]);
    write_group(&store.pool, &store.gate, &HandoffSlot::default(), vec![a, b], Vec::new()).await;
    assert_eq!(a_answer.await??, [AcceptOutcome::Accepted(good.id)]);
    let err = b_answer.await?.expect_err("the job reusing an id fails");
    assert!(err.is_conflict(), "{err}");
    assert_eq!(store.counts().await?.values().sum::<i64>(), 2, "the stored one and the good one");
    Ok(())
}
