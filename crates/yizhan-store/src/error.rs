//! The one error type of the store.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (I/O, lock timeout, corrupt file, lost connection…).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The message (or dispatch) does not exist.
    #[error("not found")]
    NotFound,
    /// The operation lost a race or does not fit the current state: a lease token that no longer
    /// matches, a message id used twice, a recall of a message that was not delivered.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input is not acceptable: an unknown URL scheme, a malformed cursor, a message without
    /// dispatches.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A stored value could not be decoded (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The store was closed or its writer task stopped.
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// Whether the error is a lost race that the caller may simply drop (for example a worker
    /// whose lease was taken over).
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict(_))
    }
}
