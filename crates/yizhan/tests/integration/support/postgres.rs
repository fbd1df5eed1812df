//! A fresh PostgreSQL database per test (`yz_<random>`), dropped when the test ends.
//!
//! The server is `YIZHAN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! Unreachable: the test skips with a printed reason, unless `CI=true`, when it fails.

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

/// A database created for one test, dropped (with its connections) when this is dropped.
pub(crate) struct TempDatabase {
    admin: String,
    name: String,
    /// The URL to connect to it.
    pub(crate) url: String,
}

impl TempDatabase {
    /// Creates a fresh database; `None` (after printing why) if PostgreSQL is unreachable and
    /// `CI` is not `true`.
    pub(crate) async fn create() -> Option<TempDatabase> {
        let admin = std::env::var("YIZHAN_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut conn = match PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL at {admin} is unreachable and CI=true: {e}");
                }
                eprintln!("skipping: PostgreSQL at {admin} is unreachable: {e}");
                return None;
            }
        };
        let name = format!("yz_{}", yizhan_core::MessageId::new().to_string().replace('-', ""));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let (base, _) = admin.rsplit_once('/').expect("YIZHAN_TEST_POSTGRES_URL needs a /database part");
        let url = format!("{base}/{name}");
        Some(TempDatabase { admin, name, url })
    }

    /// A direct connection, for looking at rows the API does not show.
    pub(crate) async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
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
