//! The durable outbox of yizhan.
//!
//! Everything the gateway must not lose lives here: accepted messages, their dispatches (one
//! provider call each, with the exact request body persisted before it is ever sent), every
//! attempt, per-recipient outcomes, provider handles and idempotency keys.
//!
//! Callers see one type, [`Store`], an enum over backends chosen by URL scheme. Today there is
//! SQLite ([`SqliteStore`]: WAL, `synchronous = FULL`, group-committed accepts); PostgreSQL is
//! meant to become a second variant with the same methods, so the worker and the HTTP API do not
//! change when it arrives.
//!
//! | method | does |
//! |---|---|
//! | [`Store::accept`], [`Store::accept_batch`] | store messages durably (group commit), idempotently |
//! | [`Store::claim_due`] | lease due dispatches to a worker; expire what is past `expires_at` |
//! | [`Store::complete`], [`Store::release`] | record an attempt's result, or hand the work back |
//! | [`Store::message`], [`Store::list`] | read one message with its history; page through messages |
//! | [`Store::cancel`], [`Store::retry`], [`Store::mark_recalled`] | operator actions |
//! | [`Store::counts`] | messages per status, for `/metrics` |
//!
//! Schema (`migrations/sqlite/`): `messages` (status, idempotency key unique per API key,
//! schedule, expiry, the accepted request as JSON), `dispatches` (exact body, endpoint, dedupe
//! id, recipients, status, counted attempts, next attempt, lease owner/token/deadline, provider
//! handles), `attempts` (one row per `complete`, counted or not, with the error) and
//! `recipient_outcomes`. A message's status is derived from its dispatches in the same
//! transaction that changes them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), yizhan_store::StoreError> {
//! use yizhan_store::{Store, ListFilter};
//! let store = Store::open("sqlite://yizhan.db").await?;
//! let page = store.list(&ListFilter::default()).await?;
//! println!("{} messages on the first page", page.items.len());
//! # Ok(()) }
//! ```

mod error;
mod model;
mod record;
mod sqlite;
mod status;

use std::collections::BTreeMap;

use yizhan_core::MessageId;

pub use error::StoreError;
pub use model::{
    AcceptOutcome, AttemptError, CancelOutcome, ClaimToken, ClaimedDispatch, DispatchResult, Handles, Idempotency,
    NewDispatch, NewMessage, RecipientOutcome,
};
pub use record::{
    AttemptRecord, DEFAULT_PAGE, DispatchRecord, ListFilter, MAX_PAGE, MessageRecord, MessageSummary, Page,
};
pub use sqlite::SqliteStore;
pub use status::{DispatchStatus, MessageStatus, SUCCESS_OUTCOMES};

/// The outbox, whatever the backend. Cheap to clone.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Store {
    /// SQLite: one process, one file (or memory).
    Sqlite(SqliteStore),
}

/// Forwards a call to the backend of `self`.
macro_rules! backend {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens the store named by `url` and applies its migrations.
    ///
    /// `sqlite://path.db` (created if missing) or `sqlite::memory:`. `postgres://` is not built yet.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(SqliteStore::open(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Err(StoreError::Invalid("the PostgreSQL backend is not built yet".to_owned()))
        } else {
            Err(StoreError::Invalid(format!(
                "unsupported store URL scheme in {:?}; expected sqlite://",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        backend!(self.close())
    }

    /// Stores one message; answers only after it is committed (group commit with others).
    pub async fn accept(&self, msg: NewMessage) -> Result<AcceptOutcome, StoreError> {
        let mut out = self.accept_batch(vec![msg]).await?;
        out.pop().ok_or(StoreError::Closed)
    }

    /// Stores several messages in one transaction: all are committed, or none.
    pub async fn accept_batch(&self, msgs: Vec<NewMessage>) -> Result<Vec<AcceptOutcome>, StoreError> {
        backend!(self.submit(msgs))
    }

    /// One message with its dispatches, attempts, outcomes and handles.
    pub async fn message(&self, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
        backend!(self.message(id))
    }

    /// A page of messages, newest first; see [`ListFilter`].
    pub async fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        backend!(self.list(filter))
    }

    /// Leases up to `limit` due dispatches to `worker` for `lease_ms`.
    pub async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDispatch>, StoreError> {
        backend!(self.claim_due(worker, now_ms, lease_ms, limit))
    }

    /// Records an attempt's result; `Conflict` if the lease was lost.
    pub async fn complete(&self, claim: &ClaimToken, result: DispatchResult, now_ms: i64) -> Result<(), StoreError> {
        backend!(self.complete(claim, result, now_ms))
    }

    /// Hands a claimed dispatch back, due at once, attempt not counted.
    pub async fn release(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        backend!(self.release(claim))
    }

    /// Cancels a message if nothing was sent yet.
    pub async fn cancel(&self, id: MessageId, now_ms: i64) -> Result<CancelOutcome, StoreError> {
        backend!(self.cancel(id, now_ms))
    }

    /// Replays a dead message with the same bodies; `false` if there was nothing to replay.
    pub async fn retry(&self, id: MessageId, now_ms: i64) -> Result<bool, StoreError> {
        backend!(self.retry(id, now_ms))
    }

    /// Marks a delivered message as recalled.
    pub async fn mark_recalled(&self, id: MessageId, now_ms: i64) -> Result<(), StoreError> {
        backend!(self.mark_recalled(id, now_ms))
    }

    /// Messages per status.
    pub async fn counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        backend!(self.counts())
    }
}
