//! [`PgTokens`]: the shared token cache in PostgreSQL, for clusters without Redis.
//!
//! One row per application scope (hashed) in `yizhan_shared_tokens`. The lease is the row's
//! `lease_owner` / `lease_until` (database time), taken by an upsert that only overwrites a lapsed
//! lease — PostgreSQL's row lock makes concurrent takers queue, and exactly one sees its row
//! returned. Invalidation clears the value only if `value_hash` still matches.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::{PgPool, Row};
use yizhan_core::shared_token::{SharedError, SharedFuture, SharedToken, SharedTokens};

use crate::Error;
use crate::keys::hash_hex;

/// Shared tokens in PostgreSQL. Cheap to clone. Call [`migrate`](crate::migrate) first.
#[derive(Clone)]
pub struct PgTokens {
    pool: PgPool,
}

impl std::fmt::Debug for PgTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTokens").finish_non_exhaustive()
    }
}

impl PgTokens {
    /// Tokens in `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        PgTokens { pool }
    }

    async fn get_token(&self, scope: &str) -> Result<Option<SharedToken>, Error> {
        let row = sqlx::query(
            "SELECT value, expires_at_ms, refresh_at_ms FROM yizhan_shared_tokens
             WHERE scope_hash = $1 AND value IS NOT NULL",
        )
        .bind(hash_hex(scope))
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Some(SharedToken {
                value: SecretString::from(row.try_get::<String, _>("value")?),
                expires_at_ms: row.try_get("expires_at_ms")?,
                refresh_at_ms: row.try_get("refresh_at_ms")?,
            }),
            None => None,
        })
    }

    async fn take_lease(&self, scope: &str, owner: &str, ttl: Duration) -> Result<bool, Error> {
        let taken = sqlx::query(
            "INSERT INTO yizhan_shared_tokens AS t (scope_hash, lease_owner, lease_until)
             VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
             ON CONFLICT (scope_hash) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
             WHERE t.lease_until IS NULL OR t.lease_until < clock_timestamp()
             RETURNING scope_hash",
        )
        .bind(hash_hex(scope))
        .bind(owner)
        .bind(millis(ttl))
        .fetch_optional(&self.pool)
        .await?;
        Ok(taken.is_some())
    }

    async fn put_token(&self, scope: &str, owner: &str, token: &SharedToken) -> Result<(), Error> {
        let value = token.value.expose_secret();
        sqlx::query(
            "INSERT INTO yizhan_shared_tokens AS t (scope_hash, value, value_hash, expires_at_ms, refresh_at_ms)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (scope_hash) DO UPDATE SET value = excluded.value, value_hash = excluded.value_hash,
               expires_at_ms = excluded.expires_at_ms, refresh_at_ms = excluded.refresh_at_ms,
               lease_owner = CASE WHEN t.lease_owner = $6 THEN NULL ELSE t.lease_owner END,
               lease_until = CASE WHEN t.lease_owner = $6 THEN NULL ELSE t.lease_until END",
        )
        .bind(hash_hex(scope))
        .bind(value)
        .bind(hash_hex(value))
        .bind(token.expires_at_ms)
        .bind(token.refresh_at_ms)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release_lease(&self, scope: &str, owner: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE yizhan_shared_tokens SET lease_owner = NULL, lease_until = NULL
             WHERE scope_hash = $1 AND lease_owner = $2",
        )
        .bind(hash_hex(scope))
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete_if(&self, scope: &str, failed: &str) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE yizhan_shared_tokens SET value = NULL, value_hash = NULL, expires_at_ms = NULL, refresh_at_ms = NULL
             WHERE scope_hash = $1 AND value_hash = $2",
        )
        .bind(hash_hex(scope))
        .bind(hash_hex(failed))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn shared<T>(r: Result<T, Error>) -> Result<T, SharedError> {
    r.map_err(SharedError::from)
}

impl SharedTokens for PgTokens {
    fn get<'a>(&'a self, scope: &'a str) -> SharedFuture<'a, Option<SharedToken>> {
        Box::pin(async move { shared(self.get_token(scope).await) })
    }

    fn lease<'a>(&'a self, scope: &'a str, owner: &'a str, ttl: Duration) -> SharedFuture<'a, bool> {
        Box::pin(async move { shared(self.take_lease(scope, owner, ttl).await) })
    }

    fn put<'a>(
        &'a self,
        scope: &'a str,
        owner: &'a str,
        token: &'a SharedToken,
        _ttl: Duration,
    ) -> SharedFuture<'a, ()> {
        Box::pin(async move { shared(self.put_token(scope, owner, token).await) })
    }

    fn release<'a>(&'a self, scope: &'a str, owner: &'a str) -> SharedFuture<'a, ()> {
        Box::pin(async move { shared(self.release_lease(scope, owner).await) })
    }

    fn invalidate<'a>(&'a self, scope: &'a str, failed: &'a str) -> SharedFuture<'a, bool> {
        Box::pin(async move { shared(self.delete_if(scope, failed).await) })
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
