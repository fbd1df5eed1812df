//! Waiting for a state: poll a check until it holds or a deadline passes, then fail with a
//! message naming what was awaited (and the last state seen).
//!
//! Polling a state is how a test synchronises with work running elsewhere; sleeping a fixed time
//! to "let something happen" is not (it is slow when generous and flaky when not). The deadline
//! is on the tokio clock, so a test with a paused clock does not wait in real time.

use std::fmt::Debug;
use std::time::Duration;

/// How long to wait between two polls.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Polls `done` until it returns `true`.
///
/// # Panics
/// When `within` passes first, naming `what`.
pub async fn until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Polls `state` until it returns `Ok`, and returns that value; `Err` carries the state seen so
/// far, which the failure message shows.
///
/// # Panics
/// When `within` passes first, naming `what` and the last state.
pub async fn for_state<T, S: Debug>(what: &str, within: Duration, mut state: impl AsyncFnMut() -> Result<T, S>) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match state().await {
            Ok(value) => return value,
            Err(last) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "timed out after {within:?} waiting for {what}; last state: {last:#?}"
                );
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn until_returns_once_the_state_holds() {
        let polls = AtomicU32::new(0);
        until("three polls", Duration::from_secs(5), || polls.fetch_add(1, Ordering::SeqCst) == 2).await;
        assert_eq!(polls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    #[should_panic(expected = "waiting for a state that never holds")]
    async fn until_fails_naming_what_was_awaited() {
        until("a state that never holds", Duration::from_millis(30), || false).await;
    }

    #[tokio::test]
    #[should_panic(expected = "last state: 7")]
    async fn for_state_fails_showing_the_last_state() {
        for_state::<(), _>("seven to become eight", Duration::from_millis(30), async || Err(7)).await;
    }

    #[tokio::test]
    async fn for_state_returns_the_value() {
        let mut n = 0;
        let got = for_state("n to reach 3", Duration::from_secs(5), async || {
            n += 1;
            if n == 3 { Ok(n * 10) } else { Err(n) }
        })
        .await;
        assert_eq!(got, 30);
    }
}
