//! What the quota ledger needs from the outbox, on PostgreSQL: the shared SQL of
//! [`crate::sql::quota`], the message row locked before a split picks its new `seq`.

use super::PgStore;

crate::sql::quota::quota!(PgStore, sqlx::Postgres, lock = "FOR UPDATE");
