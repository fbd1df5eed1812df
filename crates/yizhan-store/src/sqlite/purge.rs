//! Retention on SQLite: the shared batch loop of [`crate::sql::purge`], taken through the same
//! gate as the group-commit writer, so accepts and completions queue behind at most one batch.
//! The write lock is held from `BEGIN IMMEDIATE`: the candidates cannot change before they are
//! deleted, so the batch is not re-checked.

use std::sync::LazyLock;

use tokio::sync::MutexGuard;

use super::SqliteStore;
use crate::purge::{Dialect, Statements};

static SQL: LazyLock<Statements> = LazyLock::new(|| {
    Statements::new(&Dialect {
        first: "?1",
        second: "?2",
        ids: "SELECT value FROM json_each(?1)",
        lock: "",
        recheck: false,
        index_hints: true,
    })
});

crate::sql::purge::purge!(SqliteStore, sqlx::Sqlite, SQL);

impl SqliteStore {
    /// The group-commit writer's gate, held for one purge batch.
    async fn write_gate(&self) -> Option<MutexGuard<'_, ()>> {
        Some(self.gate.lock().await)
    }
}
