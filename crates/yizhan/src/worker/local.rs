//! Failures that are this machine's, not the provider's: no file descriptor left (EMFILE,
//! ENFILE), no buffer space (ENOBUFS), no memory (ENOMEM). They say nothing about the message,
//! so they must not use up its attempts: the dispatch backs off and tries again uncounted.
//!
//! They happen when the socket is created, before anything is sent, so they are never
//! ambiguous.

use std::time::Duration;

use yizhan_core::FailureKind;

use super::execute::Failed;

/// How long a dispatch waits after a local shortage before it is tried again.
pub const LOCAL_BACKOFF: Duration = Duration::from_secs(5);

/// OS error numbers of a local shortage (Linux): ENOMEM, ENFILE, EMFILE, ENOBUFS.
const LOCAL_ERRNOS: [i32; 4] = [12, 23, 24, 105];

/// Whether `error` (or any error in its source chain) is a local resource shortage.
pub fn is_local_shortage(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.raw_os_error().is_some_and(|n| LOCAL_ERRNOS.contains(&n))
        {
            return true;
        }
        // Some layers keep only the text of the OS error.
        let text = e.to_string();
        if LOCAL_ERRNOS.iter().any(|n| text.contains(&format!("(os error {n})"))) {
            return true;
        }
        next = e.source();
    }
    false
}

/// `failed` as an uncounted back-off when `error` is a local shortage; otherwise unchanged.
pub fn or_local(failed: Failed, error: &(dyn std::error::Error + 'static)) -> Failed {
    if !is_local_shortage(error) {
        return failed;
    }
    tracing::warn!(error = %failed.message, "local resource shortage; backing off without counting the attempt");
    Failed {
        kind: FailureKind::RateLimited { retry_after: Some(LOCAL_BACKOFF) },
        code: None,
        message: format!("local resource shortage (attempt not counted): {}", failed.message),
        ambiguous: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connect failed")]
    struct Wrapper(#[source] std::io::Error);

    fn transient() -> Failed {
        Failed { kind: FailureKind::Transient, code: None, message: "m".into(), ambiguous: true }
    }

    #[test]
    fn emfile_anywhere_in_the_chain_is_local_and_uncounted() {
        let e = Wrapper(std::io::Error::from_raw_os_error(24));
        assert!(is_local_shortage(&e));
        let failed = or_local(transient(), &e);
        assert_eq!(failed.kind, FailureKind::RateLimited { retry_after: Some(LOCAL_BACKOFF) });
        assert!(!failed.ambiguous);
        let text = std::io::Error::other("error trying to connect: Too many open files (os error 24)");
        assert!(is_local_shortage(&text));
    }

    #[test]
    fn other_errors_are_left_alone() {
        let e = Wrapper(std::io::Error::from_raw_os_error(111)); // ECONNREFUSED
        assert!(!is_local_shortage(&e));
        assert_eq!(or_local(transient(), &e).kind, FailureKind::Transient);
    }
}
