//! The hot path on PostgreSQL: the shared part of [`crate::sql::hot`].

crate::sql::hot::hot!(sqlx::Postgres);
