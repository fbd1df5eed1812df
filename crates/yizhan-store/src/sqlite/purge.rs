//! Retention on SQLite: the shared batch loop of [`crate::sql::purge`], taken through the same
//! gate as the group-commit writer, so accepts and completions queue behind at most one batch.

use tokio::sync::MutexGuard;

use super::SqliteStore;

crate::sql::purge::purge!(SqliteStore, sqlx::Sqlite, crate::purge::Dialect::SQLITE);

impl SqliteStore {
    /// The group-commit writer's gate, held for one purge batch.
    async fn write_gate(&self) -> Option<MutexGuard<'_, ()>> {
        Some(self.gate.lock().await)
    }
}
