//! PostgreSQL backends for the suite: a fresh database `yz_<random>` per test, dropped when the
//! test ends, so tests run in parallel without seeing each other's rows.
//!
//! The databases come from `yizhan_test_kit::postgres` (`YIZHAN_TEST_POSTGRES_URL`; unreachable,
//! the tests skip with a printed reason, unless `CI=true`: then they fail).

use yizhan_store::Store;
pub use yizhan_test_kit::postgres::TempDatabase;

use super::Backend;

/// A PostgreSQL store on a fresh database; `None` if the server is unreachable (outside CI).
pub async fn postgres() -> Option<Backend> {
    let db = TempDatabase::create().await?;
    let store = Store::open(&db.url).await.expect("open the PostgreSQL store");
    Some(Backend { store, reopen_url: Some(db.url.clone()), _dir: None, _db: Some(db) })
}
