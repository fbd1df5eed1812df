//! Lease renewal while a send runs, and a claimer that never takes over its own sends.

use yizhan_store::{ClaimToken, MessageStatus};

use super::{Backend, LEASE, T0, accept_and_claim, delivered, message};

pub async fn renewed_lease_is_not_taken_over(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 1);
    let first = accept_and_claim(&b.store, m.clone()).await.remove(0);
    // Renewed two thirds into the lease: held until two thirds + a whole lease.
    let at = T0 + LEASE * 2 / 3;
    assert!(b.store.renew_leases(std::slice::from_ref(&first.claim), at, LEASE).await?.is_empty());
    assert!(b.store.claim_due("w2", T0 + LEASE, LEASE, 10).await?.is_empty(), "taken over after a renewal");
    assert!(b.store.claim_due("w2", at + LEASE - 1, LEASE, 10).await?.is_empty());
    // A renewal never shortens a lease.
    assert!(b.store.renew_leases(std::slice::from_ref(&first.claim), T0, 1).await?.is_empty());
    assert!(b.store.claim_due("w2", at + LEASE - 1, LEASE, 10).await?.is_empty());
    b.store.complete(&first.claim, delivered(), at + 10).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!((rec.status, rec.dispatches[0].attempt_log.len()), (MessageStatus::Delivered, 1));
    // A completed claim is lost to a renewal, and so is an unknown one.
    let unknown = ClaimToken { dispatch_id: first.claim.dispatch_id + 1_000, token: "x".to_owned() };
    let lost = b.store.renew_leases(&[first.claim.clone(), unknown.clone()], at + 20, LEASE).await?;
    assert_eq!(lost, vec![first.claim, unknown]);
    assert!(b.store.renew_leases(&[], at, LEASE).await?.is_empty());
    Ok(())
}

pub async fn a_lease_taken_over_is_lost_to_its_first_holder(b: Backend) -> anyhow::Result<()> {
    let m = message("ops", 2);
    let claims = accept_and_claim(&b.store, m.clone()).await;
    let [a, c] = [&claims[0], &claims[1]];
    let second = b.store.claim_due("w2", T0 + LEASE, LEASE, 1).await?.remove(0);
    assert_eq!(second.claim.dispatch_id, a.claim.dispatch_id);
    let lost = b.store.renew_leases(&[a.claim.clone(), c.claim.clone()], T0 + LEASE, LEASE).await?;
    assert_eq!(lost, vec![a.claim.clone()], "the other claim was expired but not taken: still held");
    assert!(b.store.complete(&a.claim, delivered(), T0 + LEASE + 1).await.expect_err("lost").is_conflict());
    b.store.complete(&second.claim, delivered(), T0 + LEASE + 2).await?;
    b.store.complete(&c.claim, delivered(), T0 + LEASE + 3).await?;
    let rec = b.store.message(m.id).await?.expect("message stored");
    assert_eq!(rec.status, MessageStatus::Delivered);
    assert!(rec.dispatches.iter().all(|d| d.attempt_log.len() == 1));
    Ok(())
}

pub async fn own_sends_are_not_taken_over(b: Backend) -> anyhow::Result<()> {
    let mut m = message("ops", 2);
    m.expires_at_ms = Some(T0 + LEASE * 3);
    let claims = accept_and_claim(&b.store, m.clone()).await;
    let sending = [claims[0].claim.dispatch_id];
    // Both leases ran out: only the one not in `sending` is taken over.
    let again = b.store.claim_due_except("w1", T0 + LEASE, LEASE, 10, &sending).await?;
    assert_eq!(again.iter().map(|c| c.claim.dispatch_id).collect::<Vec<_>>(), vec![claims[1].claim.dispatch_id]);
    // Past the message's expiry, a dispatch still being sent is not expired under its sender.
    let later = T0 + LEASE * 3;
    assert!(b.store.claim_due_except("w1", later, LEASE, 10, &sending).await?.is_empty());
    let rec = b.store.message(m.id).await?.expect("message stored");
    let held = rec.dispatches.iter().find(|d| d.id == sending[0]).expect("dispatch");
    assert_eq!(held.status, yizhan_store::DispatchStatus::InFlight);
    b.store.complete(&claims[0].claim, delivered(), later + 1).await?;
    Ok(())
}
