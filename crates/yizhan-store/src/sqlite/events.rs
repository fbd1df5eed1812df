//! The event log on SQLite: the shared SQL of [`crate::sql::events`]; publishers are serialised
//! by the write lock that `BEGIN IMMEDIATE` takes.

use super::SqliteStore;

crate::sql::events::events!(SqliteStore, sqlx::Sqlite, lock = "SELECT 1", list = ("json_each(", ")"));
