//! This crate's PostgreSQL tables, created idempotently. (The outbox's migrations belong to the
//! store; these two tables are independent of them.)

use sqlx::PgPool;

use crate::Error;

const STATEMENTS: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS yizhan_shared_tokens (
        scope_hash TEXT PRIMARY KEY,
        value TEXT,
        value_hash TEXT,
        expires_at_ms BIGINT,
        refresh_at_ms BIGINT,
        lease_owner TEXT,
        lease_until TIMESTAMPTZ
    )",
    "CREATE TABLE IF NOT EXISTS yizhan_quota_events (
        key_hash TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS yizhan_quota_events_key_at ON yizhan_quota_events (key_hash, at_ms)",
];

/// An arbitrary constant: the advisory lock that serialises concurrent `migrate` calls (two
/// instances starting together would otherwise race on `CREATE TABLE IF NOT EXISTS`).
const MIGRATE_LOCK: i64 = 0x5949_5a48_414e_5348;

/// Creates `yizhan_shared_tokens` and `yizhan_quota_events` if absent. Safe to call from every
/// instance at start.
pub async fn migrate(pool: &PgPool) -> Result<(), Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(MIGRATE_LOCK).execute(&mut *tx).await?;
    for statement in STATEMENTS {
        sqlx::query(statement).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
