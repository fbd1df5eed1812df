//! Repeats of a provider-deduplicated body on PostgreSQL: the shared SQL of
//! [`crate::sql::repeat`]. Claims of two instances may run at once, so each guarded key is
//! locked (`pg_advisory_xact_lock`, in hash order, one statement) before it is looked up: the second
//! claimer then sees the first one's window.

use super::PgStore;
use crate::StoreError;

crate::sql::repeat::repeat!(PgStore, sqlx::Postgres, postgres);

/// Takes a transaction-scoped advisory lock on each of `keys`, all in one statement: in the
/// order of their hashes, the same order in every transaction, so two claimers never wait for
/// each other crosswise.
async fn lock_keys(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, keys: &[&str]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "SELECT count(pg_advisory_xact_lock(h)) FROM \
           (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS locks",
    )
    .bind(keys)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
