//! Accepts on SQLite: the shared statements of [`crate::sql::accept`], run inside the writer's
//! group transaction ([`super::writer`]).

crate::sql::accept::accept!(sqlx::Sqlite, sqlite);
