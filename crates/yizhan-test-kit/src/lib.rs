//! Test support shared by the yizhan crates' tests (a dev-dependency, never published):
//!
//! * [`sqlite::TempSqlite`]: a SQLite file in a temporary directory, removed afterwards, and
//!   [`temp_dir`] for other files;
//! * [`postgres::TempDatabase`]: a fresh PostgreSQL database on `YIZHAN_TEST_POSTGRES_URL`,
//!   dropped afterwards;
//! * [`redis::TestRedis`]: the Redis of `YIZHAN_TEST_REDIS_URL` with a key prefix of its own,
//!   whose keys are deleted afterwards;
//! * [`wait`]: poll a state until it holds, with a deadline and a message naming what was awaited;
//! * [`emulator`]: the provider emulator on `127.0.0.1:0`, and free loopback ports;
//! * [`python`]: second implementations in python3 for independent test vectors.
//!
//! PostgreSQL and Redis are services the machine runs (docs/scale-out.md). When one is
//! unreachable a test skips with a printed reason, unless `CI=true`: then it fails
//! ([`unavailable`]).

pub mod emulator;
pub mod postgres;
pub mod python;
pub mod redis;
pub mod sqlite;
pub mod wait;

/// Whether the tests run under CI (`CI=true`), where a missing service is a failure.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Reports that `service` (e.g. "PostgreSQL at postgres://…") cannot be used because of `why`:
/// panics under CI, otherwise prints that the test is skipped.
///
/// # Panics
/// When `CI=true`.
pub fn unavailable(service: &str, why: &str) {
    assert!(!ci(), "{service} is unreachable and CI=true: {why}");
    eprintln!("skipping: {service} is unreachable: {why}");
}

/// The temporary directory [`temp_dir`] returns.
pub use tempfile::TempDir;

/// A fresh temporary directory for a test's files (`yizhan-<what>-<random>`), removed with
/// everything in it when dropped.
///
/// # Panics
/// When it cannot be created.
pub fn temp_dir(what: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("yizhan-{what}-")).tempdir().expect("create a temporary directory")
}

/// A name no other test uses: 32 lowercase hex digits (a random UUID without dashes).
pub fn unique_name() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
