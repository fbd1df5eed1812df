//! Test support shared by the gateway tests: a `serve` running in-process on a loopback port.

use yizhan::commands::serve::serve;
use yizhan::config::Config;
use yizhan_store::Store;

/// A gateway serving `config` (its `[store] url`) on 127.0.0.1, stopped by [`Running::stop`].
pub(crate) struct Running {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Starts `yizhan serve` for `config`.
    pub(crate) async fn start(config: Config) -> Running {
        let store = Store::open(&config.store.url).await.expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(config, store, listener, axum::Router::new(), async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve ends cleanly");
        });
        Running { base, stop, task }
    }

    /// Stops abruptly, as a killed process would: the server and worker tasks are dropped
    /// mid-flight and nothing is released (leases expire on their own).
    /// Returns once the tasks are gone, so nothing the instance held can change after it.
    #[allow(dead_code)]
    pub(crate) async fn kill(self) {
        self.task.abort();
        let ended = self.task.await;
        assert!(ended.as_ref().is_err_and(|e| e.is_cancelled()), "the killed instance was still running: {ended:?}");
    }

    /// Shuts down as SIGTERM would and waits until the server and the worker have finished.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server task");
    }
}
