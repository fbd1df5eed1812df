//! The test Redis (`YIZHAN_TEST_REDIS_URL`, default [`DEFAULT_URL`]) with a key prefix no other
//! test uses; every key under the prefix is deleted when the [`TestRedis`] is dropped.
//!
//! Unreachable, the test skips with a printed reason, or fails under `CI=true`
//! ([`crate::unavailable`]).

use std::time::Duration;

/// The server when `YIZHAN_TEST_REDIS_URL` is not set.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

/// The test Redis URL: `YIZHAN_TEST_REDIS_URL` or [`DEFAULT_URL`].
pub fn redis_url() -> String {
    std::env::var("YIZHAN_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The test Redis, answering `PING`, and a key prefix of this test's own.
pub struct TestRedis {
    url: String,
    prefix: String,
}

impl TestRedis {
    /// Connects (at most 3 s) and checks `PING`; `None` (after printing why) if Redis is
    /// unreachable and `CI` is not `true`.
    ///
    /// # Panics
    /// When Redis is unreachable under `CI=true`.
    pub async fn connect() -> Option<TestRedis> {
        let url = redis_url();
        let ping = tokio::time::timeout(Duration::from_secs(3), ping(&url)).await;
        match ping {
            Ok(Ok(())) => Some(TestRedis { url, prefix: format!("yztest:{}:", crate::unique_name()) }),
            Ok(Err(e)) => {
                crate::unavailable(&format!("Redis at {url}"), &e.to_string());
                None
            }
            Err(_) => {
                crate::unavailable(&format!("Redis at {url}"), "no answer to PING in 3 s");
                None
            }
        }
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// This test's key prefix: `yztest:<32 hex digits>:`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The `host:port` of the server (for a proxy in front of it).
    ///
    /// # Panics
    /// When the URL is not `redis://host:port`.
    pub fn addr(&self) -> std::net::SocketAddr {
        let authority = self.url.trim_start_matches("redis://").trim_end_matches('/');
        let authority = authority.split('/').next().unwrap_or(authority);
        authority.parse().unwrap_or_else(|e| panic!("{} is not redis://host:port: {e}", self.url))
    }

    /// A new multiplexed connection.
    ///
    /// # Panics
    /// When Redis cannot be reached.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url.as_str()).expect("redis url");
        client.get_multiplexed_async_connection().await.expect("connect to redis")
    }

    /// The keys under this test's prefix.
    ///
    /// # Panics
    /// When Redis cannot be reached.
    pub async fn keys(&self) -> Vec<String> {
        let mut con = self.connection().await;
        let mut keys: Vec<String> =
            redis::cmd("KEYS").arg(format!("{}*", self.prefix)).query_async(&mut con).await.expect("KEYS");
        keys.sort();
        keys
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let url = self.url.clone();
        let pattern = format!("{}*", self.prefix);
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let deleted = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let client = redis::Client::open(url.as_str())?;
                let mut con = client.get_multiplexed_async_connection().await?;
                let keys: Vec<String> = redis::cmd("KEYS").arg(pattern).query_async(&mut con).await?;
                if !keys.is_empty() {
                    let _: i64 = redis::cmd("DEL").arg(keys).query_async(&mut con).await?;
                }
                Ok::<(), redis::RedisError>(())
            })
        })
        .join();
        if !matches!(deleted, Ok(Ok(()))) {
            eprintln!("could not delete the test keys {}*", self.prefix);
        }
    }
}

/// Connects to `url` and sends `PING`.
async fn ping(url: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut con = client.get_multiplexed_async_connection().await?;
    let _: String = redis::cmd("PING").query_async(&mut con).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_under_the_prefix_are_deleted_when_dropped() {
        let Some(redis) = TestRedis::connect().await else { return };
        let other = TestRedis::connect().await.expect("a second prefix");
        assert_ne!(redis.prefix(), other.prefix());
        let mut con = redis.connection().await;
        let key = format!("{}k", redis.prefix());
        let _: () = redis::cmd("SET").arg(&key).arg("v").query_async(&mut con).await.expect("SET");
        assert_eq!(redis.keys().await, vec![key.clone()]);
        assert!(other.keys().await.is_empty(), "prefixes do not see each other's keys");
        drop(redis);
        let exists: i64 = redis::cmd("EXISTS").arg(&key).query_async(&mut con).await.expect("EXISTS");
        assert_eq!(exists, 0);
    }
}
