//! Accepting messages: read-back, idempotency, group commit, durability.

use yizhan_store::{AcceptOutcome, DispatchStatus, MessageStatus, StoreError};

use super::{Backend, T0, message, with_key};

pub async fn accept_then_read_back(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 3);
    let out = b.store.accept(m.clone()).await?;
    assert_eq!(out, AcceptOutcome::Accepted(m.id));
    let rec = b.store.message(m.id).await?.expect("stored");
    assert_eq!(rec.id, m.id);
    assert_eq!(rec.channel, "ops");
    assert_eq!(rec.api_key.as_deref(), Some("ci"));
    assert_eq!(rec.request, m.request);
    assert_eq!(rec.status, MessageStatus::Accepted);
    assert_eq!((rec.send_at_ms, rec.created_at_ms, rec.expires_at_ms), (T0, T0, None));
    assert_eq!(rec.dispatches.len(), 3);
    for (i, (d, want)) in rec.dispatches.iter().zip(&m.dispatches).enumerate() {
        assert_eq!(d.seq, i64::try_from(i)?);
        assert_eq!(d.body, want.body, "bodies must be byte-identical");
        assert_eq!(d.endpoint, want.endpoint);
        assert_eq!(d.dedupe_id, want.dedupe_id);
        assert_eq!(d.recipients, want.recipients);
        assert_eq!(d.status, DispatchStatus::Pending);
        assert_eq!((d.attempts, d.next_attempt_at_ms), (0, T0));
        assert!(d.attempt_log.is_empty() && d.outcomes.is_empty());
    }
    assert!(b.store.message(yizhan_core::MessageId::new()).await?.is_none());
    Ok(())
}

pub async fn scheduled_message_is_scheduled(b: Backend) -> anyhow::Result<()> {
    let mut m = message("ops", 1);
    m.send_at_ms = T0 + 60_000;
    b.store.accept(m.clone()).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Scheduled);
    assert_eq!(rec.dispatches[0].next_attempt_at_ms, T0 + 60_000);
    Ok(())
}

pub async fn batch_is_one_transaction(b: Backend) -> anyhow::Result<()> {
    let good = message("ops", 1);
    let dup = message("ops", 1);
    b.store.accept(dup.clone()).await?;
    // The second message reuses a stored id: the whole batch fails and nothing of it is stored.
    let err = b.store.accept_batch(vec![good.clone(), dup]).await.expect_err("expected an error");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(b.store.message(good.id).await?.is_none());
    let ok = b.store.accept_batch(vec![good.clone(), message("app", 2)]).await?;
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0], AcceptOutcome::Accepted(good.id));
    assert!(b.store.accept_batch(vec![]).await?.is_empty());
    Ok(())
}

pub async fn rejects_message_without_dispatches(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 0);
    let err = b.store.accept(m.clone()).await.expect_err("expected an error");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(b.store.message(m.id).await?.is_none());
    Ok(())
}

pub async fn duplicate_id_is_a_conflict(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    b.store.accept(m.clone()).await?;
    let err = b.store.accept(m).await.expect_err("expected an error");
    assert!(err.is_conflict(), "{err}");
    Ok(())
}

pub async fn idempotent_replay_and_mismatch(b: Backend) -> anyhow::Result<()> {
    let first = with_key(message("ops", 1), "k1", "hash-a");
    assert_eq!(b.store.accept(first.clone()).await?, AcceptOutcome::Accepted(first.id));
    let again = with_key(message("ops", 1), "k1", "hash-a");
    assert_eq!(b.store.accept(again.clone()).await?, AcceptOutcome::Replayed(first.id));
    assert!(b.store.message(again.id).await?.is_none(), "a replay stores nothing");
    let other = with_key(message("ops", 1), "k1", "hash-b");
    assert_eq!(b.store.accept(other.clone()).await?, AcceptOutcome::IdempotencyMismatch(first.id));
    assert!(b.store.message(other.id).await?.is_none());
    // Keys are scoped per API key.
    let mut elsewhere = with_key(message("ops", 1), "k1", "hash-b");
    elsewhere.api_key = Some("other".to_owned());
    assert_eq!(b.store.accept(elsewhere.clone()).await?, AcceptOutcome::Accepted(elsewhere.id));
    let mut anonymous = with_key(message("ops", 1), "k1", "hash-a");
    anonymous.api_key = None;
    assert_eq!(b.store.accept(anonymous.clone()).await?, AcceptOutcome::Accepted(anonymous.id));
    let mut anonymous2 = with_key(message("ops", 1), "k1", "hash-a");
    anonymous2.api_key = None;
    assert_eq!(b.store.accept(anonymous2).await?, AcceptOutcome::Replayed(anonymous.id));
    Ok(())
}

pub async fn idempotency_within_one_group(b: Backend) -> anyhow::Result<()> {
    // Within one batch (one transaction)...
    let a = with_key(message("ops", 1), "same", "h");
    let c = with_key(message("ops", 1), "same", "h");
    let d = with_key(message("ops", 1), "same", "other");
    let out = b.store.accept_batch(vec![a.clone(), c, d]).await?;
    assert_eq!(
        out,
        vec![AcceptOutcome::Accepted(a.id), AcceptOutcome::Replayed(a.id), AcceptOutcome::IdempotencyMismatch(a.id)]
    );
    // ...and among concurrent accepts that the writer groups together.
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = b.store.clone();
        tasks.push(tokio::spawn(async move { store.accept(with_key(message("ops", 1), "race", "h")).await }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await??);
    }
    let winners: Vec<_> = outcomes.iter().filter(|o| matches!(o, AcceptOutcome::Accepted(_))).collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let id = winners[0].id();
    assert!(outcomes.iter().all(|o| o.id() == id));
    assert_eq!(b.store.counts().await?["accepted"], 2);
    Ok(())
}

pub async fn group_commit_500_concurrent_accepts_are_durable(mut b: Backend) -> anyhow::Result<()> {
    let mut tasks = Vec::new();
    let mut ids = Vec::new();
    for i in 0..500 {
        let m = message(if i % 2 == 0 { "ops" } else { "app" }, 1);
        ids.push(m.id);
        let store = b.store.clone();
        tasks.push(tokio::spawn(async move { store.accept(m).await }));
    }
    for t in tasks {
        assert!(matches!(t.await??, AcceptOutcome::Accepted(_)));
    }
    b.reopen().await;
    assert_eq!(b.store.counts().await?["accepted"], 500);
    for id in ids.iter().step_by(50) {
        assert!(b.store.message(*id).await?.is_some());
    }
    Ok(())
}

pub async fn durable_across_reopen(mut b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 2);
    let claimed = super::accept_and_claim(&b.store, m.clone()).await;
    b.store.complete(&claimed[0].claim, super::delivered(), T0 + 10).await?;
    let before = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(before.status, MessageStatus::Dispatching);
    if !b.reopen().await {
        return Ok(()); // in-memory stores do not survive a reopen
    }
    let after = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(after, before);
    // The second dispatch's lease survived too: only its expiry returns it.
    assert!(b.store.claim_due("w2", T0 + 1, super::LEASE, 10).await?.is_empty());
    let again = b.store.claim_due("w2", T0 + super::LEASE, super::LEASE, 10).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].body, m.dispatches[1].body);
    Ok(())
}

pub async fn idempotency_hash_by_key_prefix(b: Backend) -> anyhow::Result<()> {
    assert_eq!(b.store.idempotency_hash(Some("ci"), "batch-1\u{1f}").await?, None);
    b.store.accept(super::with_key(message("ops", 1), "batch-1\u{1f}3", "h1")).await?;
    b.store.accept(super::with_key(message("ops", 1), "batch-10", "h2")).await?;
    assert_eq!(b.store.idempotency_hash(Some("ci"), "batch-1\u{1f}").await?.as_deref(), Some("h1"));
    assert_eq!(b.store.idempotency_hash(Some("ci"), "batch-10").await?.as_deref(), Some("h2"));
    assert_eq!(b.store.idempotency_hash(Some("other"), "batch-1\u{1f}").await?, None, "scoped to the API key");
    assert_eq!(b.store.idempotency_hash(Some("ci"), "batch-2").await?, None);
    Ok(())
}
