//! What the quota ledger needs from the store: durable splits, recent sends, dispatch counts.

use yizhan_store::{AttemptError, DispatchPart, DispatchResult, DispatchStatus, MessageStatus, StoreError};

use super::{Backend, LEASE, T0, accept_and_claim, delivered, message, transient};

pub async fn split_dispatch_persists_both_parts(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let c = accept_and_claim(&b.store, m.clone()).await.remove(0);
    let keep = DispatchPart { body: b"{\"touser\":\"u0\"}".to_vec(), recipients: vec!["u0".to_owned()] };
    let defer = DispatchPart { body: b"{\"touser\":\"bob\"}".to_vec(), recipients: vec!["bob".to_owned()] };
    let empty = DispatchPart { body: Vec::new(), recipients: Vec::new() };
    let err = b
        .store
        .split_dispatch(&c.claim, keep.clone(), empty, T0 + 60_000, "r", T0 + 1)
        .await
        .expect_err("one side empty");
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    let new_id = b.store.split_dispatch(&c.claim, keep.clone(), defer.clone(), T0 + 60_000, "quota", T0 + 1).await?;

    let rec = b.store.message(m.id).await?.expect("stored");
    assert_eq!(rec.status, MessageStatus::Dispatching, "the kept part is still in flight");
    assert_eq!(rec.dispatches.len(), 2);
    let (kept, waiting) = (&rec.dispatches[0], &rec.dispatches[1]);
    assert_eq!((kept.status, &kept.body, &kept.recipients), (DispatchStatus::InFlight, &keep.body, &keep.recipients));
    assert_eq!(kept.dedupe_id, m.dispatches[0].dedupe_id, "the kept part keeps its identity");
    assert_eq!((waiting.id, waiting.seq, waiting.status), (new_id, 1, DispatchStatus::Deferred));
    assert_eq!((&waiting.body, &waiting.recipients), (&defer.body, &defer.recipients));
    assert_eq!((waiting.attempts, waiting.next_attempt_at_ms, waiting.dedupe_id.as_deref()), (0, T0 + 60_000, None));
    assert_eq!(waiting.endpoint, kept.endpoint);
    assert_eq!(waiting.attempt_log.len(), 1);
    assert!(!waiting.attempt_log[0].counted);
    assert_eq!(waiting.attempt_log[0].error.as_ref().map(|e| e.message.as_str()), Some("quota"));

    // The claim still holds the kept part; once it is delivered the message waits on the rest.
    b.store.complete(&c.claim, delivered(), T0 + 2).await?;
    let rec = b.store.message(m.id).await?.expect("stored");
    assert_eq!(rec.status, MessageStatus::Deferred);
    assert_eq!(rec.next_attempt_at_ms(), Some(T0 + 60_000));
    assert!(b.store.claim_due("w", T0 + 59_999, LEASE, 10).await?.is_empty());
    let later = b.store.claim_due("w", T0 + 60_000, LEASE, 10).await?;
    assert_eq!(later.len(), 1);
    assert_eq!((later[0].claim.dispatch_id, &later[0].body), (new_id, &defer.body));
    // A lost lease cannot split.
    let stale =
        b.store.split_dispatch(&c.claim, keep, defer, T0 + 90_000, "quota", T0 + 3).await.expect_err("lease lost");
    assert!(stale.is_conflict(), "{stale}");
    Ok(())
}

pub async fn sent_since_lists_what_may_have_reached_the_provider(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 4);
    let claims = accept_and_claim(&b.store, m.clone()).await;
    let ambiguous = AttemptError { ambiguous: true, ..transient() };
    b.store.complete(&claims[0].claim, delivered(), T0 + 10).await?;
    let retry =
        |error: AttemptError, counts_attempt| DispatchResult::Retry { at_ms: T0 + 1_000, counts_attempt, error };
    b.store.complete(&claims[1].claim, retry(ambiguous, true), T0 + 20).await?;
    b.store.complete(&claims[2].claim, retry(transient(), true), T0 + 30).await?;
    // claims[3] stays in flight, claimed at T0.
    let sent = b.store.sent_since(T0 - 1).await?;
    let seen: Vec<(i64, &str)> = sent.iter().map(|s| (s.at_ms, s.recipients[0].as_str())).collect();
    assert_eq!(seen, vec![(T0, "u3"), (T0 + 10, "u0"), (T0 + 20, "u1")]);
    assert!(sent.iter().all(|s| s.channel == "ops" && s.endpoint == "wecom.message_send"));
    assert_eq!(sent[0].recipients, vec!["u3".to_owned(), "bob".to_owned()]);
    let recent = b.store.sent_since(T0 + 10).await?;
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].at_ms, T0 + 20);
    let counts = b.store.dispatch_counts().await?;
    assert_eq!(counts.get("delivered"), Some(&1));
    assert_eq!(counts.get("retrying"), Some(&2));
    assert_eq!(counts.get("in_flight"), Some(&1));
    Ok(())
}
