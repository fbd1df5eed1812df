//! Group commit of completions: a group with many results, a lost lease among them, and a
//! group that fails as a whole.

use yizhan_core::MessageId;

use super::*;
use crate::sqlite::SqliteStore;
use crate::{AttemptError, Handles, MessageStatus, NewDispatch, NewMessage, RecipientOutcome};

const T0: i64 = 1_700_000_000_000;

fn message(n: usize) -> NewMessage {
    let id = MessageId::new();
    NewMessage {
        id,
        channel: "ops".to_owned(),
        api_key: None,
        request: serde_json::json!({}),
        idempotency: None,
        send_at_ms: T0,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches: (0..n)
            .map(|i| NewDispatch {
                coalesce_key: None,
                body: b"{}".to_vec(),
                endpoint: "wecom.message_send".to_owned(),
                dedupe_id: Some(format!("{id}-{i}")),
                recipients: vec![format!("u{i}"), "bob".to_owned()],
                after_seq: None,
                duplicate: None,
                resend_safe: false,
            })
            .collect(),
    }
}

fn delivered(i: usize) -> DispatchResult {
    DispatchResult::Delivered {
        handles: Handles { msgid: Some(format!("m{i}")), ..Handles::default() },
        outcomes: vec![
            RecipientOutcome { recipient: format!("u{i}"), outcome: "delivered".to_owned(), detail: None },
            RecipientOutcome { recipient: "bob".to_owned(), outcome: "invalid".to_owned(), detail: None },
        ],
    }
}

fn retry() -> DispatchResult {
    let error = AttemptError { kind: "transient".into(), code: Some(-1), message: "busy".into(), ambiguous: false };
    DispatchResult::Retry { at_ms: T0 + 5_000, counts_attempt: true, error }
}

fn job(claim: &ClaimToken, result: DispatchResult) -> (CompleteJob, Answer) {
    let (reply, answer) = tokio::sync::oneshot::channel();
    (CompleteJob { claim: claim.clone(), result, now_ms: T0 + 10, unique_msgid: false, reply }, answer)
}

type Answer = tokio::sync::oneshot::Receiver<crate::sql::complete::Completed>;

async fn open() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("outbox.db").display());
    (SqliteStore::open(&url).await.expect("open"), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_group_records_every_result_and_fails_only_a_lost_lease() -> anyhow::Result<()> {
    let (store, _dir) = open().await;
    let msgs: Vec<NewMessage> = (0..30).map(|_| message(2)).collect();
    let ids: Vec<MessageId> = msgs.iter().map(|m| m.id).collect();
    crate::sql::group::accept(&store.writer, msgs).await?;
    let claims = store.claim_due("w1", T0, 60_000, 1000, &[]).await?;
    assert_eq!(claims.len(), 60);
    let mut group = Vec::new();
    let mut answers = Vec::new();
    for c in &claims {
        let result = if c.seq == 0 { delivered(0) } else { retry() };
        let (j, a) = job(&c.claim, result);
        group.push(j);
        answers.push(a);
    }
    // The same claim twice in one group: the second finds the lease gone.
    let (j, twice) = job(&claims[0].claim, delivered(0));
    group.push(j);
    write_group(&store.pool, &store.gate, group).await;
    for a in answers {
        a.await??;
    }
    assert!(twice.await?.is_err_and(|e| e.is_conflict()));
    for id in ids {
        let m = store.message(id).await?.expect("stored");
        assert_eq!(m.status, MessageStatus::Retrying, "one dispatch delivered, one retrying");
        let (d0, d1) = (&m.dispatches[0], &m.dispatches[1]);
        assert_eq!((d0.status, d0.attempts, d0.handles.msgid.as_deref()), (DispatchStatus::Delivered, 1, Some("m0")));
        assert_eq!(d0.attempt_log.len(), 1, "one attempt row, not two");
        assert_eq!((d0.attempt_log[0].number, d0.attempt_log[0].result.as_str()), (1, "delivered"));
        assert_eq!(d0.attempt_log[0].duration_ms, Some(10));
        let mut outcomes: Vec<_> = d0.outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
        outcomes.sort();
        assert_eq!(outcomes, [("bob", "invalid"), ("u0", "delivered")]);
        assert_eq!((d1.status, d1.attempts, d1.next_attempt_at_ms), (DispatchStatus::Retrying, 1, T0 + 5_000));
        assert_eq!(d1.attempt_log[0].error.as_ref().and_then(|e| e.code), Some(-1));
    }
    // Completing the retrying dispatches later, in a group of their own, finishes the messages.
    let again = store.claim_due("w1", T0 + 5_000, 60_000, 1000, &[]).await?;
    assert_eq!(again.len(), 30);
    let tasks: Vec<_> = again
        .iter()
        .map(|c| {
            let (store, claim) = (store.clone(), c.claim.clone());
            tokio::spawn(async move {
                crate::sql::group::complete(&store.writer, &claim, delivered(1), T0 + 5_010, false).await
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let m = store.message(claims[0].message_id).await?.expect("stored");
    assert_eq!(m.status, MessageStatus::PartiallyDelivered, "bob's outcome was invalid");
    assert_eq!(m.dispatches[1].attempt_log.iter().map(|a| a.number).collect::<Vec<_>>(), [1, 2]);
    Ok(())
}

#[tokio::test]
async fn a_failing_group_is_retried_one_by_one() -> anyhow::Result<()> {
    let (store, _dir) = open().await;
    let m = message(2);
    crate::sql::group::accept(&store.writer, vec![m]).await?;
    let claims = store.claim_due("w1", T0, 60_000, 10, &[]).await?;
    // The outcome of recipient u1 cannot be stored: the group's multi-row insert fails.
    let (good, good_answer) = job(&claims[0].claim, delivered(0));
    let (bad, bad_answer) = job(&claims[1].claim, delivered(1));
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON recipient_outcomes WHEN NEW.recipient = 'u1' \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(&store.pool)
    .await?;
    write_group(&store.pool, &store.gate, vec![good, bad]).await;
    good_answer.await??;
    assert!(bad_answer.await?.is_err(), "the failing completion fails alone");
    let m = store.message(claims[0].message_id).await?.expect("stored");
    assert_eq!(m.dispatches[0].status, DispatchStatus::Delivered);
    assert_eq!(m.dispatches[1].status, DispatchStatus::InFlight, "rolled back, still held");
    Ok(())
}
