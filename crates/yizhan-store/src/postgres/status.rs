//! Keeps `messages.status` in step with the message's dispatches, inside the caller's
//! transaction, and checks leases: the shared SQL of [`crate::sql::status`], the rows read
//! `FOR UPDATE`.

crate::sql::status::status!(sqlx::Postgres, lock = "FOR UPDATE");

/// Re-derives the status of every message in `touched` (id → the `updated_at_ms` of a change),
/// one at a time in sorted order: every transaction locks message rows in the same order, after
/// every dispatch row it touched.
pub(crate) async fn refresh_all(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    touched: &std::collections::BTreeMap<String, Option<i64>>,
) -> Result<(), crate::StoreError> {
    for (id, now_ms) in touched {
        refresh(tx, id, *now_ms).await?;
    }
    Ok(())
}
