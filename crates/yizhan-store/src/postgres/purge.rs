//! Retention on PostgreSQL: the shared batch loop of [`crate::sql::purge`], with no gate:
//! instances share the database, and row locks order their writes.

use tokio::sync::MutexGuard;

use super::PgStore;

crate::sql::purge::purge!(PgStore, sqlx::Postgres, crate::purge::Dialect::POSTGRES);

impl PgStore {
    /// No gate (see the module docs).
    async fn write_gate(&self) -> Option<MutexGuard<'_, ()>> {
        None
    }
}
