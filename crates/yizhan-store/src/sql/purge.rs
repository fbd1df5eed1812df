//! Retention's batch loop, written once: one batch per short write transaction, the statements
//! of [`crate::purge::Statements`] built from the backend's [`crate::purge::Dialect`].

/// `purge` on `$store` (`$db`) with the statements of `$dialect` (a [`crate::purge::Dialect`]).
/// The store supplies `begin_write()` and `write_gate()` (SQLite: the group-commit writer's
/// gate, so accepts and completions queue behind at most one batch; PostgreSQL: none). Message
/// ids are bound as one JSON array.
macro_rules! purge {
    ($store:ident, $db:ty, $dialect:expr) => {
        static SQL: std::sync::LazyLock<$crate::purge::Statements> =
            std::sync::LazyLock::new(|| $crate::purge::Statements::new(&$dialect));

        impl $store {
            /// Deletes up to `limit` finished messages, `limit` finished forwards and `limit`
            /// idle resolved alert cards last changed before `before_ms` (see [`crate::Store::purge`]).
            pub(crate) async fn purge(
                &self,
                before_ms: i64,
                limit: usize,
            ) -> Result<$crate::purge::Purged, $crate::StoreError> {
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let _gate = self.write_gate().await;
                let mut tx = self.begin_write().await?;
                let candidates: Vec<String> =
                    sqlx::query_scalar(SQL.candidates.as_str()).bind(before_ms).bind(limit).fetch_all(&mut *tx).await?;
                let mut purged = $crate::purge::Purged::default();
                if !candidates.is_empty() {
                    let json = |ids: &[String]| {
                        serde_json::to_string(ids).map_err(|e| $crate::StoreError::Invalid(format!("message ids: {e}")))
                    };
                    let mut ids = json(&candidates)?;
                    if let Some(lock) = &SQL.lock_batch {
                        // Dispatch rows before message rows (the lock order of every other
                        // transaction), then the batch again: it may have changed meanwhile.
                        sqlx::query(lock.as_str()).bind(&ids).execute(&mut *tx).await?;
                        let still: Vec<String> = sqlx::query_scalar(SQL.recheck.as_str())
                            .bind(&ids)
                            .bind(before_ms)
                            .fetch_all(&mut *tx)
                            .await?;
                        ids = json(&still)?;
                    }
                    for statement in &SQL.children {
                        purged.rows +=
                            sqlx::query(statement.as_str()).bind(&ids).execute(&mut *tx).await?.rows_affected();
                    }
                    purged.messages =
                        sqlx::query(SQL.messages.as_str()).bind(&ids).execute(&mut *tx).await?.rows_affected();
                    purged.rows += purged.messages;
                }
                purged.forwards = sqlx::query(SQL.forwards.as_str())
                    .bind(before_ms)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                purged.rows += purged.forwards;
                purged.cards = sqlx::query(SQL.cards.as_str())
                    .bind(before_ms)
                    .bind(limit)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                purged.rows += purged.cards;
                tx.commit().await?;
                Ok(purged)
            }
        }
    };
}
pub(crate) use purge;
