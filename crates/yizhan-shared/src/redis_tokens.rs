//! [`RedisTokens`]: the shared token cache in Redis.
//!
//! Per application scope (hashed): `{prefix}tok:{h}` is a hash (`v` value, `h` SHA-256 of the
//! value, `e` expiry, `r` refresh instant) living until the token expires; `{prefix}lease:{h}`
//! holds the fetching instance's owner id, set with `SET NX PX`. Storing releases the lease and
//! invalidation compares the value's hash, both in Lua so they are atomic.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::shared_token::{SharedError, SharedFuture, SharedToken, SharedTokens};

use crate::Error;
use crate::keys::hash_hex;

/// A Redis connection that reconnects by itself and fails fast while Redis is away.
///
/// The first connection is made lazily, so an instance starts (and delivers with local state)
/// even when Redis is down at start.
pub fn redis_connection(url: &str) -> Result<ConnectionManager, Error> {
    let client = redis::Client::open(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(Duration::from_millis(1000)))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(200));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
}

const PUT: &str = r"
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'h', ARGV[2], 'e', ARGV[3], 'r', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if redis.call('GET', KEYS[2]) == ARGV[6] then redis.call('DEL', KEYS[2]) end
return 1";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

const INVALIDATE: &str = r"
if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

/// Shared tokens in Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisTokens {
    connection: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokens").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisTokens {
    /// Tokens under keys starting with `prefix` (e.g. `yizhan:`).
    pub fn new(connection: ConnectionManager, prefix: impl Into<String>) -> Self {
        RedisTokens { connection, prefix: prefix.into() }
    }

    fn token_key(&self, scope: &str) -> String {
        format!("{}tok:{}", self.prefix, hash_hex(scope))
    }

    fn lease_key(&self, scope: &str) -> String {
        format!("{}lease:{}", self.prefix, hash_hex(scope))
    }

    async fn get_token(&self, scope: &str) -> Result<Option<SharedToken>, Error> {
        let mut con = self.connection.clone();
        let (value, expires, refresh): (Option<String>, Option<i64>, Option<i64>) =
            redis::cmd("HMGET").arg(self.token_key(scope)).arg("v").arg("e").arg("r").query_async(&mut con).await?;
        Ok(match (value, expires, refresh) {
            (Some(v), Some(expires_at_ms), Some(refresh_at_ms)) => {
                Some(SharedToken { value: SecretString::from(v), expires_at_ms, refresh_at_ms })
            }
            _ => None,
        })
    }

    async fn take_lease(&self, scope: &str, owner: &str, ttl: Duration) -> Result<bool, Error> {
        let mut con = self.connection.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.lease_key(scope))
            .arg(owner)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut con)
            .await?;
        Ok(set.is_some())
    }

    async fn put_token(&self, scope: &str, owner: &str, token: &SharedToken, ttl: Duration) -> Result<(), Error> {
        let mut con = self.connection.clone();
        let value = token.value.expose_secret();
        let _: i64 = redis::Script::new(PUT)
            .key(self.token_key(scope))
            .key(self.lease_key(scope))
            .arg(value)
            .arg(hash_hex(value))
            .arg(token.expires_at_ms)
            .arg(token.refresh_at_ms)
            .arg(millis(ttl))
            .arg(owner)
            .invoke_async(&mut con)
            .await?;
        Ok(())
    }

    async fn release_lease(&self, scope: &str, owner: &str) -> Result<(), Error> {
        let mut con = self.connection.clone();
        let _: i64 = redis::Script::new(RELEASE).key(self.lease_key(scope)).arg(owner).invoke_async(&mut con).await?;
        Ok(())
    }

    async fn delete_if(&self, scope: &str, failed: &str) -> Result<bool, Error> {
        let mut con = self.connection.clone();
        let deleted: i64 = redis::Script::new(INVALIDATE)
            .key(self.token_key(scope))
            .arg(hash_hex(failed))
            .invoke_async(&mut con)
            .await?;
        Ok(deleted > 0)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn shared<T>(r: Result<T, Error>) -> Result<T, SharedError> {
    r.map_err(SharedError::from)
}

impl SharedTokens for RedisTokens {
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
        ttl: Duration,
    ) -> SharedFuture<'a, ()> {
        Box::pin(async move { shared(self.put_token(scope, owner, token, ttl).await) })
    }

    fn release<'a>(&'a self, scope: &'a str, owner: &'a str) -> SharedFuture<'a, ()> {
        Box::pin(async move { shared(self.release_lease(scope, owner).await) })
    }

    fn invalidate<'a>(&'a self, scope: &'a str, failed: &'a str) -> SharedFuture<'a, bool> {
        Box::pin(async move { shared(self.delete_if(scope, failed).await) })
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}
