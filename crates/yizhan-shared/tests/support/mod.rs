//! Test support: Redis and PostgreSQL from the environment (skip with a reason, or fail when
//! `CI=true`), unique key prefixes and databases, and a loopback TCP proxy that can be cut.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn unavailable(what: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what} unreachable with CI=true: {why}");
    }
    eprintln!("SKIPPED: {what} unreachable ({why}); set YIZHAN_TEST_{}_URL", what.to_uppercase());
}

pub fn redis_url() -> String {
    std::env::var("YIZHAN_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned())
}

/// A connection to the test Redis, or `None` (skip) when it is unreachable outside CI.
pub async fn redis() -> Option<ConnectionManager> {
    let url = redis_url();
    let connection = match yizhan_shared::redis_connection(&url) {
        Ok(c) => c,
        Err(e) => {
            unavailable("redis", &e.to_string());
            return None;
        }
    };
    let mut probe = connection.clone();
    match redis::cmd("PING").query_async::<String>(&mut probe).await {
        Ok(_) => Some(connection),
        Err(e) => {
            unavailable("redis", &e.to_string());
            None
        }
    }
}

/// A key prefix no other test (or helper) uses.
pub fn unique_prefix() -> String {
    format!("yztest:{}:", uuid::Uuid::new_v4().simple())
}

/// Deletes every key under `prefix`.
pub async fn drop_prefix(connection: &ConnectionManager, prefix: &str) {
    let mut con = connection.clone();
    let keys: Vec<String> =
        redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut con).await.unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query_async(&mut con).await;
    }
}

/// A fresh PostgreSQL database, migrated; dropped by [`TestDb::drop_db`].
pub struct TestDb {
    pub pool: PgPool,
    admin: PgPool,
    name: String,
}

impl TestDb {
    /// A new database `yz_shared_<random>`, or `None` (skip) when PostgreSQL is unreachable.
    pub async fn create() -> Option<TestDb> {
        let url = std::env::var("YIZHAN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let admin = match PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(&url)
            .await
        {
            Ok(pool) => pool,
            Err(e) => {
                unavailable("postgres", &e.to_string());
                return None;
            }
        };
        let name = format!("yz_shared_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create database");
        let mut url = url::Url::parse(&url).expect("postgres url");
        url.set_path(&name);
        let pool = PgPoolOptions::new().max_connections(8).connect(url.as_str()).await.expect("connect test db");
        yizhan_shared::migrate(&pool).await.expect("migrate");
        yizhan_shared::migrate(&pool).await.expect("migrate is idempotent");
        Some(TestDb { pool, admin, name })
    }

    pub async fn drop_db(self) {
        self.pool.close().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&self.admin)
            .await;
    }
}

/// A Redis proxy the test can cut; see [`yizhan_emulator::CutProxy`].
pub async fn redis_proxy() -> yizhan_emulator::CutProxy {
    yizhan_emulator::CutProxy::start(redis_addr(&redis_url())).await.expect("start the proxy")
}

/// The `redis://` URL of a proxy.
pub fn proxy_url(proxy: &yizhan_emulator::CutProxy) -> String {
    format!("redis://{}", proxy.addr())
}

/// The socket address of a `redis://host:port` URL.
pub fn redis_addr(url: &str) -> SocketAddr {
    let parsed = url::Url::parse(url).expect("redis url");
    let host = parsed.host_str().unwrap_or("127.0.0.1");
    let port = parsed.port().unwrap_or(6379);
    format!("{host}:{port}").parse().expect("redis addr is host:port")
}
