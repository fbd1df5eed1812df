//! The SQLite backend: one file (or memory), WAL, `synchronous = FULL`, group-committed accepts.
//!
//! Durability: in WAL mode `synchronous = NORMAL` skips the fsync at COMMIT, so a power loss can
//! roll back the last transactions, and with them messages that were already answered 202.
//! `FULL` syncs the WAL on every commit; group commit ([`writer`]) keeps that to one fsync per
//! group of accepts and completions rather than one per request. Claims alone commit with
//! `NORMAL` on a connection of their own: losing one to a power loss only makes its dispatch
//! due again, exactly as an expired lease would.
//!
//! Writers serialise on SQLite's single write lock: every write transaction starts with
//! `BEGIN IMMEDIATE`, so two claimers never both read the same due row and then race to update
//! it; the loser waits (up to the busy timeout) and then sees the winner's lease.
//!
//! A full disk (or the size cap `max_size_kb`) fails writes, and can leave a connection whose
//! COMMIT failed believing it is still inside a transaction (SQLite rolled it back by itself,
//! so the ROLLBACK on drop fails too). Such a connection is closed when it returns to the pool
//! instead of being reused ([`discard_if_in_transaction`]): once space is back, fresh
//! connections write again, without a restart.

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
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{Mutex, mpsc};

use crate::StoreError;
use crate::handoff::HandoffSlot;

/// How long a statement waits for SQLite's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections to a file database (WAL lets readers run beside the one writer).
const FILE_POOL_SIZE: u32 = 4;
/// Accepts and completions queued for the writer before callers wait for room.
const WRITER_QUEUE: usize = 8192;

/// The SQLite outbox. Cheap to clone: clones share the pool and the writer task.
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    pool: SqlitePool,
    /// The group-commit writer: accepts and completions.
    pub(crate) writer: mpsc::Sender<writer::WriteJob>,
    /// Claims only: a connection with `synchronous = NORMAL` (see [`SqliteStore::open`]).
    claim_pool: SqlitePool,
    /// Taken by the hot writers (accept groups, completion groups, claims) around their write
    /// transactions, so they queue here instead of in SQLite's busy handler, which polls with
    /// sleeps of up to 100 ms.
    gate: Arc<Mutex<()>>,
}

crate::sql::layer!(
    SqliteStore,
    sqlx::Sqlite,
    token = "lower(hex(randomblob(16)))",
    skip_locked = "",
    snapshot = "BEGIN"
);

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and applies the embedded migrations.
    ///
    /// `sqlite://path.db` is a file (created if missing); `sqlite::memory:` is a private
    /// in-memory database held by a single connection, gone when the store is dropped.
    #[cfg(test)]
    pub(crate) async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_capped(url, None, HandoffSlot::default()).await
    }

    /// [`SqliteStore::open`] with the database file capped at `max_size_kb` KiB (SQLite's
    /// `max_page_count`): past it, writes fail as on a full disk. `None`: no cap. Accepts lease
    /// work to the worker registered in `handoff` (see [`crate::handoff`]).
    pub(crate) async fn open_capped(
        url: &str,
        max_size_kb: Option<u64>,
        handoff: HandoffSlot,
    ) -> Result<SqliteStore, StoreError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options =
            SqliteConnectOptions::from_str(url)?.create_if_missing(true).foreign_keys(true).busy_timeout(BUSY_TIMEOUT);
        if let Some(kb) = max_size_kb {
            // Pages of the default size (4 KiB; a database created elsewhere may differ).
            options = options.pragma("max_page_count", (kb / 4).max(1).to_string());
        }
        let (pool, claim_pool) = if memory {
            // Each connection to `:memory:` would be its own database: keep exactly one, forever.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            (pool.clone(), pool)
        } else {
            let options = options.journal_mode(SqliteJournalMode::Wal);
            let pool = SqlitePoolOptions::new()
                .max_connections(FILE_POOL_SIZE)
                .after_release(|conn, meta| Box::pin(discard_if_in_transaction(conn, meta)))
                .connect_with(options.clone().synchronous(SqliteSynchronous::Full))
                .await?;
            // A claim need not survive a power loss: lost, its dispatch is due again, as if the
            // lease had expired. So claims commit without a WAL sync of their own (the next
            // accept or completion's sync covers their frames; a crashed process loses nothing).
            let claim_pool = SqlitePoolOptions::new()
                .max_connections(1)
                .after_release(|conn, meta| Box::pin(discard_if_in_transaction(conn, meta)))
                .connect_with(options.synchronous(SqliteSynchronous::Normal))
                .await?;
            (pool, claim_pool)
        };
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let gate = Arc::new(Mutex::new(()));
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::run(pool.clone(), gate.clone(), handoff, rx));
        Ok(SqliteStore { pool, writer: tx, claim_pool, gate })
    }

    /// Closes the pool; later calls fail with [`StoreError::Database`] or [`StoreError::Closed`].
    pub(crate) async fn close(&self) {
        self.pool.close().await;
        self.claim_pool.close().await;
    }

    /// Whether a write can be committed now: writes and deletes a scratch row of 64 KiB in one
    /// transaction, so a database that cannot grow by that much (full disk, size cap) fails.
    pub(crate) async fn probe_write(&self) -> Result<(), StoreError> {
        let _gate = self.gate.lock().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT OR REPLACE INTO write_probe (id, pad) VALUES (1, zeroblob(65536))")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM write_probe").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a write transaction that holds SQLite's write lock from its first statement.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// The pool's `after_release` check: a connection still inside a transaction when it comes
/// back (its COMMIT or ROLLBACK failed, typically on a full disk) is closed, not reused; reused,
/// every later `BEGIN` on it would fail. The ROLLBACK queued when its transaction was dropped
/// runs first (a ping waits for it).
async fn discard_if_in_transaction(
    conn: &mut SqliteConnection,
    _meta: PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a database connection was left inside a failed transaction; closing it");
    }
    Ok(clean)
}

/// Nothing to tell: SQLite serves one process, whose workers are woken in-process (the shared
/// SQL layer calls this where PostgreSQL `NOTIFY`s other instances).
pub(crate) async fn notify_due(_tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>) -> Result<(), StoreError> {
    Ok(())
}
