//! Operator actions: cancel, retry, recall, counts.

use yizhan_core::MessageId;
use yizhan_store::{AttemptError, CancelOutcome, DispatchResult, DispatchStatus, MessageStatus, StoreError};

use super::{Backend, LEASE, T0, accept_and_claim, delivered, message};

pub async fn cancel_before_and_after_sending(b: Backend) -> anyhow::Result<()> {
    let mut scheduled = message("ops", 2);
    scheduled.send_at_ms = T0 + 3_600_000;
    b.store.accept(scheduled.clone()).await?;
    assert_eq!(b.store.cancel(scheduled.id, T0 + 1).await?, CancelOutcome::Cancelled);
    assert_eq!(b.store.cancel(scheduled.id, T0 + 2).await?, CancelOutcome::Cancelled, "idempotent");
    let rec = b.store.message(scheduled.id).await?.expect("message stored");
    assert_eq!((rec.status, rec.updated_at_ms), (MessageStatus::Cancelled, T0 + 1));
    assert!(rec.dispatches.iter().all(|d| d.status == DispatchStatus::Cancelled));
    assert!(b.store.claim_due("w", T0 + 3_600_000, LEASE, 10).await?.is_empty());

    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    assert_eq!(b.store.cancel(m.id, T0 + 1).await?, CancelOutcome::AlreadySent(MessageStatus::Dispatching));
    b.store.complete(&c.claim, delivered(), T0 + 2).await?;
    assert_eq!(b.store.cancel(m.id, T0 + 3).await?, CancelOutcome::AlreadySent(MessageStatus::Delivered));
    assert_eq!(b.store.message(m.id).await?.expect("message stored").status, MessageStatus::Delivered);
    assert!(matches!(b.store.cancel(MessageId::new(), T0).await.expect_err("expected an error"), StoreError::NotFound));
    Ok(())
}

pub async fn retry_of_a_dead_message_resends_the_same_bodies(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 2);
    let claims = accept_and_claim(&b.store, m.clone()).await;
    let error = AttemptError {
        kind: "permanent".to_owned(),
        code: Some(60020),
        message: "not allow to access from your ip".to_owned(),
        ambiguous: false,
    };
    for c in &claims {
        b.store.complete(&c.claim, DispatchResult::Dead { error: error.clone(), outcomes: Vec::new() }, T0 + 1).await?;
    }
    assert_eq!(b.store.message(m.id).await?.expect("message stored").status, MessageStatus::Dead);
    assert!(b.store.retry(m.id, T0 + 100).await?);
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Accepted);
    for d in &rec.dispatches {
        assert_eq!((d.status, d.attempts, d.next_attempt_at_ms), (DispatchStatus::Pending, 0, T0 + 100));
        assert_eq!(d.attempt_log.len(), 1, "history is kept");
    }
    let again = b.store.claim_due("w", T0 + 100, LEASE, 10).await?;
    assert_eq!(again.len(), 2);
    for (c, want) in again.iter().zip(&m.dispatches) {
        assert_eq!(c.body, want.body);
        assert_eq!(c.dedupe_id, want.dedupe_id);
    }
    for c in &again {
        b.store.complete(&c.claim, delivered(), T0 + 200).await?;
    }
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Delivered);
    assert_eq!(rec.dispatches[0].attempt_log.len(), 2);
    assert_eq!(rec.dispatches[0].attempt_log[1].number, 2);
    assert!(!b.store.retry(m.id, T0 + 300).await?, "nothing dead to replay");
    assert!(matches!(b.store.retry(MessageId::new(), T0).await.expect_err("expected an error"), StoreError::NotFound));
    Ok(())
}

pub async fn mark_recalled_only_after_delivery(b: Backend) -> anyhow::Result<()> {
    let waiting = message("ops", 1);
    b.store.accept(waiting.clone()).await?;
    assert!(b.store.mark_recalled(waiting.id, T0).await.expect_err("expected an error").is_conflict());
    let c = b.store.claim_due("w", T0, LEASE, 10).await?.remove(0);
    b.store.complete(&c.claim, delivered(), T0 + 1).await?;
    b.store.mark_recalled(waiting.id, T0 + 2).await?;
    b.store.mark_recalled(waiting.id, T0 + 3).await?;
    let rec = b.store.message(waiting.id).await?.expect("message stored");
    assert_eq!((rec.status, rec.updated_at_ms), (MessageStatus::Recalled, T0 + 2));
    assert_eq!(rec.dispatches[0].handles.msgid.as_deref(), Some("m1"));
    assert!(matches!(
        b.store.mark_recalled(MessageId::new(), T0).await.expect_err("expected an error"),
        StoreError::NotFound
    ));
    Ok(())
}

pub async fn counts_per_status(b: Backend) -> anyhow::Result<()> {
    let zero = b.store.counts().await?;
    assert_eq!(zero.len(), MessageStatus::ALL.len());
    assert!(zero.values().all(|n| *n == 0));
    let a = message("ops", 1);
    b.store.accept(a.clone()).await?;
    let mut later = message("ops", 1);
    later.send_at_ms = T0 + 1;
    b.store.accept(later.clone()).await?;
    let other = message("ops", 1);
    b.store.accept(other.clone()).await?;
    b.store.cancel(other.id, T0).await?;
    let counts = b.store.counts().await?;
    assert_eq!((counts["accepted"], counts["scheduled"], counts["cancelled"], counts["dead"]), (1, 1, 1, 0));
    Ok(())
}
