//! The hot path (`Store::hand_off`): accepted work leased to the registered worker in the
//! accepting transaction and queued in memory; what does not fit stays for claims; a handed
//! dispatch is a claim like any other (renewed, completed, taken over once its lease expires).

use yizhan_store::{DispatchStatus, DuplicateGuard, Handed, Handoff, MessageStatus};

use super::{Backend, LEASE, T0, delivered, message, with_key};

fn drain(handoff: &Handoff) -> Vec<Handed> {
    std::iter::from_fn(|| handoff.pop()).collect()
}

pub async fn accepted_work_is_leased_and_handed_in_memory(b: Backend) -> anyhow::Result<()> {
    let handoff = Handoff::new("hot", LEASE, 2, None);
    assert!(b.store.hand_off(&handoff));
    assert!(b.store.hands_off());
    let m = message("ops", 3);
    let mut later = message("ops", 1);
    later.send_at_ms = T0 + 10 * LEASE;
    b.store.accept_batch(vec![m.clone(), later.clone()]).await?;
    assert!(handoff.take_left_behind(), "the third dispatch did not fit: the worker is told to claim");
    let handed = drain(&handoff);
    assert_eq!(handed.len(), 2, "the queue holds two");
    let first = &handed[0].dispatch;
    assert_eq!((first.message_id, first.seq, first.attempts), (m.id, 0, 0));
    assert_eq!(
        (first.body.as_slice(), first.recipients.as_slice()),
        (m.dispatches[0].body.as_slice(), &m.dispatches[0].recipients[..])
    );
    assert_eq!((first.channel.as_str(), first.lease_until_ms, first.upstream.clone()), ("ops", T0 + LEASE, None));
    assert_eq!(first.dedupe_id, m.dispatches[0].dedupe_id);

    let rec = b.store.message(m.id).await?.expect("stored");
    assert_eq!(rec.status, MessageStatus::Dispatching);
    let statuses: Vec<_> = rec.dispatches.iter().map(|d| d.status).collect();
    assert_eq!(statuses, [DispatchStatus::InFlight, DispatchStatus::InFlight, DispatchStatus::Pending]);
    assert_eq!(b.store.message(later.id).await?.expect("stored").status, MessageStatus::Scheduled);

    // A claim sees only what was left in the store; the handed leases are held.
    let claimed = b.store.claim_due("other", T0, LEASE, 10).await?;
    assert_eq!(claimed.iter().map(|c| (c.message_id, c.seq)).collect::<Vec<_>>(), [(m.id, 2)]);
    // Handed claims renew, complete, and are lost once another claim took them over.
    let second = &handed[1].dispatch;
    assert!(b.store.renew_leases(std::slice::from_ref(&first.claim), T0 + 10, LEASE).await?.is_empty());
    b.store.complete(&first.claim, delivered(), T0 + 20).await?;
    b.store.complete(&claimed[0].claim, delivered(), T0 + 30).await?;
    let taken = b.store.claim_due("other", T0 + LEASE, LEASE, 10).await?;
    assert_eq!(taken.iter().map(|c| c.claim.dispatch_id).collect::<Vec<_>>(), [second.claim.dispatch_id]);
    assert!(b.store.complete(&second.claim, delivered(), T0 + LEASE + 1).await.expect_err("lost").is_conflict());
    b.store.complete(&taken[0].claim, delivered(), T0 + LEASE + 2).await?;
    let rec = b.store.message(m.id).await?.expect("stored");
    assert_eq!(rec.status, MessageStatus::Delivered);
    assert!(rec.dispatches.iter().all(|d| d.attempt_log.len() == 1), "one attempt each");
    Ok(())
}

pub async fn replays_and_repeats_are_settled_before_the_worker_sees_them(b: Backend) -> anyhow::Result<()> {
    let handoff = Handoff::new("hot", LEASE, 16, None);
    assert!(b.store.hand_off(&handoff));
    let guard = Some(DuplicateGuard { key: "same".to_owned(), window_ms: 10_000, suppress: false });
    let mut first = with_key(message("ops", 1), "k1", "h");
    first.dispatches[0].duplicate = guard.clone();
    let mut second = message("ops", 1);
    second.dispatches[0].duplicate = guard;
    b.store.accept_batch(vec![first.clone(), second.clone()]).await?;
    let handed = drain(&handoff);
    assert_eq!(handed.len(), 2);
    assert_eq!(handed[0].dispatch.repeat_of, None, "the first opens the provider's window");
    assert_eq!(handed[1].dispatch.repeat_of, Some(first.id), "the second is a repeat, as at a claim");
    // An idempotent replay stores nothing, so nothing is handed.
    let replay = with_key(message("ops", 1), "k1", "h");
    b.store.accept(replay).await?;
    assert!(drain(&handoff).is_empty());
    // Closed, the handoff takes nothing more: accepts stay in the store.
    assert!(handoff.close().await.is_empty());
    assert!(!b.store.hands_off());
    b.store.accept(message("ops", 1)).await?;
    assert!(drain(&handoff).is_empty());
    assert_eq!(b.store.claim_due("w", T0, LEASE, 10).await?.len(), 1);
    Ok(())
}
