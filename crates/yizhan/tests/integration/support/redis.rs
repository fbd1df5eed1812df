//! The test Redis: `YIZHAN_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`). Outside CI an
//! unreachable Redis skips the test with a printed reason; with `CI=true` it fails the test.

use std::time::Duration;

/// The test Redis URL.
pub(crate) fn redis_url() -> String {
    std::env::var("YIZHAN_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Whether Redis at `url` accepts connections; see the module docs for CI.
pub(crate) async fn redis_reachable(url: &str) -> bool {
    let addr = url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let reachable = tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(&addr))
        .await
        .is_ok_and(|c| c.is_ok());
    if !reachable {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "redis unreachable at {url} with CI=true");
        eprintln!("SKIPPED: redis unreachable at {url}; set YIZHAN_TEST_REDIS_URL");
    }
    reachable
}
