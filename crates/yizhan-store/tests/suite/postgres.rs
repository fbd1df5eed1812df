//! PostgreSQL backends for the suite: a fresh database `yz_<random>` per test, dropped when the
//! test ends, so tests run in parallel without seeing each other's rows.
//!
//! The server is `YIZHAN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! If it is unreachable the tests skip with a printed reason, unless `CI=true`: then they fail.

use sqlx::Connection as _;
use sqlx::postgres::PgConnection;
use yizhan_store::Store;

use super::Backend;

/// The admin URL tests create their databases through.
pub fn admin_url() -> String {
    std::env::var("YIZHAN_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test and dropped (connections and all) when this is dropped.
pub struct TempDatabase {
    admin: String,
    /// The database's name.
    pub name: String,
    /// The URL to connect to it.
    pub url: String,
}

impl TempDatabase {
    /// Creates a fresh database; `None` (after printing why) if PostgreSQL is unreachable and
    /// `CI` is not `true`.
    pub async fn create() -> Option<TempDatabase> {
        let admin = admin_url();
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
        let name = format!("yz_{}", uuid_simple());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let _ = conn.close().await;
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("YIZHAN_TEST_POSTGRES_URL needs a /database part: {admin}"),
        };
        Some(TempDatabase { admin, name, url })
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

fn uuid_simple() -> String {
    yizhan_core::MessageId::new().to_string().replace('-', "")
}

/// A PostgreSQL store on a fresh database; `None` if the server is unreachable (outside CI).
pub async fn postgres() -> Option<Backend> {
    let db = TempDatabase::create().await?;
    let store = Store::open(&db.url).await.expect("open the PostgreSQL store");
    Some(Backend { store, reopen_url: Some(db.url.clone()), _dir: None, _db: Some(db) })
}
