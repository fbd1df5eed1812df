//! Ordered dispatches (`after_seq`) on PostgreSQL: the shared SQL of [`crate::sql::order`]
//! (waiting rows are picked `FOR UPDATE OF w SKIP LOCKED`, so ending orphans never adds a lock
//! wait to a claim; a skipped row is ended by a later claim), and whether successors wait.

use sqlx::{Postgres, Transaction};

use crate::StoreError;

crate::sql::order::order!(sqlx::Postgres, lock = "FOR UPDATE OF w SKIP LOCKED");

/// Whether an ordered dispatch of the message waits (it is due now that its predecessor is
/// delivered: the caller `NOTIFY`s).
pub(super) async fn successors_waiting(
    tx: &mut Transaction<'static, Postgres>,
    message_id: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM dispatches WHERE message_id = $1 AND after_seq IS NOT NULL \
           AND status IN ('pending', 'retrying', 'deferred'))",
    )
    .bind(message_id)
    .fetch_one(&mut **tx)
    .await?)
}
