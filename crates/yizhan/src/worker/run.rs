//! The delivery loop: claim due dispatches with a lease, send them concurrently, record each
//! result, and on shutdown hand back whatever is still held.
//!
//! A crashed worker needs no cleanup: its leases expire (`lease_ms`, default 60 s) and the next
//! `claim_due` of any worker takes the work over. A lease lost that way makes the late
//! `complete` a `Conflict`, which is logged and ignored.
//!
//! ```no_run
//! # async fn demo(config: yizhan::config::Config) -> anyhow::Result<()> {
//! use yizhan::worker::run::Worker;
//! let store = yizhan_store::Store::open(&config.store.url).await?;
//! let worker = Worker::new(store, &config, yizhan_core::Clock::System)?;
//! worker.run(async { tokio::signal::ctrl_c().await.ok(); }).await?;
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use yizhan_core::Clock;
use yizhan_store::{ClaimToken, ClaimedDispatch, Store};

use super::decide::ChannelRetry;
use super::execute::AnyClient;
use super::process;
use crate::config::{ChannelConfig, Config};

/// Claims due dispatches and delivers them. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    clients: HashMap<String, AnyClient>,
    rules: ChannelRetry,
    channel_rules: HashMap<String, ChannelRetry>,
    clock: Clock,
    id: String,
    concurrency: usize,
    lease_ms: i64,
    poll: Duration,
    shutdown_timeout: Duration,
    waker: Arc<Notify>,
    /// Claims taken and not yet completed, released on shutdown.
    held: Mutex<HashSet<ClaimToken>>,
}

impl Worker {
    /// A worker with a client for every configured channel (see [`crate::channels`]).
    pub fn new(store: Store, config: &Config, clock: Clock) -> anyhow::Result<Worker> {
        let mut clients = HashMap::new();
        for channel in &config.channels {
            let name = channel.name();
            let client = match channel {
                ChannelConfig::WecomApp(c) => {
                    crate::channels::wecom_client(c).map(AnyClient::WecomApp).map_err(anyhow::Error::from)
                }
                ChannelConfig::WecomRobot(c) => {
                    crate::channels::robot_client(c).map(AnyClient::WecomRobot).map_err(anyhow::Error::from)
                }
                ChannelConfig::Getui(c) => {
                    crate::channels::getui_client(c).map(AnyClient::Getui).map_err(anyhow::Error::from)
                }
            }
            .with_context(|| format!("building the client of channel {name:?}"))?;
            clients.insert(name.to_owned(), client);
        }
        let w = &config.worker;
        let rules = ChannelRetry {
            policy: yizhan_core::RetryPolicy {
                max_attempts: w.max_attempts,
                initial: Duration::from_millis(w.initial_delay_ms),
                max: Duration::from_secs(w.max_delay_secs),
                ..yizhan_core::RetryPolicy::default()
            },
            horizon: Duration::from_secs(w.horizon_secs),
            ..ChannelRetry::default()
        };
        Ok(Worker::with_clients(store, clients, clock)
            .with_rules(rules)
            .with_concurrency(w.concurrency)
            .with_lease(Duration::from_secs(w.lease_secs))
            .with_shutdown_timeout(Duration::from_secs(w.shutdown_timeout_secs)))
    }

    /// A worker with the given clients by channel name, default rules and settings.
    pub fn with_clients(store: Store, clients: HashMap<String, AnyClient>, clock: Clock) -> Worker {
        Worker {
            inner: Arc::new(Inner {
                store,
                clients,
                rules: ChannelRetry::default(),
                channel_rules: HashMap::new(),
                clock,
                id: format!("worker-{}", yizhan_core::MessageId::new()),
                concurrency: 16,
                lease_ms: 60_000,
                poll: Duration::from_millis(200),
                shutdown_timeout: Duration::from_secs(10),
                waker: Arc::new(Notify::new()),
                held: Mutex::new(HashSet::new()),
            }),
        }
    }

    fn configure(mut self, f: impl FnOnce(&mut Inner)) -> Worker {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => tracing::warn!("worker settings changed after it was cloned; ignored"),
        }
        self
    }

    /// Retry rules for every channel without rules of its own.
    pub fn with_rules(self, rules: ChannelRetry) -> Worker {
        self.configure(|i| i.rules = rules)
    }

    /// Retry rules for one channel.
    pub fn with_channel_rules(self, channel: &str, rules: ChannelRetry) -> Worker {
        self.configure(|i| {
            i.channel_rules.insert(channel.to_owned(), rules);
        })
    }

    /// The lease owner name (default `worker-<uuid>`).
    pub fn with_id(self, id: impl Into<String>) -> Worker {
        let id = id.into();
        self.configure(|i| i.id = id)
    }

    /// Dispatches in flight at once (default 16, at least 1).
    pub fn with_concurrency(self, concurrency: usize) -> Worker {
        self.configure(|i| i.concurrency = concurrency.max(1))
    }

    /// How long a claim is leased (default 60 s).
    pub fn with_lease(self, lease: Duration) -> Worker {
        self.configure(|i| i.lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
    }

    /// How long [`Worker::run`] sleeps when nothing is due (default 200 ms).
    pub fn with_poll(self, poll: Duration) -> Worker {
        self.configure(|i| i.poll = poll)
    }

    /// How long [`Worker::run`] lets in-flight sends finish on shutdown (default 10 s).
    pub fn with_shutdown_timeout(self, timeout: Duration) -> Worker {
        self.configure(|i| i.shutdown_timeout = timeout)
    }

    /// The lease owner name.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Wakes a polling [`Worker::run`] at once, for example after the API accepted a message.
    pub fn waker(&self) -> Arc<Notify> {
        self.inner.waker.clone()
    }

    /// Claims and processes until nothing is due at the clock's current time; returns how many
    /// dispatches were processed. For tests and one-shot runs.
    pub async fn run_until_idle(&self) -> anyhow::Result<usize> {
        let mut processed = 0;
        loop {
            let claims = self.claim(self.inner.concurrency).await?;
            if claims.is_empty() {
                return Ok(processed);
            }
            processed += claims.len();
            let mut tasks = JoinSet::new();
            for claimed in claims {
                tasks.spawn(self.clone().process(claimed));
            }
            while let Some(done) = tasks.join_next().await {
                done.context("a dispatch task panicked")?;
            }
        }
    }

    /// Runs until `shutdown` resolves: claims up to `concurrency` due dispatches, processes them
    /// concurrently, and sleeps `poll` (or until [`Worker::waker`] fires) when nothing is due.
    /// On shutdown it stops claiming, lets in-flight sends finish within the shutdown timeout,
    /// aborts the rest and releases every claim still held.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let inner = &self.inner;
        tracing::info!(worker = %inner.id, concurrency = inner.concurrency, "worker started");
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let free = inner.concurrency.saturating_sub(tasks.len());
            let mut busy = false;
            if free > 0 {
                match self.claim(free).await {
                    Ok(claims) => {
                        busy = claims.len() == free;
                        for claimed in claims {
                            tasks.spawn(self.clone().process(claimed));
                        }
                    }
                    Err(e) => tracing::error!(worker = %inner.id, error = %e, "claiming due dispatches failed"),
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Err(e) = done {
                        tracing::error!(worker = %inner.id, error = %e, "a dispatch task failed");
                    }
                }
                () = inner.waker.notified() => {}
                () = tokio::time::sleep(inner.poll), if !busy => {}
            }
        }
        self.shut_down(tasks).await;
        Ok(())
    }

    async fn shut_down(&self, mut tasks: JoinSet<()>) {
        let inner = &self.inner;
        tracing::info!(worker = %inner.id, in_flight = tasks.len(), "worker stopping");
        let drained =
            tokio::time::timeout(inner.shutdown_timeout, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(worker = %inner.id, aborted = tasks.len(), "in-flight sends did not finish in time");
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        let held: Vec<ClaimToken> = self.held().drain().collect();
        for claim in &held {
            match inner.store.release(claim).await {
                Ok(()) => tracing::info!(dispatch = claim.dispatch_id, "claim released"),
                Err(e) => tracing::warn!(dispatch = claim.dispatch_id, error = %e, "could not release a claim"),
            }
        }
        tracing::info!(worker = %inner.id, released = held.len(), "worker stopped");
    }

    async fn claim(&self, limit: usize) -> anyhow::Result<Vec<ClaimedDispatch>> {
        let inner = &self.inner;
        let claims = inner
            .store
            .claim_due(&inner.id, inner.clock.now_ms(), inner.lease_ms, limit)
            .await
            .context("claiming due dispatches")?;
        self.held().extend(claims.iter().map(|c| c.claim.clone()));
        Ok(claims)
    }

    async fn process(self, claimed: ClaimedDispatch) {
        let inner = &self.inner;
        tracing::debug!(
            dispatch = claimed.claim.dispatch_id,
            message = %claimed.message_id,
            channel = %claimed.channel,
            endpoint = %claimed.endpoint,
            attempts = claimed.attempts,
            "sending dispatch"
        );
        let rules = inner.channel_rules.get(&claimed.channel).unwrap_or(&inner.rules);
        let client = inner.clients.get(&claimed.channel);
        let result = process::attempt(&claimed, client, rules, || inner.clock.now_ms()).await;
        process::record(&inner.store, &claimed, result, inner.clock.now_ms()).await;
        self.held().remove(&claimed.claim);
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<ClaimToken>> {
        self.inner.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
