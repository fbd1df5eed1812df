//! Coalescing on PostgreSQL: the merge of [`crate::sql::merge`] and the member bookkeeping of
//! [`crate::sql::coalesce`], with row locks. The leader is locked by its lease check, the claims
//! in `also` with `FOR UPDATE SKIP LOCKED`, and of the waiting candidates chosen from a plain
//! read only the chosen rows, again with `SKIP LOCKED` and the conditions re-checked under the
//! lock, so two instances merging one key do not lock each other out of rows neither merges.
//! Message rows are locked last, in sorted order, for the status refresh.

use std::collections::HashSet;

use tokio::sync::MutexGuard;

use super::PgStore;
use crate::StoreError;

crate::sql::merge::merge!(PgStore, sqlx::Postgres, postgres, also_lock = "FOR UPDATE SKIP LOCKED");
crate::sql::coalesce::members!(sqlx::Postgres, lock = "FOR UPDATE OF d");

impl PgStore {
    /// The merge's transaction: a plain one (row locks order writers, there is no gate).
    async fn begin_coalesce(
        &self,
    ) -> Result<(Option<MutexGuard<'_, ()>>, sqlx::Transaction<'static, sqlx::Postgres>), StoreError> {
        Ok((None, self.pool.begin().await?))
    }
}

/// Locks those of the chosen waiting rows `ids` that no other transaction holds and that are
/// still mergeable under `key`; returns their ids.
async fn lock_chosen(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    ids: &[i64],
    key: &str,
) -> Result<HashSet<i64>, StoreError> {
    Ok(sqlx::query_scalar(concat!(
        "SELECT id FROM dispatches d WHERE id = ANY($1) AND coalesce_key = $2 AND status IN ",
        crate::sql::waiting!(),
        " AND attempts = 0 AND merged_body IS NULL \
           AND NOT EXISTS (SELECT 1 FROM dispatch_members m WHERE m.member_id = d.id) \
         ORDER BY id FOR UPDATE SKIP LOCKED"
    ))
    .bind(ids)
    .bind(key)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect())
}
