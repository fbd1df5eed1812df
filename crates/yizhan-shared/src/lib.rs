//! State that several `yizhan serve` instances share: access tokens and quota windows.
//!
//! | item | what it is |
//! |---|---|
//! | [`RedisTokens`], [`PgTokens`] | [`SharedTokens`](yizhan_core::shared_token::SharedTokens) stores: one gettoken/auth per app for the whole cluster |
//! | [`RedisWindows`], [`PgWindows`] | [`SlidingWindows`](yizhan_core::window::SlidingWindows) semantics, atomic across instances |
//! | [`FallbackWindows`] | a shared window store with conservative local quotas while it is unreachable |
//! | [`SharedBackend`] | Redis if configured, else the outbox's PostgreSQL, else none |
//! | [`migrate`] | creates this crate's PostgreSQL tables (idempotent) |
//!
//! Key names and table keys never carry a secret: application scopes and quota keys (a robot's
//! key is a secret) are stored as SHA-256 hashes. Token values are stored (they must be shared)
//! but never logged, and `Debug` is redacted.

mod backend;
mod fallback;
mod keys;
mod pg_tokens;
mod pg_windows;
mod redis_tokens;
mod redis_windows;
mod schema;

pub use backend::{DEFAULT_REDIS_PREFIX, SharedBackend};
pub use fallback::{DEFAULT_EXPECTED_INSTANCES, DEFAULT_RETRY_AFTER_MS, FallbackWindows, SharedWindows};
pub use pg_tokens::PgTokens;
pub use pg_windows::PgWindows;
pub use redis_tokens::{RedisTokens, redis_connection};
pub use redis_windows::RedisWindows;
pub use schema::migrate;

/// A shared store did not answer. Messages carry the backend's error, never a token or a URL
/// with a password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Redis failed (unreachable, timeout, script error).
    #[error("redis: {0}")]
    Redis(String),
    /// PostgreSQL failed.
    #[error("postgres: {0}")]
    Postgres(String),
}

impl From<redis::RedisError> for Error {
    fn from(e: redis::RedisError) -> Self {
        Error::Redis(e.to_string())
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Postgres(e.to_string())
    }
}

impl From<Error> for yizhan_core::shared_token::SharedError {
    fn from(e: Error) -> Self {
        yizhan_core::shared_token::SharedError(e.to_string())
    }
}
