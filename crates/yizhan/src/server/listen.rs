//! The HTTP accept loop: HTTP/1.1 with a header-read timeout (which also closes idle keep-alive
//! connections), a cap on open inbound connections, and accept errors that never stop it.
//!
//! Every open socket is a file descriptor, and so is every connection to a provider or the
//! database. Without limits, idle clients can take them all (a connection that never sends a
//! byte is kept forever), and then provider calls fail with "Too many open files". So:
//!
//! * a connection must send its request headers within `header_read_timeout`; the same timer
//!   runs between requests of a keep-alive connection, so an idle one is closed after it;
//! * at most `max_connections` inbound connections are open at once; past it, new connections
//!   wait in the kernel's backlog (no descriptor taken) until one closes. The cap is lowered to
//!   leave [`RESERVED_FDS`] descriptors under `RLIMIT_NOFILE` for everything else;
//! * an accept error such as EMFILE pauses accepting briefly instead of ending the server.
//!
//! [`raise_nofile_limit`] raises the soft descriptor limit to the hard one at start.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// Descriptors kept out of the HTTP server's reach: database connections, provider clients,
/// Redis, log files and the runtime itself.
pub const RESERVED_FDS: u64 = 128;
/// The fewest inbound connections allowed, however low the descriptor limit.
const MIN_CONNECTIONS: usize = 16;
/// How long accepting pauses after an accept error (EMFILE, ENFILE, ENOBUFS…).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Limits of the accept loop (`[server]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most inbound connections open at once.
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, and may stay idle between
    /// requests.
    pub header_read_timeout: Duration,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; the soft limit now in force.
pub fn raise_nofile_limit() -> std::io::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX)
}

/// `wanted` connections, lowered so that [`RESERVED_FDS`] stay free under the soft limit
/// `nofile` (never below 16).
pub fn connection_cap(wanted: usize, nofile: u64) -> usize {
    let room = usize::try_from(nofile.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
    wanted.min(room).max(MIN_CONNECTIONS)
}

/// Serves `app` on `listener` within `limits` until `stop` becomes true; connections then
/// finish their current request and close.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            _ = stop.wait_for(|s| *s) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection failed; pausing");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = stop.wait_for(|s| *s) => {}
            }
            // Stopping: finish the request in progress, then close.
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    // Wait for open connections to finish (each closes after its current request).
    let _ = permits.acquire_many(u32::try_from(limits.max_connections).unwrap_or(u32::MAX)).await;
    Ok(())
}

/// Errors about one connection (it was reset before we took it), not about the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_under_the_descriptor_limit() {
        assert_eq!(connection_cap(1024, 1024), 1024 - 128);
        assert_eq!(connection_cap(1024, 1_048_576), 1024);
        assert_eq!(connection_cap(1024, 256), 128);
        assert_eq!(connection_cap(1024, 100), 16, "never below 16");
    }
}
