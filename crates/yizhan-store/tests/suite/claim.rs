//! Claiming, leases, and the results of attempts.

use std::collections::BTreeSet;

use yizhan_store::{
    AttemptError, DispatchResult, DispatchStatus, Handles, MessageStatus, RecipientOutcome, StoreError,
};

use super::{Backend, LEASE, T0, accept_and_claim, delivered, message, transient};

pub async fn claim_respects_send_at_and_next_attempt(b: Backend) -> anyhow::Result<()> {
    let mut later = message("ops", 1);
    later.send_at_ms = T0 + 1_000;
    b.store.accept(later.clone()).await?;
    assert!(b.store.claim_due("w", T0 + 999, LEASE, 10).await?.is_empty());
    let c = b.store.claim_due("w", T0 + 1_000, LEASE, 10).await?;
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].message_id, c[0].channel.as_str(), c[0].attempts), (later.id, "ops", 0));
    assert_eq!(c[0].lease_until_ms, T0 + 1_000 + LEASE);
    assert_eq!((c[0].created_at_ms, c[0].expires_at_ms), (T0, None));
    let rec = b.store.message(later.id).await?.expect("message stored");
    assert_eq!((rec.status, rec.dispatches[0].status), (MessageStatus::Dispatching, DispatchStatus::InFlight));
    let retry = DispatchResult::Retry { at_ms: T0 + 5_000, counts_attempt: true, error: transient() };
    b.store.complete(&c[0].claim, retry, T0 + 1_200).await?;
    assert_eq!(b.store.message(later.id).await?.expect("message stored").status, MessageStatus::Retrying);
    assert!(b.store.claim_due("w", T0 + 4_999, LEASE, 10).await?.is_empty());
    let again = b.store.claim_due("w", T0 + 5_000, LEASE, 10).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].body, later.dispatches[0].body, "a retry resends the identical body");
    assert!(b.store.claim_due("w", T0 + 5_000, LEASE, 0).await?.is_empty());
    Ok(())
}

pub async fn two_claimers_never_share_a_dispatch(b: Backend) -> anyhow::Result<()> {
    let msgs: Vec<_> = (0..100).map(|_| message("ops", 2)).collect();
    b.store.accept_batch(msgs).await?;
    let mut tasks = Vec::new();
    for worker in ["w1", "w2"] {
        let store = b.store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = store.claim_due(worker, T0, LEASE, 7).await.expect("claim");
                if batch.is_empty() {
                    return got;
                }
                got.extend(batch.into_iter().map(|c| c.claim.dispatch_id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let a: BTreeSet<i64> = tasks.remove(0).await?.into_iter().collect();
    let c: BTreeSet<i64> = tasks.remove(0).await?.into_iter().collect();
    assert_eq!(a.intersection(&c).count(), 0, "a dispatch was claimed twice");
    assert_eq!(a.union(&c).count(), 200);
    Ok(())
}

pub async fn expired_lease_is_reclaimable_and_old_token_conflicts(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let first = accept_and_claim(&b.store, m.clone()).await.remove(0);
    assert!(b.store.claim_due("w2", T0 + LEASE - 1, LEASE, 10).await?.is_empty());
    let second = b.store.claim_due("w2", T0 + LEASE, LEASE, 10).await?.remove(0);
    assert_eq!(second.claim.dispatch_id, first.claim.dispatch_id);
    assert_ne!(second.claim.token, first.claim.token);
    let err = b.store.complete(&first.claim, delivered(), T0 + LEASE + 1).await.expect_err("expected an error");
    assert!(err.is_conflict(), "{err}");
    assert!(b.store.release(&first.claim).await.expect_err("expected an error").is_conflict());
    b.store.complete(&second.claim, delivered(), T0 + LEASE + 2).await?;
    let err = b.store.complete(&second.claim, delivered(), T0 + LEASE + 3).await.expect_err("expected an error");
    assert!(err.is_conflict(), "a claim completes once");
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Delivered);
    assert_eq!(rec.dispatches[0].attempt_log.len(), 1);
    assert_eq!(rec.dispatches[0].attempt_log[0].duration_ms, Some(2));
    let unknown = yizhan_store::ClaimToken { dispatch_id: 999_999, token: "x".to_owned() };
    assert!(matches!(b.store.release(&unknown).await.expect_err("expected an error"), StoreError::NotFound));
    Ok(())
}

pub async fn release_makes_due_again_without_an_attempt(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    b.store.release(&c.claim).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!((rec.status, rec.dispatches[0].status), (MessageStatus::Accepted, DispatchStatus::Pending));
    assert!(rec.dispatches[0].attempt_log.is_empty());
    let again = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 0);
    Ok(())
}

pub async fn uncounted_retry_does_not_use_an_attempt(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let limited = AttemptError {
        kind: "rate_limited".to_owned(),
        code: Some(45009),
        message: "api freq out of limit".to_owned(),
        ambiguous: false,
    };
    let result = DispatchResult::Retry { at_ms: T0 + 60_000, counts_attempt: false, error: limited.clone() };
    b.store.complete(&c.claim, result, T0 + 5).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Deferred);
    let d = &rec.dispatches[0];
    assert_eq!((d.status, d.attempts, d.next_attempt_at_ms), (DispatchStatus::Deferred, 0, T0 + 60_000));
    assert_eq!(d.attempt_log.len(), 1);
    assert!(!d.attempt_log[0].counted);
    assert_eq!(d.attempt_log[0].error.as_ref(), Some(&limited));
    let c = b.store.claim_due("w", T0 + 60_000, LEASE, 10).await?.remove(0);
    assert_eq!(c.attempts, 0);
    let counted = DispatchResult::Retry { at_ms: T0 + 61_000, counts_attempt: true, error: transient() };
    b.store.complete(&c.claim, counted, T0 + 60_010).await?;
    let d = b.store.message(m.id).await?.expect("message stored").dispatches.remove(0);
    assert_eq!((d.status, d.attempts, d.attempt_log.len()), (DispatchStatus::Retrying, 1, 2));
    assert_eq!(d.attempt_log[1].number, 2);
    Ok(())
}

pub async fn dead_records_the_error(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let error = AttemptError {
        kind: "permanent".to_owned(),
        code: Some(81013),
        message: "user & party & tag all invalid".to_owned(),
        ambiguous: true,
    };
    b.store.complete(&c.claim, DispatchResult::Dead { error: error.clone(), outcomes: Vec::new() }, T0 + 7).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Dead);
    assert_eq!(rec.last_error(), Some(&error));
    assert_eq!((rec.dispatches[0].status, rec.dispatches[0].attempts), (DispatchStatus::Dead, 1));
    assert_eq!(rec.updated_at_ms, T0 + 7);
    assert!(b.store.claim_due("w", T0 + 1_000_000, LEASE, 10).await?.is_empty());
    Ok(())
}

pub async fn recipient_outcomes_and_handles(b: Backend) -> anyhow::Result<()> {
    let outcome = |r: &str, o: &str| RecipientOutcome { recipient: r.to_owned(), outcome: o.to_owned(), detail: None };
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let handles = Handles { msgid: Some("msg-1".to_owned()), response_code: Some("rc".to_owned()), taskid: None };
    let result = DispatchResult::Delivered {
        handles: handles.clone(),
        outcomes: vec![outcome("u0", "delivered"), outcome("bob", "invalid")],
    };
    b.store.complete(&c.claim, result, T0 + 3).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::PartiallyDelivered);
    assert_eq!(rec.dispatches[0].handles, handles);
    assert_eq!(rec.dispatches[0].outcomes, vec![outcome("bob", "invalid"), outcome("u0", "delivered")]);

    let m = message("app", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let result = DispatchResult::Delivered {
        handles: Handles { taskid: Some("t-1".to_owned()), ..Handles::default() },
        outcomes: vec![outcome("u0", "delivered"), outcome("bob", "offline")],
    };
    b.store.complete(&c.claim, result, T0 + 3).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Delivered, "offline-stored counts as delivered");
    assert_eq!(rec.dispatches[0].handles.taskid.as_deref(), Some("t-1"));
    Ok(())
}

pub async fn expired_messages_are_not_claimed(b: Backend) -> anyhow::Result<()> {
    let mut m = message("ops", 2);
    m.expires_at_ms = Some(T0 + 100);
    b.store.accept(m.clone()).await?;
    let mut fresh = message("ops", 1);
    fresh.expires_at_ms = Some(T0 + 10_000);
    b.store.accept(fresh.clone()).await?;
    let claimed = b.store.claim_due("w", T0 + 100, LEASE, 10).await?;
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].message_id, fresh.id);
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Expired);
    assert!(rec.dispatches.iter().all(|d| d.status == DispatchStatus::Expired));
    // An expired lease on an expired message is not handed out again either.
    assert!(b.store.claim_due("w", T0 + 100 + LEASE, LEASE, 10).await?.is_empty());
    assert_eq!(b.store.message(fresh.id).await?.expect("message stored").status, MessageStatus::Expired);
    Ok(())
}

pub async fn dead_after_an_ambiguous_attempt_stays_unknown(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 2);
    let claims = accept_and_claim(&b.store, m.clone()).await;
    let lost = AttemptError { ambiguous: true, message: "answer lost".to_owned(), ..transient() };
    let permanent = AttemptError {
        kind: "permanent".to_owned(),
        code: Some(40003),
        message: "invalid userid".to_owned(),
        ambiguous: false,
    };
    // The first dispatch lost an answer, then got a permanent error; the second only the latter.
    b.store
        .complete(&claims[0].claim, DispatchResult::Retry { at_ms: T0 + 10, counts_attempt: true, error: lost }, T0 + 1)
        .await?;
    let again = b.store.claim_due("w", T0 + 10, LEASE, 10).await?.remove(0);
    let dead = |error: &AttemptError| DispatchResult::Dead { error: error.clone(), outcomes: Vec::new() };
    b.store.complete(&again.claim, dead(&permanent), T0 + 11).await?;
    b.store.complete(&claims[1].claim, dead(&permanent), T0 + 12).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Dead);
    let first = rec.dispatches[0].attempt_log[1].error.clone().expect("error");
    assert!(first.ambiguous, "{first:?}");
    assert_eq!((first.kind.as_str(), first.code), ("permanent", Some(40003)));
    assert!(first.message.starts_with("outcome unknown") && first.message.ends_with("invalid userid"), "{first:?}");
    let second = rec.dispatches[1].attempt_log[0].error.clone().expect("error");
    assert_eq!(second, permanent, "no ambiguous attempt: the error as it was");
    Ok(())
}
