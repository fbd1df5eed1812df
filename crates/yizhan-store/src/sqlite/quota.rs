//! What the quota ledger needs from the outbox, on SQLite: the shared SQL of
//! [`crate::sql::quota`].

use super::SqliteStore;

crate::sql::quota::quota!(SqliteStore, sqlx::Sqlite, lock = "");
