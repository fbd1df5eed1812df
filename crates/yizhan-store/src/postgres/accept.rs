//! Accepts on PostgreSQL: one transaction per group of `accept`/`accept_batch` calls with the
//! shared statements of [`crate::sql::accept`] (idempotency settled by the unique index
//! `messages_idempotency`, so concurrent accepts with one key on different instances store one
//! message), and a `NOTIFY` so the workers of every instance wake up for what this instance's
//! worker was not handed (see [`crate::handoff`]: dispatches picked for the hot path are written
//! `in_flight` under this instance's lease and queued for its worker after COMMIT).

use sqlx::PgPool;

use super::notify_due;
use crate::handoff::{HandoffSlot, Reservation};
use crate::{AcceptOutcome, NewMessage, StoreError};

crate::sql::accept::accept!(sqlx::Postgres, postgres);

/// Writes every batch in one transaction (all committed, or none); one result list per batch.
pub(super) async fn write(
    pool: &PgPool,
    handoff: &HandoffSlot,
    batches: &[&[NewMessage]],
) -> Result<Vec<Vec<AcceptOutcome>>, StoreError> {
    let hot = match handoff.current() {
        Some(h) => h.plan(batches),
        None => Reservation::none(),
    };
    let mut tx = pool.begin().await?;
    let (out, handed, left) = insert_group(&mut tx, batches, &hot).await?;
    if left {
        notify_due(&mut tx).await?;
    }
    tx.commit().await?;
    hot.deliver(handed);
    Ok(out)
}
