//! `yizhan serve`: the HTTP API and the delivery worker in one process, on the configured store.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use yizhan_core::Clock;
use yizhan_store::{OpenOptions, Store, WebhookSource};

use crate::config::Config;
use crate::exit::Outcome;
use crate::intake::cards::update::CardUpdater;
use crate::server::listen::{Limits, connection_cap, raise_nofile_limit};
use crate::server::{AppState, router};
use crate::worker::Forwarder;
use crate::worker::run::Worker;

/// Runs the gateway until SIGINT or SIGTERM.
pub async fn run(config: Config, listen: Option<String>) -> anyhow::Result<Outcome> {
    let listen = listen.unwrap_or_else(|| config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("binding {listen}"))?;
    let options = OpenOptions { migrate: config.store.migrate, sqlite_max_size_kb: config.store.sqlite_max_size_kb };
    let store = Store::open_with_options(&config.store.url, &options)
        .await
        .with_context(|| format!("opening the {} store", store_kind(&config.store.url)))?;
    Box::pin(serve(config, store, listener, axum::Router::new(), shutdown_signal())).await
}

/// Serves on `listener` (the API plus `extra` routes) until `shutdown` resolves: stop accepting,
/// let the worker finish its in-flight sends and release its leases, then return.
pub async fn serve(
    config: Config,
    store: Store,
    listener: tokio::net::TcpListener,
    extra: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Outcome> {
    let addr: SocketAddr = listener.local_addr()?;
    let limits = connection_limits(&config);
    for unusable in &config.unavailable {
        tracing::error!(channel = %unusable.name, problem = %unusable.why, "channel not served: its configuration is incomplete");
    }
    let clock = Clock::System;
    let shared = crate::channels::shared_backend(&config).await?;
    if let Some(backend) = &shared {
        tracing::info!(backend = backend.name(), "tokens and quota counters shared with the other instances");
    }
    let worker = Worker::new_shared(store.clone(), &config, clock.clone(), shared.as_ref())?;
    let forwarder = Forwarder::new(store.clone(), &config, clock.clone());
    Box::pin(sync_webhooks(&store, &config, clock.now_ms())).await?;
    let state = AppState::for_worker(store.clone(), config, clock.clone(), &worker);
    let cards = CardUpdater::new(store.clone(), state.config.clone(), clock.clone());
    let deliverer =
        crate::events::Deliverer::new(store.clone(), &state.config, clock.clone(), state.webhook_metrics.clone())
            .map_err(anyhow::Error::msg)?;
    let sweeper = crate::retention::Sweeper::for_store(store, clock, &state.config.store, state.retention.clone());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    println!("yizhan serving on http://{addr}");
    let hub = state.events.clone();
    let hub_stop = stopped(stop_rx.clone());
    tokio::spawn(async move {
        hub_stop.await;
        hub.close();
    });
    let app = router(state).merge(extra);
    let server = crate::server::listen::serve(listener, app, limits, stop_rx.clone());
    let release = release_startup_pages(stopped(stop_rx.clone()));
    let sweep_stop = stopped(stop_rx.clone());
    let sweep = async move {
        if let Some(sweeper) = sweeper {
            sweeper.run(sweep_stop).await;
        }
    };
    let (served, worked, (), (), (), (), (), ()) = tokio::join!(
        server,
        worker.run(stopped(stop_rx.clone())),
        forwarder.run(stopped(stop_rx.clone())),
        // Boxed: its future is large, and inline it would make every caller's future large too.
        Box::pin(deliverer.run(stopped(stop_rx.clone()))),
        Box::pin(cards.run(stopped(stop_rx.clone()))),
        sweep,
        release,
        crate::memory::trim_until(stopped(stop_rx))
    );
    served.context("HTTP server")?;
    worked.context("delivery worker")?;
    println!("yizhan stopped");
    Ok(Outcome::Success)
}

/// Writes the configured webhook subscriptions (`[[webhooks]]` and every channel's
/// `callback.forward_url`) to the store, replacing those of an earlier configuration; the ones
/// created through the API stay.
async fn sync_webhooks(store: &Store, config: &Config, now_ms: i64) -> anyhow::Result<()> {
    let configured: Vec<_> = config.webhooks.iter().map(|w| w.record(now_ms)).collect();
    store.sync_webhooks(WebhookSource::Config, &configured).await.context("storing the [[webhooks]] subscriptions")?;
    let forwards = crate::config::webhooks::forward_url_subscriptions(config, now_ms);
    store.sync_webhooks(WebhookSource::ForwardUrl, &forwards).await.context("storing the forward_url subscriptions")?;
    Ok(())
}

/// Once start-up and the first rounds of the periodic tasks are over ([`memory::SETTLE`] after
/// serving began), unmaps the file pages only they touched (`memory::release_startup_pages`),
/// unless `stop` resolves first.
///
/// [`memory::SETTLE`]: crate::memory::SETTLE
async fn release_startup_pages(stop: impl Future<Output = ()>) {
    tokio::select! {
        () = stop => return,
        () = tokio::time::sleep(crate::memory::SETTLE) => {}
    }
    match tokio::task::spawn_blocking(crate::memory::release_startup_pages).await {
        Ok(Ok(kb)) => tracing::debug!(kb, "released the start-up pages of the executable and its libraries"),
        Ok(Err(e)) => tracing::debug!(error = %e, "could not release the start-up pages"),
        Err(_) => {}
    }
}

/// The accept loop's limits: the soft descriptor limit raised to the hard one, and the
/// connection cap lowered to leave room under it for everything else.
fn connection_limits(config: &Config) -> Limits {
    let nofile = match raise_nofile_limit() {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open files limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(u64::MAX, |(soft, _)| soft)
        }
    };
    let max_connections = connection_cap(config.server.max_connections, nofile);
    if max_connections < config.server.max_connections {
        tracing::warn!(
            nofile,
            max_connections,
            "inbound connections capped below [server] max_connections by the open files limit"
        );
    }
    Limits { max_connections, header_read_timeout: Duration::from_millis(config.server.header_read_timeout_ms) }
}

/// The scheme of a store URL, for messages that must not show credentials.
pub(crate) fn store_kind(url: &str) -> &str {
    url.split(':').next().unwrap_or_default()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
