//! Test support: the test Redis with a key prefix of the test's own and a fresh PostgreSQL
//! database (both from `yizhan_test_kit`: skipped with a reason, or failing when `CI=true`, if
//! unreachable), connected the way yizhan-shared connects, and a loopback TCP proxy that can be
//! cut.

#![allow(dead_code, unreachable_pub)]

use redis::aio::ConnectionManager;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use yizhan_test_kit::postgres::TempDatabase;
pub use yizhan_test_kit::redis::TestRedis;

/// The test Redis (its keys under [`TestRedis::prefix`] are deleted when it is dropped) and a
/// connection to it, or `None` (skip) when it is unreachable outside CI.
pub async fn redis() -> Option<(TestRedis, ConnectionManager)> {
    let redis = TestRedis::connect().await?;
    let connection = yizhan_shared::redis_connection(redis.url()).expect("a redis client for the test URL");
    Some((redis, connection))
}

/// A fresh PostgreSQL database with yizhan-shared's tables (migrated twice: it is idempotent),
/// dropped with this.
pub struct TestDb {
    pub pool: PgPool,
    _db: TempDatabase,
}

impl TestDb {
    /// A new database, or `None` (skip) when PostgreSQL is unreachable outside CI.
    pub async fn create() -> Option<TestDb> {
        let db = TempDatabase::create().await?;
        let pool = PgPoolOptions::new().max_connections(8).connect(&db.url).await.expect("connect test db");
        yizhan_shared::migrate(&pool).await.expect("migrate");
        yizhan_shared::migrate(&pool).await.expect("migrate is idempotent");
        Some(TestDb { pool, _db: db })
    }

    /// Closes the pool; the database is dropped with `self`.
    pub async fn drop_db(self) {
        self.pool.close().await;
    }
}

/// A proxy in front of the test Redis that the test can cut; see [`yizhan_emulator::CutProxy`].
pub async fn redis_proxy(redis: &TestRedis) -> yizhan_emulator::CutProxy {
    yizhan_emulator::CutProxy::start(redis.addr()).await.expect("start the proxy")
}

/// The `redis://` URL of a proxy.
pub fn proxy_url(proxy: &yizhan_emulator::CutProxy) -> String {
    format!("redis://{}", proxy.addr())
}
