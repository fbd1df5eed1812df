//! [`SharedBackend`]: which shared store a deployment uses, chosen from its URLs.
//!
//! Redis when `redis_url` is set; otherwise PostgreSQL when the outbox is on PostgreSQL (the
//! tokens and quota rows then live next to the outbox); otherwise none (a single instance keeps
//! everything in process).

use std::sync::Arc;

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use yizhan_core::shared_token::SharedTokens;

use crate::{Error, PgTokens, PgWindows, RedisTokens, RedisWindows, SharedWindows, migrate, redis_connection};

/// The prefix of every Redis key yizhan writes.
pub const DEFAULT_REDIS_PREFIX: &str = "yizhan:";

/// A shared store for tokens and quota windows.
#[derive(Clone)]
pub enum SharedBackend {
    /// Redis (connection made lazily, re-made after failures).
    Redis {
        /// The connection shared by tokens and windows.
        connection: ConnectionManager,
        /// Key prefix.
        prefix: String,
    },
    /// The outbox's PostgreSQL database.
    Postgres(PgPool),
}

impl std::fmt::Debug for SharedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl SharedBackend {
    /// Redis if `redis_url` is set, else PostgreSQL if `store_url` is `postgres://…` (its tables
    /// are created by [`migrate`]), else `None`. Redis is not contacted here: an instance whose
    /// Redis is down at start still starts and uses local state until it is back.
    pub async fn open(redis_url: Option<&str>, store_url: &str) -> Result<Option<SharedBackend>, Error> {
        if let Some(url) = redis_url.filter(|u| !u.trim().is_empty()) {
            let connection = redis_connection(url)?;
            return Ok(Some(SharedBackend::Redis { connection, prefix: DEFAULT_REDIS_PREFIX.to_owned() }));
        }
        if store_url.starts_with("postgres://") || store_url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(4).connect(store_url).await?;
            migrate(&pool).await?;
            return Ok(Some(SharedBackend::Postgres(pool)));
        }
        Ok(None)
    }

    /// "redis" or "postgres".
    pub fn name(&self) -> &'static str {
        match self {
            SharedBackend::Redis { .. } => "redis",
            SharedBackend::Postgres(_) => "postgres",
        }
    }

    /// The shared token store, for the clients' `.shared_tokens(…)`.
    pub fn tokens(&self) -> Arc<dyn SharedTokens> {
        match self {
            SharedBackend::Redis { connection, prefix } => {
                Arc::new(RedisTokens::new(connection.clone(), prefix.clone()))
            }
            SharedBackend::Postgres(pool) => Arc::new(PgTokens::new(pool.clone())),
        }
    }

    /// The shared window store; wrap it in [`FallbackWindows`](crate::FallbackWindows).
    pub fn windows(&self) -> SharedWindows {
        match self {
            SharedBackend::Redis { connection, prefix } => {
                SharedWindows::Redis(RedisWindows::new(connection.clone(), prefix.clone()))
            }
            SharedBackend::Postgres(pool) => SharedWindows::Postgres(PgWindows::new(pool.clone())),
        }
    }
}
