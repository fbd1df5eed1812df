//! Ordered dispatches (`after_seq`), and the handles a waiting dispatch gets from its predecessor.

use yizhan_store::{AttemptError, DispatchResult, DispatchStatus, Handles, MessageStatus, NewMessage, StoreError};

use super::{Backend, LEASE, T0, delivered, message, transient};

/// A message whose dispatch `i` waits for `order[i]`.
fn ordered(order: &[Option<i64>]) -> NewMessage {
    let mut m = message("push", order.len());
    for (d, after) in m.dispatches.iter_mut().zip(order) {
        d.after_seq = *after;
        if after.is_some() {
            d.body = format!("{{\"taskid\":\"\",\"cid\":[\"{}\"]}}", d.recipients[0]).into_bytes();
        }
    }
    m
}

fn seqs(claimed: &[yizhan_store::ClaimedDispatch]) -> Vec<i64> {
    claimed.iter().map(|c| c.seq).collect()
}

pub async fn ordered_dispatch_waits_for_its_predecessor(b: Backend) -> anyhow::Result<()> {
    let m = ordered(&[None, Some(0), Some(0)]);
    b.store.accept(m.clone()).await?;
    let first = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(seqs(&first), vec![0], "only the head is due");
    let retry = DispatchResult::Retry { at_ms: T0 + 1_000, counts_attempt: true, error: transient() };
    b.store.complete(&first[0].claim, retry, T0 + 10).await?;
    assert!(b.store.claim_due("w", T0 + 999, LEASE, 10).await?.is_empty(), "a retrying head still blocks");
    let again = b.store.claim_due("w", T0 + 1_000, LEASE, 10).await?;
    assert_eq!(seqs(&again), vec![0]);
    assert_eq!(again[0].upstream, None, "the head waits for nothing");
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.dispatches.iter().map(|d| d.after_seq).collect::<Vec<_>>(), vec![None, Some(0), Some(0)]);
    Ok(())
}

pub async fn a_waiting_dispatch_gets_the_handles_its_predecessor_recorded(b: Backend) -> anyhow::Result<()> {
    let m = ordered(&[None, Some(0), Some(0)]);
    b.store.accept(m.clone()).await?;
    let head = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!((seqs(&head), head[0].upstream.clone()), (vec![0], None));
    let handles = Handles {
        msgid: Some("m-1".to_owned()),
        response_code: Some("rc-1".to_owned()),
        taskid: Some("RASL_1123_abc".to_owned()),
    };
    let result = DispatchResult::Delivered { handles: handles.clone(), outcomes: vec![] };
    b.store.complete(&head[0].claim, result, T0 + 10).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Dispatching, "head delivered, the rest still to go");
    for (d, stored) in rec.dispatches[1..].iter().zip(&m.dispatches[1..]) {
        assert_eq!(d.body, stored.body, "the store never rewrites a body it holds");
    }
    let rest = b.store.claim_due("w", T0 + 10, LEASE, 10).await?;
    assert_eq!(seqs(&rest), vec![1, 2]);
    for c in &rest {
        assert_eq!(c.upstream.as_ref(), Some(&handles), "dispatch {} gets the create call's handles", c.seq);
        assert_eq!(c.body, m.dispatches[usize::try_from(c.seq)?].body);
    }
    let retry = DispatchResult::Retry { at_ms: T0 + 20, counts_attempt: true, error: transient() };
    b.store.complete(&rest[0].claim, retry, T0 + 11).await?;
    let again = b.store.claim_due("w", T0 + 20, LEASE, 10).await?;
    assert_eq!(again.iter().map(|c| (c.seq, c.upstream.clone())).collect::<Vec<_>>(), vec![(1, Some(handles))]);
    b.store.complete(&again[0].claim, delivered(), T0 + 21).await?;
    b.store.complete(&rest[1].claim, delivered(), T0 + 21).await?;
    assert_eq!(b.store.message(m.id).await?.expect("message stored").status, MessageStatus::Delivered);
    Ok(())
}

pub async fn dead_predecessor_ends_the_chain_unsent(b: Backend) -> anyhow::Result<()> {
    let m = ordered(&[None, Some(0), Some(1)]);
    let other = message("push", 1);
    b.store.accept_batch(vec![m.clone(), other.clone()]).await?;
    let claimed = b.store.claim_due("w", T0, LEASE, 10).await?;
    assert_eq!(claimed.len(), 2, "the head of `m` and the unordered message");
    let head = claimed.iter().find(|c| c.message_id == m.id).expect("head claimed");
    let error =
        AttemptError { kind: "permanent".to_owned(), code: Some(20001), message: "bad".to_owned(), ambiguous: false };
    b.store.complete(&head.claim, DispatchResult::Dead { error, outcomes: Vec::new() }, T0 + 5).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Dead);
    for d in &rec.dispatches[1..] {
        assert_eq!((d.status, d.attempts), (DispatchStatus::Dead, 0), "ended without being sent");
        let last = d.attempt_log.last().expect("the reason is recorded");
        assert!(!last.counted);
        let text = &last.error.as_ref().expect("an error").message;
        assert!(text.contains("not sent") && text.contains("ended dead"), "{text}");
    }
    assert_eq!(b.store.message(other.id).await?.expect("message stored").status, MessageStatus::Dispatching);
    let rest = claimed.iter().find(|c| c.message_id == other.id).expect("other claimed");
    b.store.complete(&rest.claim, delivered(), T0 + 6).await?;
    assert!(b.store.claim_due("w", T0 + 10_000_000, LEASE, 10).await?.is_empty());

    // A manual retry replays the chain in order again.
    assert!(b.store.retry(m.id, T0 + 20).await?);
    let replay = b.store.claim_due("w", T0 + 20, LEASE, 10).await?;
    assert_eq!(seqs(&replay), vec![0]);
    Ok(())
}

pub async fn expiry_and_cancel_end_ordered_dispatches_too(b: Backend) -> anyhow::Result<()> {
    let mut m = ordered(&[None, Some(0)]);
    m.expires_at_ms = Some(T0 + 100);
    b.store.accept(m.clone()).await?;
    let head = b.store.claim_due("w", T0, LEASE, 10).await?.remove(0);
    b.store.complete(&head.claim, delivered(), T0 + 1).await?;
    // The successor was due but nobody claimed it before the message expired.
    assert!(b.store.claim_due("w", T0 + 100, LEASE, 10).await?.is_empty());
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.dispatches[1].status, DispatchStatus::Expired);
    assert_eq!(rec.status, MessageStatus::PartiallyDelivered);

    let mut later = ordered(&[None, Some(0)]);
    later.send_at_ms = T0 + 60_000;
    b.store.accept(later.clone()).await?;
    b.store.cancel(later.id, T0 + 2).await?;
    let rec = b.store.message(later.id).await?.expect("message stored");
    assert!(rec.dispatches.iter().all(|d| d.status == DispatchStatus::Cancelled));
    assert!(b.store.claim_due("w", T0 + 60_000, LEASE, 10).await?.is_empty());
    Ok(())
}

pub async fn after_seq_must_name_an_earlier_dispatch(b: Backend) -> anyhow::Result<()> {
    for bad in [&[Some(0)][..], &[None, Some(1)], &[None, Some(2), None], &[None, Some(-1)]] {
        let m = ordered(bad);
        let err = b.store.accept(m.clone()).await.expect_err("expected an error");
        assert!(matches!(err, StoreError::Invalid(_)), "{bad:?}: {err}");
        assert!(b.store.message(m.id).await?.is_none(), "nothing stored");
    }
    Ok(())
}
