//! Coalescing on SQLite: the merge of [`crate::sql::merge`] and the member bookkeeping of
//! [`crate::sql::coalesce`], with no row locks: the merge holds SQLite's write lock from its
//! first statement, so the waiting rows it chose cannot change before it writes.

use std::collections::HashSet;

use tokio::sync::MutexGuard;

use super::SqliteStore;
use crate::StoreError;

crate::sql::merge::merge!(SqliteStore, sqlx::Sqlite, sqlite, also_lock = "");
crate::sql::coalesce::members!(sqlx::Sqlite, lock = "");

impl SqliteStore {
    /// The merge's transaction: the writer's gate, then `BEGIN IMMEDIATE`.
    async fn begin_coalesce(
        &self,
    ) -> Result<(MutexGuard<'_, ()>, sqlx::Transaction<'static, sqlx::Sqlite>), StoreError> {
        let gate = self.gate.lock().await;
        Ok((gate, self.begin_write().await?))
    }
}

/// Every chosen row: nothing else writes while this transaction holds the write lock.
async fn lock_chosen(
    _tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    ids: &[i64],
    _key: &str,
) -> Result<HashSet<i64>, StoreError> {
    Ok(ids.iter().copied().collect())
}
