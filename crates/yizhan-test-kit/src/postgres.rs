//! A fresh PostgreSQL database per test (`yz_<random>`), dropped with its connections when the
//! test ends, so tests run in parallel without seeing each other's rows.
//!
//! The server is `YIZHAN_TEST_POSTGRES_URL` (default [`DEFAULT_URL`]); unreachable, the test
//! skips with a printed reason, or fails under `CI=true` ([`crate::unavailable`]).

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

/// The server when `YIZHAN_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The URL tests create their databases through: `YIZHAN_TEST_POSTGRES_URL` or [`DEFAULT_URL`].
pub fn admin_url() -> String {
    std::env::var("YIZHAN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// A database created for one test and dropped (connections and all) when this is dropped.
pub struct TempDatabase {
    admin: String,
    /// The database's name (`yz_<32 hex digits>`).
    pub name: String,
    /// The URL to connect to it.
    pub url: String,
}

impl TempDatabase {
    /// Creates a fresh, empty database; `None` (after printing why) if PostgreSQL is unreachable
    /// and `CI` is not `true`.
    ///
    /// # Panics
    /// When PostgreSQL is unreachable under `CI=true`, or refuses to create the database.
    pub async fn create() -> Option<TempDatabase> {
        let admin = admin_url();
        let mut conn = match PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => {
                crate::unavailable(&format!("PostgreSQL at {admin}"), &e.to_string());
                return None;
            }
        };
        let name = format!("yz_{}", crate::unique_name());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let Some((base, _)) = admin.rsplit_once('/') else {
            panic!("YIZHAN_TEST_POSTGRES_URL needs a /database part: {admin}");
        };
        let url = format!("{base}/{name}");
        Some(TempDatabase { admin, name, url })
    }

    /// A direct connection, for looking at rows the code under test does not show.
    ///
    /// # Panics
    /// When the database cannot be reached.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let mut conn = PgConnection::connect(&admin).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await?;
                conn.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_exists_until_dropped() {
        let Some(db) = TempDatabase::create().await else { return };
        let name = db.name.clone();
        let mut conn = db.connect().await;
        let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(&mut conn).await.expect("query");
        assert_eq!(one, 1);
        conn.close().await.expect("close");
        drop(db);
        let mut admin = PgConnection::connect(&admin_url()).await.expect("admin");
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("query");
        assert_eq!(left, 0, "{name} was dropped");
    }
}
