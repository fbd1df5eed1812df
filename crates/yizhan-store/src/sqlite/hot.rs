//! The hot path on SQLite: the shared part of [`crate::sql::hot`].

crate::sql::hot::hot!(sqlx::Sqlite);
