//! Callback forwards: enqueue, claim under a lease, retry, deliver, survive a reopen.

use yizhan_store::{ForwardResult, NewForward};

use super::{Backend, LEASE, T0};

fn hook(n: u8) -> NewForward {
    NewForward {
        channel: "ops".to_owned(),
        url: "http://127.0.0.1:9/hook".to_owned(),
        body: vec![b'{', n, b'}'],
        created_at_ms: T0,
    }
}

pub async fn forwards_are_claimed_retried_and_delivered(b: Backend) -> anyhow::Result<()> {
    let id = b.store.enqueue_forward(hook(1)).await?;
    assert!(b.store.claim_forwards(T0 - 1, LEASE, 10).await?.is_empty(), "not due before it was received");
    let c = b.store.claim_forwards(T0, LEASE, 10).await?.remove(0);
    assert_eq!(
        (c.id, c.attempts, c.body.clone(), c.url.as_str()),
        (id, 0, vec![b'{', 1, b'}'], "http://127.0.0.1:9/hook")
    );
    assert!(b.store.claim_forwards(T0, LEASE, 10).await?.is_empty(), "leased");
    let retry = ForwardResult::Retry { at_ms: T0 + 1_000, error: "HTTP 500".to_owned() };
    b.store.complete_forward(c.id, &c.token, retry.clone(), T0 + 5).await?;
    let err = b.store.complete_forward(c.id, &c.token, retry, T0 + 6).await.expect_err("completed once");
    assert!(err.is_conflict(), "{err}");
    let rec = b.store.forward(id).await?.expect("stored");
    assert_eq!((rec.status.as_str(), rec.attempts, rec.last_error.as_deref()), ("pending", 1, Some("HTTP 500")));
    assert!(b.store.claim_forwards(T0 + 999, LEASE, 10).await?.is_empty());
    let c = b.store.claim_forwards(T0 + 1_000, LEASE, 10).await?.remove(0);
    assert_eq!(c.attempts, 1);
    b.store.complete_forward(c.id, &c.token, ForwardResult::Delivered, T0 + 1_001).await?;
    assert_eq!(b.store.forward(id).await?.expect("stored").status, "delivered");
    assert!(b.store.claim_forwards(T0 + 1_000_000, LEASE, 10).await?.is_empty());

    let dead = b.store.enqueue_forward(hook(2)).await?;
    let c = b.store.claim_forwards(T0, LEASE, 10).await?.remove(0);
    b.store.complete_forward(c.id, &c.token, ForwardResult::Dead { error: "gave up".to_owned() }, T0 + 1).await?;
    assert_eq!(b.store.forward(dead).await?.expect("stored").status, "dead");
    assert!(b.store.claim_forwards(T0 + 1_000_000, LEASE, 10).await?.is_empty());
    Ok(())
}

pub async fn an_expired_forward_lease_is_taken_over_and_survives_a_reopen(mut b: Backend) -> anyhow::Result<()> {
    let id = b.store.enqueue_forward(hook(3)).await?;
    let first = b.store.claim_forwards(T0, LEASE, 10).await?.remove(0);
    if b.reopen().await {
        assert_eq!(b.store.forward(id).await?.expect("durable").status, "in_flight");
    }
    assert!(b.store.claim_forwards(T0 + LEASE - 1, LEASE, 10).await?.is_empty());
    let second = b.store.claim_forwards(T0 + LEASE, LEASE, 10).await?.remove(0);
    assert_ne!(first.token, second.token);
    let err =
        b.store.complete_forward(id, &first.token, ForwardResult::Delivered, T0 + LEASE).await.expect_err("stale");
    assert!(err.is_conflict());
    b.store.complete_forward(id, &second.token, ForwardResult::Delivered, T0 + LEASE).await?;
    assert_eq!(b.store.forward(id).await?.expect("stored").attempts, 1);
    Ok(())
}
