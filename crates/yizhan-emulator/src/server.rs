//! The HTTP server: router, [`run`] for a caller's listener and [`Emulator::spawn`] for tests.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use yizhan_core::Clock;

use crate::config::EmulatorConfig;
use crate::handle::EmulatorHandle;
use crate::state::AppState;
use crate::{control, dingtalk, feishu, getui, wecom};

/// Starts emulators. See [`Emulator::spawn`].
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// Binds `127.0.0.1:0`, serves `config` with the system clock on a background task, and
    /// returns the handle. The server runs until [`EmulatorHandle::shutdown`] or until the
    /// Tokio runtime stops; dropping handles does not stop it.
    pub async fn spawn(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        Self::spawn_with_clock(config, Clock::System).await
    }

    /// Like [`Emulator::spawn`], with an injectable clock: token expiry, per-member windows,
    /// the duplicate check, Getui auth windows, quotas, request_id memory, scheduled pushes and
    /// inbox timestamps follow `clock` (response delays use real time).
    ///
    /// ```
    /// # async fn demo() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use yizhan_core::Clock;
    /// use yizhan_emulator::{Emulator, EmulatorConfig};
    ///
    /// let (clock, time) = Clock::manual(1_700_000_000_000);
    /// let emulator = Emulator::spawn_with_clock(EmulatorConfig::default(), clock).await?;
    /// time.advance(Duration::from_secs(7200)); // every token issued so far is now expired
    /// emulator.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn spawn_with_clock(config: EmulatorConfig, clock: Clock) -> io::Result<EmulatorHandle> {
        config.validate().map_err(invalid_input)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState::new(&config, clock));
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            if stopped.await.is_err() {
                // Every handle is gone without asking for a shutdown: keep serving.
                std::future::pending::<()>().await;
            }
        };
        let task = tokio::spawn(serve(listener, state.clone(), shutdown));
        Ok(EmulatorHandle::new(format!("http://{addr}"), state, stop, task))
    }
}

/// Serves the emulator for `config` (system clock) on `listener` until `shutdown` completes.
///
/// This is what `yizhan emulator` runs. Accepted sockets get `TCP_NODELAY`.
pub async fn run(
    listener: TcpListener,
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    config.validate().map_err(invalid_input)?;
    serve(listener, Arc::new(AppState::new(&config, Clock::System)), shutdown).await
}

fn invalid_input(e: crate::ConfigError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}

/// Largest request body accepted (8 mpnews articles of 666 KiB fit; axum's default is 2 MiB).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Every route of the emulator.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(wecom::routes())
        .merge(getui::routes())
        .merge(dingtalk::routes())
        .merge(feishu::routes())
        .merge(control::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::trace!("failed to set TCP_NODELAY: {e}");
        }
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
