//! The SQLite backend: one file (or memory), WAL, `synchronous = FULL`, group-committed accepts.
//!
//! Durability: in WAL mode `synchronous = NORMAL` skips the fsync at COMMIT, so a power loss can
//! roll back the last transactions, and with them messages that were already answered 202.
//! `FULL` syncs the WAL on every commit; group commit ([`writer`]) keeps that to one fsync per
//! group of accepts rather than one per request.
//!
//! Writers serialise on SQLite's single write lock: every write transaction starts with
//! `BEGIN IMMEDIATE`, so two claimers never both read the same due row and then race to update
//! it; the loser waits (up to the busy timeout) and then sees the winner's lease.

mod claim;
mod coalesce;
mod complete;
mod forward;
mod manage;
mod order;
mod quota;
mod read;
mod status;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::{AcceptOutcome, NewMessage, StoreError};

/// How long a statement waits for SQLite's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections to a file database (WAL lets readers run beside the one writer).
const FILE_POOL_SIZE: u32 = 4;
/// Accepts queued for the writer before callers wait for room.
const WRITER_QUEUE: usize = 4096;
/// Completions queued for the completion writer before callers wait for room.
const COMPLETER_QUEUE: usize = 4096;

/// The SQLite outbox. Cheap to clone: clones share the pool and the writer task.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::Sender<writer::AcceptJob>,
    completer: mpsc::Sender<complete::CompleteJob>,
    /// Taken by the hot writers (accept groups, completion groups, claims) around their write
    /// transactions, so they queue here instead of in SQLite's busy handler, which polls with
    /// sleeps of up to 100 ms.
    gate: Arc<Mutex<()>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and applies the embedded migrations.
    ///
    /// `sqlite://path.db` is a file (created if missing); `sqlite::memory:` is a private
    /// in-memory database held by a single connection, gone when the store is dropped.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let options =
            SqliteConnectOptions::from_str(url)?.create_if_missing(true).foreign_keys(true).busy_timeout(BUSY_TIMEOUT);
        let pool = if memory {
            // Each connection to `:memory:` would be its own database: keep exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?
        } else {
            let options = options.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full);
            SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE).connect_with(options).await?
        };
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let gate = Arc::new(Mutex::new(()));
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::run(pool.clone(), gate.clone(), rx));
        let (completer, done) = mpsc::channel(COMPLETER_QUEUE);
        tokio::spawn(complete::run(pool.clone(), gate.clone(), done));
        Ok(SqliteStore { pool, writer: tx, completer, gate })
    }

    /// Closes the pool; later calls fail with [`StoreError::Database`] or [`StoreError::Closed`].
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Hands messages to the group-commit writer and waits until they are committed.
    pub(crate) async fn submit(&self, msgs: Vec<NewMessage>) -> Result<Vec<AcceptOutcome>, StoreError> {
        for m in &msgs {
            if m.dispatches.is_empty() {
                return Err(StoreError::Invalid(format!("message {} has no dispatches", m.id)));
            }
            crate::model::check_order(m)?;
        }
        if msgs.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.writer.send(writer::AcceptJob { msgs, reply }).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Starts a write transaction that holds SQLite's write lock from its first statement.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}
