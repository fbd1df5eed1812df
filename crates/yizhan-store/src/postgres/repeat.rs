//! Repeats of a provider-deduplicated body on PostgreSQL: the shared SQL of
//! [`crate::sql::repeat`]. Claims of two instances may run at once, so each guarded key is
//! locked (`pg_advisory_xact_lock`, keys in sorted order) before it is looked up: the second
//! claimer then sees the first one's window.

use super::PgStore;
use crate::StoreError;

crate::sql::repeat::repeat!(PgStore, sqlx::Postgres, postgres);

/// Takes a transaction-scoped advisory lock on each of `keys` (sorted by the caller).
async fn lock_keys(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>, keys: &[&str]) -> Result<(), StoreError> {
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(*key).execute(&mut **tx).await?;
    }
    Ok(())
}
