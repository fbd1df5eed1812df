//! The PostgreSQL backend: several gateway instances share one database.
//!
//! - Completions: group-committed by a completion writer task per store ([`complete`]).
//! - Accepts: group-committed by one writer task per store ([`writer`]), as on SQLite: measured
//!   about 4 times the accepts per second of one transaction per call (`docs/scale-out.md`).
//!   Idempotency keys are settled by the unique index
//!   `messages_idempotency` (`INSERT … ON CONFLICT DO NOTHING`), so concurrent accepts with one
//!   key on different instances store one message. Every accept `NOTIFY`s [`DUE_CHANNEL`].
//! - Claims: `SELECT … FOR UPDATE SKIP LOCKED` picks due rows no other transaction holds, and the
//!   same statement leases them (owner, random token, deadline). An expired lease makes the row
//!   due again for any instance; a late `complete` with the old token is a `Conflict`.
//! - Lock order: every transaction locks dispatch rows before their message row (status
//!   refreshes lock the message, then re-read its dispatches), so instances do not deadlock.
//!   Claims, coalescing and ending orphaned ordered dispatches take dispatch rows only with
//!   `SKIP LOCKED`; a completion locks its dispatch, its coalesced members, then the waiting
//!   ordered dispatches of its message, and refreshes every touched message in sorted order.
//! - The newer features (ordered dispatches, quota ledger splits, callback forwards, coalescing)
//!   behave as on SQLite and pass the same suite; see `docs/scale-out.md`.

mod accept;
mod claim;
mod coalesce;
mod complete;
mod events;
mod hot;
mod lease;
mod manage;
mod order;
mod purge;
mod quota;
mod repeat;
mod status;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use tokio::sync::mpsc;

use crate::StoreError;
use crate::handoff::HandoffSlot;

/// The channel accepts (and other changes that make work due now) `NOTIFY`.
pub const DUE_CHANNEL: &str = "yizhan_due";
/// Connections per store (per gateway instance).
const POOL_SIZE: u32 = 10;
/// Accepts queued for the writer before callers wait for room.
const WRITER_QUEUE: usize = 4096;
/// How long a caller waits for a free connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The PostgreSQL outbox. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
    /// The accept writer ([`writer`]): accepts group-committed.
    pub(crate) writer: mpsc::Sender<crate::sql::group::AcceptJob>,
    /// The completion writer ([`complete`]): results group-committed.
    pub(crate) completer: mpsc::Sender<complete::CompleteJob>,
}

crate::sql::layer!(
    PgStore,
    sqlx::Postgres,
    token = "replace(gen_random_uuid()::text, '-', '')",
    skip_locked = "FOR UPDATE SKIP LOCKED",
    snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
);

impl PgStore {
    /// Starts a write transaction.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// Connects to `url` (`postgres://user@host:port/db`) and applies the embedded migrations
    /// unless `migrate` is false. Accepts lease work to the worker registered in `handoff` (see
    /// [`crate::handoff`]).
    pub(crate) async fn open(url: &str, migrate: bool, handoff: HandoffSlot) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("yizhan");
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::run(pool.clone(), handoff, rx));
        let (completer, completions) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(complete::run(pool.clone(), completions));
        let store = PgStore { pool, writer: tx, completer };
        if migrate {
            store.migrate().await?;
        }
        Ok(store)
    }

    /// Applies the embedded migrations (`migrations/postgres/`); safe to run from several
    /// instances at once (sqlx serialises them with an advisory lock).
    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::migrate!("./migrations/postgres").run(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool; later calls fail with [`StoreError::Database`].
    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// A listener on [`DUE_CHANNEL`], for [`crate::DueSignal`].
    pub(crate) async fn listen(&self) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(DUE_CHANNEL).await?;
        Ok(listener)
    }
}

/// Makes work due now visible to every instance's worker (delivered at COMMIT).
pub(crate) async fn notify_due(tx: &mut sqlx::Transaction<'static, sqlx::Postgres>) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, '')").bind(DUE_CHANNEL).execute(&mut **tx).await?;
    Ok(())
}
