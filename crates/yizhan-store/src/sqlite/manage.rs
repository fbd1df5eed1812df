//! Operator actions on whole messages on SQLite: the shared SQL of [`crate::sql::manage`].

use super::SqliteStore;

crate::sql::manage::manage!(SqliteStore, sqlx::Sqlite, lock = "");
