//! Retention with several instances on one database: concurrent sweeps delete and count every
//! finished message exactly once.

use yizhan_store::{Purged, Store};

use super::instances;
use crate::suite::{LEASE, T0, message};

/// Sweeps `store` in batches of 100 until a batch comes back short.
async fn sweep(store: Store) -> Purged {
    let mut total = Purged::default();
    loop {
        let batch = store.purge(T0 + 10, 100).await.expect("purge");
        total.add(batch);
        if batch.messages < 100 {
            return total;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sweeps_on_three_instances_delete_each_message_once() -> anyhow::Result<()> {
    let Some((_db, stores)) = instances(3).await else { return Ok(()) };
    let expiring: Vec<_> = (0..1000)
        .map(|_| {
            let mut m = message("ops", 1);
            m.expires_at_ms = Some(T0 + 1);
            m
        })
        .collect();
    for chunk in expiring.chunks(250) {
        stores[0].accept_batch(chunk.to_vec()).await?;
    }
    let waiting = message("ops", 1);
    stores[0].accept(waiting.clone()).await?;
    // Expires the thousand (a claim ends what is past its expiry) and leases the waiting one.
    assert_eq!(stores[1].claim_due("w", T0 + 2, LEASE, 10).await?.len(), 1);
    let sweeps: Vec<_> = stores.iter().map(|s| tokio::spawn(sweep(s.clone()))).collect();
    let mut total = Purged::default();
    for s in sweeps {
        total.add(s.await?);
    }
    // Each expired message: the message and its dispatch.
    assert_eq!((total.messages, total.rows), (1000, 2000));
    assert_eq!(stores[2].counts().await?.values().sum::<i64>(), 1, "the leased message stays");
    assert!(stores[2].message(waiting.id).await?.is_some());
    Ok(())
}
