//! Retention on PostgreSQL: the shared batch loop of [`crate::sql::purge`]. The batch's dispatch
//! rows are locked before its message rows (the lock order of every other transaction, see the
//! module documentation of the backend), and the batch is then re-checked, since another
//! instance may have replayed one of its messages meanwhile.

use std::sync::LazyLock;

use tokio::sync::MutexGuard;

use super::PgStore;
use crate::purge::{Dialect, Statements};

static SQL: LazyLock<Statements> = LazyLock::new(|| {
    Statements::new(&Dialect {
        first: "$1",
        second: "$2",
        ids: "SELECT json_array_elements_text($1::json)",
        lock: " ORDER BY m.id FOR UPDATE OF m",
        recheck: true,
        index_hints: false,
    })
});

crate::sql::purge::purge!(PgStore, sqlx::Postgres, SQL);

impl PgStore {
    /// No gate: instances share the database, and row locks order their writes.
    async fn write_gate(&self) -> Option<MutexGuard<'_, ()>> {
        None
    }
}
