//! Retention on SQLite: one batch per short write transaction, taken through the same gate as
//! the group-commit writer, so accepts and completions queue behind at most one batch.

use std::sync::LazyLock;

use super::SqliteStore;
use crate::StoreError;
use crate::purge::{Dialect, Purged, Statements};

static SQL: LazyLock<Statements> = LazyLock::new(|| {
    Statements::new(&Dialect {
        first: "?1",
        second: "?2",
        ids: "SELECT value FROM json_each(?1)",
        lock: "",
        index_hints: true,
    })
});

impl SqliteStore {
    /// Deletes up to `limit` finished messages and `limit` finished forwards last changed
    /// before `before_ms` (see [`crate::Store::purge`]).
    pub(crate) async fn purge(&self, before_ms: i64, limit: usize) -> Result<Purged, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let _gate = self.gate.lock().await;
        let mut tx = self.begin_write().await?;
        // The write lock is held from BEGIN IMMEDIATE: the candidates cannot change before they
        // are deleted, so no re-check is needed here.
        let ids: Vec<String> =
            sqlx::query_scalar(SQL.candidates.as_str()).bind(before_ms).bind(limit).fetch_all(&mut *tx).await?;
        let mut purged = Purged::default();
        if !ids.is_empty() {
            let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Invalid(format!("message ids: {e}")))?;
            for statement in &SQL.children {
                purged.rows += sqlx::query(statement.as_str()).bind(&ids).execute(&mut *tx).await?.rows_affected();
            }
            purged.messages = sqlx::query(SQL.messages.as_str()).bind(&ids).execute(&mut *tx).await?.rows_affected();
            purged.rows += purged.messages;
        }
        purged.forwards =
            sqlx::query(SQL.forwards.as_str()).bind(before_ms).bind(limit).execute(&mut *tx).await?.rows_affected();
        purged.rows += purged.forwards;
        tx.commit().await?;
        Ok(purged)
    }
}
