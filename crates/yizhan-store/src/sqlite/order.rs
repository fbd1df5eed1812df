//! Ordered dispatches (`after_seq`) on SQLite: the shared SQL of [`crate::sql::order`], with no
//! row locks (one writer at a time).

crate::sql::order::order!(sqlx::Sqlite, lock = "");
