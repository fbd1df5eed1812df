//! Retention: `Store::purge` deletes finished messages (with their dispatches, attempts and
//! outcomes) and finished forwards older than the cutoff, in batches, and nothing that waits.

use std::collections::BTreeMap;

use yizhan_core::MessageId;
use yizhan_store::{
    AttemptError, CancelOutcome, DispatchResult, ForwardResult, MessageStatus, NewForward, NewMessage, Purged,
    RecipientOutcome,
};

use super::{Backend, LEASE, T0, delivered, message, transient};

/// Accepts `m` and claims its one dispatch at `at_ms` (nothing else may be due then).
async fn claim_alone(b: &Backend, m: &NewMessage, at_ms: i64) -> anyhow::Result<yizhan_store::ClaimToken> {
    b.store.accept(m.clone()).await?;
    let mut claimed = b.store.claim_due("w", at_ms, LEASE, 10).await?;
    anyhow::ensure!(claimed.len() == 1 && claimed[0].message_id == m.id, "claimed {claimed:?}");
    Ok(claimed.remove(0).claim)
}

fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned(), detail: None }
}

async fn statuses(b: &Backend, ids: &BTreeMap<&str, MessageId>) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, id) in ids {
        let status = b.store.message(*id).await?.map_or_else(|| "gone".to_owned(), |m| m.status.to_string());
        out.insert((*name).to_owned(), status);
    }
    Ok(out)
}

pub async fn purge_deletes_finished_messages_and_keeps_waiting_ones(b: Backend) -> anyhow::Result<()> {
    let mut ids = BTreeMap::new();
    // Finished at T0 + 1: delivered (with two outcomes), dead, recalled, cancelled, expired.
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0).await?;
    let outcomes = vec![outcome("u0", "delivered"), outcome("bob", "delivered")];
    b.store.complete(&claim, DispatchResult::Delivered { handles: Default::default(), outcomes }, T0 + 1).await?;
    ids.insert("delivered", m.id);
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0).await?;
    let error =
        AttemptError { kind: "permanent".to_owned(), code: Some(40003), message: "bad".to_owned(), ambiguous: false };
    b.store.complete(&claim, DispatchResult::Dead { error, outcomes: vec![] }, T0 + 1).await?;
    ids.insert("dead", m.id);
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0).await?;
    b.store.complete(&claim, delivered(), T0 + 1).await?;
    b.store.mark_recalled(m.id, T0 + 1).await?;
    ids.insert("recalled", m.id);
    let m = message("ops", 1);
    b.store.accept(m.clone()).await?;
    assert_eq!(b.store.cancel(m.id, T0 + 1).await?, CancelOutcome::Cancelled);
    ids.insert("cancelled", m.id);
    let mut m = message("ops", 1);
    m.expires_at_ms = Some(T0 + 1);
    b.store.accept(m.clone()).await?;
    assert!(b.store.claim_due("w", T0 + 1, LEASE, 10).await?.is_empty(), "expired, not claimed");
    ids.insert("expired", m.id);
    // Delivered later, at T0 + 1000.
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0 + 999).await?;
    b.store.complete(&claim, delivered(), T0 + 1_000).await?;
    ids.insert("delivered_later", m.id);
    // Waiting in every way, all last changed long before the cutoff.
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0).await?;
    let retry = DispatchResult::Retry { at_ms: T0 + 1_000_000, counts_attempt: true, error: transient() };
    b.store.complete(&claim, retry, T0 + 1).await?;
    ids.insert("retrying", m.id);
    let m = message("ops", 1);
    let claim = claim_alone(&b, &m, T0).await?;
    let defer = DispatchResult::Retry { at_ms: T0 + 1_000_000, counts_attempt: false, error: transient() };
    b.store.complete(&claim, defer, T0 + 1).await?;
    ids.insert("deferred", m.id);
    let m = message("ops", 1);
    claim_alone(&b, &m, T0).await?;
    ids.insert("in_flight", m.id);
    let mut m = message("ops", 1);
    m.send_at_ms = T0 + 1_000_000;
    b.store.accept(m.clone()).await?;
    ids.insert("scheduled", m.id);
    let m = message("ops", 1);
    b.store.accept(m.clone()).await?;
    ids.insert("accepted", m.id);
    // Forwards: one delivered at T0 + 1, one still pending.
    let hook = |n: u8| NewForward {
        channel: "ops".to_owned(),
        url: "http://127.0.0.1:9/hook".to_owned(),
        body: vec![n],
        created_at_ms: T0,
    };
    let done = b.store.enqueue_forward(hook(1)).await?;
    let c = b.store.claim_forwards(T0, LEASE, 1).await?.remove(0);
    b.store.complete_forward(c.id, &c.token, ForwardResult::Delivered, T0 + 1).await?;
    let pending = b.store.enqueue_forward(hook(2)).await?;

    let before = statuses(&b, &ids).await?;
    for (name, status) in &before {
        let expected = match name.as_str() {
            "delivered_later" => "delivered",
            "in_flight" => "dispatching",
            other => other,
        };
        assert_eq!(status, expected, "{name} before the purge");
    }
    // Nothing finished before the cutoff: nothing goes.
    assert_eq!(b.store.purge(T0 + 1, 500).await?, Purged::default());
    // A cutoff past T0 + 1, in batches of two: the five finished at T0 + 1 go, three batches.
    let mut batches = Vec::new();
    loop {
        let p = b.store.purge(T0 + 2, 2).await?;
        batches.push((p.messages, p.forwards));
        if p.messages < 2 && p.forwards < 2 {
            break;
        }
    }
    assert_eq!(batches, [(2, 1), (2, 0), (1, 0)]);
    let after = statuses(&b, &ids).await?;
    for (name, status) in &after {
        let kept = matches!(
            name.as_str(),
            "delivered_later" | "retrying" | "deferred" | "in_flight" | "scheduled" | "accepted"
        );
        assert_eq!(status == "gone", !kept, "{name}: {status}");
        if kept {
            assert_eq!(status, &before[name], "{name} is untouched");
        }
    }
    assert!(b.store.forward(done).await?.is_none(), "the delivered forward is gone");
    assert_eq!(b.store.forward(pending).await?.expect("kept").status, "pending");
    let counts = b.store.counts().await?;
    assert_eq!(counts.values().sum::<i64>(), 6, "{counts:?}");
    // Later, the message delivered at T0 + 1000 goes too; the waiting ones still stay.
    let p = b.store.purge(T0 + 1_000_000_000, 500).await?;
    assert_eq!((p.messages, p.forwards, p.rows), (1, 0, 3), "message, dispatch and attempt");
    assert_eq!(b.store.counts().await?.values().sum::<i64>(), 5);
    assert!(b.store.dispatch_counts().await?.get("delivered").is_none_or(|n| *n == 0));
    Ok(())
}

pub async fn purge_counts_every_row_and_frees_the_idempotency_key(b: Backend) -> anyhow::Result<()> {
    let m = super::with_key(message("ops", 2), "k1", "h1");
    b.store.accept(m.clone()).await?;
    let claims = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(claims.len(), 2);
    for c in &claims {
        let outcomes = c.recipients.iter().map(|r| outcome(r, "delivered")).collect();
        b.store.complete(&c.claim, DispatchResult::Delivered { handles: Default::default(), outcomes }, T0 + 1).await?;
    }
    assert_eq!(b.store.message(m.id).await?.expect("stored").status, MessageStatus::Delivered);
    let p = b.store.purge(T0 + 2, 500).await?;
    // 1 message + 2 dispatches + 2 attempts + 4 recipient outcomes.
    assert_eq!((p.messages, p.forwards, p.rows), (1, 0, 9));
    assert!(b.store.message(m.id).await?.is_none());
    assert_eq!(b.store.purge(T0 + 2, 500).await?, Purged::default(), "nothing left");
    // The key is free again: the same key and body make a new message.
    let again = super::with_key(message("ops", 1), "k1", "h1");
    assert!(
        matches!(b.store.accept(again.clone()).await?, yizhan_store::AcceptOutcome::Accepted(id) if id == again.id)
    );
    Ok(())
}
