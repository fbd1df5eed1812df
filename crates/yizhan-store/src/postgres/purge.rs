//! Retention on PostgreSQL: one batch per short transaction. The batch's dispatch rows are
//! locked before its message rows (the lock order of every other transaction, see the module
//! documentation of the backend), and the batch is then re-checked, since another instance may
//! have replayed one of its messages meanwhile.

use std::sync::LazyLock;

use super::PgStore;
use crate::StoreError;
use crate::purge::{Dialect, Purged, Statements};

static SQL: LazyLock<Statements> = LazyLock::new(|| {
    Statements::new(&Dialect {
        first: "$1",
        second: "$2",
        ids: "SELECT unnest($1::text[])",
        lock: " ORDER BY m.id FOR UPDATE OF m",
        index_hints: false,
    })
});

impl PgStore {
    /// Deletes up to `limit` finished messages and `limit` finished forwards last changed
    /// before `before_ms` (see [`crate::Store::purge`]).
    pub(crate) async fn purge(&self, before_ms: i64, limit: usize) -> Result<Purged, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        let candidates: Vec<String> =
            sqlx::query_scalar(SQL.candidates.as_str()).bind(before_ms).bind(limit).fetch_all(&mut *tx).await?;
        let mut purged = Purged::default();
        if !candidates.is_empty() {
            sqlx::query(
                "SELECT id FROM dispatches WHERE message_id IN (SELECT unnest($1::text[])) ORDER BY id FOR UPDATE",
            )
            .bind(&candidates)
            .execute(&mut *tx)
            .await?;
            let ids: Vec<String> =
                sqlx::query_scalar(SQL.recheck.as_str()).bind(&candidates).bind(before_ms).fetch_all(&mut *tx).await?;
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
