//! [`DueSignal`]: wakes a worker when another instance (or this one) made work due.

use std::time::Duration;

/// How long [`DueSignal::next`] waits after the listener failed before it reports a wake-up (the
/// worker then claims by polling, and the next call reconnects).
const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// Resolves when work may have become due, from any instance sharing the store.
///
/// On PostgreSQL it is a `LISTEN` on [`crate::DUE_CHANNEL`], which every accept, release and
/// replay `NOTIFY`s at commit. On SQLite (one process) it never fires: the worker's in-process
/// waker and its polling cover everything. Workers must keep polling either way: a
/// notification sent while the listener was reconnecting is lost.
#[derive(Debug)]
pub struct DueSignal {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Never,
    Postgres(Box<sqlx::postgres::PgListener>),
}

impl DueSignal {
    /// A signal that never fires.
    pub fn never() -> DueSignal {
        DueSignal { inner: Inner::Never }
    }

    pub(crate) fn postgres(listener: sqlx::postgres::PgListener) -> DueSignal {
        DueSignal { inner: Inner::Postgres(Box::new(listener)) }
    }

    /// Whether this signal can fire at all (false on SQLite).
    pub fn is_live(&self) -> bool {
        matches!(self.inner, Inner::Postgres(_))
    }

    /// Waits for the next notification; notifications already queued are folded into one
    /// wake-up. Cancel-safe: dropping the future loses no notification.
    pub async fn next(&mut self) {
        match &mut self.inner {
            Inner::Never => std::future::pending().await,
            Inner::Postgres(listener) => match listener.recv().await {
                Ok(_) => while listener.next_buffered().is_some() {},
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN for due work failed; polling until it reconnects");
                    tokio::time::sleep(LISTEN_RETRY).await;
                }
            },
        }
    }
}
