//! Repeats of a provider-deduplicated body on SQLite: the shared SQL of [`crate::sql::repeat`].

use super::SqliteStore;
use crate::StoreError;

crate::sql::repeat::repeat!(SqliteStore, sqlx::Sqlite, sqlite);

/// Nothing to lock: SQLite has one writer at a time.
async fn lock_keys(_tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>, _keys: &[&str]) -> Result<(), StoreError> {
    Ok(())
}
