//! The event log on PostgreSQL: the shared SQL of [`crate::sql::events`]; publishers of every
//! instance are serialised by a transaction-level advisory lock, so positions follow the order
//! in which publishing transactions commit.

use super::PgStore;

crate::sql::events::events!(
    PgStore,
    sqlx::Postgres,
    lock = "SELECT pg_advisory_xact_lock(7966175001)",
    list = ("json_array_elements_text(", "::json)")
);
