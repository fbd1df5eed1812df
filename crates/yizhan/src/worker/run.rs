//! The delivery loop: claim due dispatches with a lease, send them concurrently, record each
//! result, and on shutdown hand back whatever is still held.
//!
//! A crashed worker needs no cleanup: its leases expire (`lease_ms`, default 60 s) and the next
//! `claim_due` of any worker takes the work over. A live worker renews the leases of the sends
//! it still runs every third of the lease ([`Store::renew_leases`]), so a slow provider call is
//! never taken over, and it never claims one of its own sends again. A lease lost anyway (the
//! store unreachable for a whole lease) is logged at WARN, and the late `complete` is refused
//! as a `Conflict` (logged and ignored): a result is never recorded over another claim.
//!
//! Besides polling and the in-process [`Worker::waker`], the loop listens to the store's
//! [`yizhan_store::DueSignal`]: on PostgreSQL an accept on any instance wakes every worker.
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
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use yizhan_core::Clock;
use yizhan_store::{ClaimToken, ClaimedDispatch, DueSignal, Handoff, Store};

use super::decide::ChannelRetry;
use super::defer;
use super::health::ChannelHealth;
use super::{coalesce, process, repeat};
use crate::channels::{AnyClient, Channels, Retries};
use crate::config::Config;
use crate::shaping::{QuotaLedger, Shaping};
use lease::Unheld;

mod hot;
mod lease;

/// Claims due dispatches and delivers them. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    channels: Channels,
    rules: ChannelRetry,
    channel_rules: HashMap<String, ChannelRetry>,
    clock: Clock,
    id: String,
    concurrency: usize,
    lease_ms: i64,
    poll: Duration,
    shutdown_timeout: Duration,
    waker: Arc<Notify>,
    health: ChannelHealth,
    /// Coalescing (see [`super::coalesce`]): how long a leader waits for identical messages;
    /// `None` disables it.
    coalesce_window: Option<Duration>,
    /// Claims taken and not yet completed, released on shutdown.
    held: Mutex<HashSet<ClaimToken>>,
    /// The quota ledger consulted before every send.
    shaping: Arc<Shaping>,
    /// Channels whose delivered answers are not checked for another message's msgid
    /// (`duplicate_msgid_check = false`; see [`super::repeat::record_delivery`]).
    no_msgid_check: HashSet<String>,
    /// How many claims the store has answered ([`Worker::claims_answered`]).
    claims_answered: AtomicU64,
    /// The hot path of a running worker: dispatches its store's accepts leased to it, queued in
    /// memory (see [`hot`]).
    hot: Mutex<Option<Handoff>>,
}

impl Worker {
    /// A worker with a client for every configured channel (see [`crate::channels`]).
    pub fn new(store: Store, config: &Config, clock: Clock) -> anyhow::Result<Worker> {
        Worker::new_shared(store, config, clock, None)
    }

    /// [`Worker::new`] for one of several instances: its WeCom and Getui clients share their
    /// tokens, and its quota ledger its counters, with the other instances through `shared`
    /// (Redis or PostgreSQL; see `yizhan_shared`). `None`: everything in process.
    pub fn new_shared(
        store: Store,
        config: &Config,
        clock: Clock,
        shared: Option<&yizhan_shared::SharedBackend>,
    ) -> anyhow::Result<Worker> {
        let tokens = shared.map(yizhan_shared::SharedBackend::tokens);
        let channels = Channels::build(config, tokens.as_ref(), Retries::Caller)?;
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
        Ok(Worker::with_channels(store, channels, clock)
            .with_shaping(Arc::new(match shared {
                Some(backend) => {
                    let windows = yizhan_shared::FallbackWindows::new(backend.windows())
                        .expected_instances(config.store.expected_instances);
                    Shaping::new_on(config, QuotaLedger::Shared(windows))
                }
                None => Shaping::new(config),
            }))
            .with_rules(rules)
            .with_id(format!("{}-{}", w.name, yizhan_core::MessageId::new()))
            .with_concurrency(w.concurrency)
            .with_lease(Duration::from_secs(w.lease_secs))
            .with_shutdown_timeout(Duration::from_secs(w.shutdown_timeout_secs))
            .with_coalescing(
                (config.shaping.coalesce_window_ms > 0)
                    .then(|| Duration::from_millis(config.shaping.coalesce_window_ms)),
            )
            .configure(|i| {
                i.no_msgid_check = config
                    .channels
                    .iter()
                    .filter(|c| c.wecom_app().is_some_and(|app| !app.duplicate_msgid_check))
                    .map(|c| c.name().to_owned())
                    .collect();
            }))
    }

    /// A worker with the given clients by channel name, default rules and settings.
    pub fn with_clients(store: Store, clients: HashMap<String, AnyClient>, clock: Clock) -> Worker {
        Worker::with_channels(store, Channels::from_clients(clients), clock)
    }

    /// A worker sending through `channels`, with default rules and settings.
    pub fn with_channels(store: Store, channels: Channels, clock: Clock) -> Worker {
        Worker {
            inner: Arc::new(Inner {
                store,
                health: ChannelHealth::new(channels.clone()),
                channels,
                rules: ChannelRetry::default(),
                channel_rules: HashMap::new(),
                clock,
                id: format!("worker-{}", yizhan_core::MessageId::new()),
                concurrency: 16,
                lease_ms: 60_000,
                poll: Duration::from_millis(200),
                shutdown_timeout: Duration::from_secs(10),
                waker: Arc::new(Notify::new()),
                coalesce_window: None,
                held: Mutex::new(HashSet::new()),
                shaping: Arc::new(Shaping::disabled()),
                no_msgid_check: HashSet::new(),
                claims_answered: AtomicU64::new(0),
                hot: Mutex::new(None),
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

    /// The quota ledger and rules (default: none, every dispatch is sent as claimed;
    /// [`Worker::new`] uses the configuration's).
    pub fn with_shaping(self, shaping: Arc<Shaping>) -> Worker {
        self.configure(|i| i.shaping = shaping)
    }

    /// The quota ledger, shared with the HTTP service for `/metrics` and usage.
    pub fn shaping(&self) -> Arc<Shaping> {
        self.inner.shaping.clone()
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

    /// Coalesce identical dispatches, a leader waiting up to `window` after its acceptance for
    /// others to join (default `None`: off; [`Worker::new`] takes `[shaping] coalesce_window_ms`).
    pub fn with_coalescing(self, window: Option<Duration>) -> Worker {
        self.configure(|i| i.coalesce_window = window)
    }

    /// The lease owner name.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Wakes a polling [`Worker::run`] at once, for example after the API accepted a message.
    pub fn waker(&self) -> Arc<Notify> {
        self.inner.waker.clone()
    }

    /// How many times the store has answered this worker's claim for due work (empty answers
    /// included). Once [`Worker::run`] has had its first answer it waits for a wake-up, the
    /// store's due signal or the poll interval before it claims again: a test that sees the count
    /// stay put knows what woke the worker.
    pub fn claims_answered(&self) -> u64 {
        self.inner.claims_answered.load(Ordering::SeqCst)
    }

    /// The channels' clients this worker sends through (shared with the HTTP handlers).
    pub fn channels(&self) -> Channels {
        self.inner.channels.clone()
    }

    /// The per-channel health this worker records (for `GET /v1/channels`).
    pub fn health(&self) -> ChannelHealth {
        self.inner.health.clone()
    }

    /// Claims and processes until nothing is due at the clock's current time; returns how many
    /// dispatches were processed. For tests and one-shot runs.
    pub async fn run_until_idle(&self) -> anyhow::Result<usize> {
        let _renewal = self.keep_leases();
        let mut processed = 0;
        loop {
            let claims = self.claim(self.inner.concurrency).await?;
            if claims.is_empty() {
                return Ok(processed);
            }
            processed += claims.len();
            let mut tasks = JoinSet::new();
            for (claimed, also) in self.groups(claims) {
                tasks.spawn(self.clone().process(claimed, also));
            }
            while let Some(done) = tasks.join_next().await {
                done.context("a dispatch task panicked")?;
            }
        }
    }

    /// Runs until `shutdown` resolves: takes the dispatches its store's accepts hand it in
    /// memory ([`hot`]), claims up to `concurrency` due dispatches from the store when there may
    /// be any (at start, every `poll`, when [`Worker::waker`] or the store's due signal fires,
    /// when the store left accepted work for claims, after a claimed send), topping up once at
    /// least half of the slots are free, and processes them concurrently. On shutdown it stops
    /// taking work, lets in-flight sends finish within the shutdown timeout, aborts the rest and
    /// releases every claim still held or queued.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let inner = &self.inner;
        tracing::info!(worker = %inner.id, concurrency = inner.concurrency, "worker started");
        let mut tasks: JoinSet<bool> = JoinSet::new();
        let hot = self.start_hot_path();
        let _renewal = self.keep_leases();
        let mut due = inner.store.due_signal().await.unwrap_or_else(|e| {
            tracing::warn!(worker = %inner.id, error = %e, "no due-work notifications; polling only");
            DueSignal::never()
        });
        tokio::pin!(shutdown);
        let mut claim_wanted = true;
        loop {
            let free = inner.concurrency.saturating_sub(tasks.len());
            let mut busy = false;
            // Claim in batches: refill only once half the slots are free (or nothing runs), so
            // one claim transaction serves many sends instead of one per finished send.
            if claim_wanted && free > 0 && (tasks.is_empty() || free >= inner.concurrency.div_ceil(2)) {
                match self.claim(free).await {
                    Ok(claims) => {
                        busy = claims.len() == free;
                        for (claimed, also) in self.groups(claims) {
                            let worker = self.clone();
                            tasks.spawn(async move {
                                worker.process(claimed, also).await;
                                true
                            });
                        }
                    }
                    Err(e) => tracing::error!(worker = %inner.id, error = %e, "claiming due dispatches failed"),
                }
                claim_wanted = busy;
            }
            if let Some(hot) = &hot {
                // While the store is owed a claim, half of the slots stay free for it.
                let keep = if claim_wanted { inner.concurrency.div_ceil(2) } else { 0 };
                self.take_handed(hot, &mut tasks, inner.concurrency.saturating_sub(keep));
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(done) = tasks.join_next(), if !tasks.is_empty() => match done {
                    Ok(claim_after) => claim_wanted |= claim_after,
                    Err(e) => tracing::error!(worker = %inner.id, error = %e, "a dispatch task failed"),
                },
                () = hot::ready(hot.as_ref()) => {
                    claim_wanted |= hot.as_ref().is_some_and(Handoff::take_left_behind);
                }
                () = inner.waker.notified() => claim_wanted = true,
                () = due.next() => claim_wanted = true,
                () = tokio::time::sleep(inner.poll), if !busy => claim_wanted = true,
            }
        }
        self.shut_down(tasks, hot).await;
        Ok(())
    }

    async fn shut_down(&self, mut tasks: JoinSet<bool>, hot: Option<Handoff>) {
        let inner = &self.inner;
        tracing::info!(worker = %inner.id, in_flight = tasks.len(), "worker stopping");
        // Accepts stop handing work over; what is queued and not started is released below.
        let queued = self.stop_hot_path(hot).await;
        let drained =
            tokio::time::timeout(inner.shutdown_timeout, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!(worker = %inner.id, aborted = tasks.len(), "in-flight sends did not finish in time");
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        let mut held: Vec<ClaimToken> = self.held().drain().collect();
        held.extend(queued);
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
        // Before the first send: take the units of recent sends again, so a restart does not
        // forget what the providers still count.
        inner
            .shaping
            .rebuild_once(&inner.store, inner.clock.now_ms())
            .await
            .context("rebuilding the quota ledger from the outbox")?;
        let now_ms = inner.clock.now_ms();
        // Never take over a dispatch this worker is still sending (or holds queued), whatever
        // its lease says.
        let sending: Vec<i64> = self.held_or_queued().iter().map(|c| c.dispatch_id).collect();
        let claims = inner.store.claim_due_except(&inner.id, now_ms, inner.lease_ms, limit, &sending).await;
        inner.claims_answered.fetch_add(1, Ordering::SeqCst);
        let mut claims = claims.context("claiming due dispatches")?;
        self.held().extend(claims.iter().map(|c| c.claim.clone()));
        if let Some(window) = inner.coalesce_window {
            coalesce::drop_lonely_keys(&inner.store, &mut claims, window, now_ms).await;
        }
        Ok(claims)
    }

    /// Claims grouped for coalescing: (leader, the rest of its group).
    fn groups(&self, claims: Vec<ClaimedDispatch>) -> Vec<(ClaimedDispatch, Vec<ClaimedDispatch>)> {
        match self.inner.coalesce_window {
            Some(_) => coalesce::group(claims),
            None => claims.into_iter().map(|c| (c, Vec::new())).collect(),
        }
    }

    async fn process(self, mut claimed: ClaimedDispatch, also: Vec<ClaimedDispatch>) {
        let _unheld_on_panic = Unheld { worker: &self, claim: claimed.claim.clone() };
        let inner = &self.inner;
        if let Some(result) = repeat::before_send(&inner.store, &mut claimed, inner.clock.now_ms()).await {
            process::record(&inner.store, &claimed, result, inner.clock.now_ms()).await;
            self.held().remove(&claimed.claim);
            return;
        }
        let mut claimed = match inner.coalesce_window {
            Some(window) if claimed.coalesce_key.is_some() => {
                let leader = claimed.claim.dispatch_id;
                let (merged, rest) =
                    coalesce::merge(&inner.store, claimed, also.clone(), window, || inner.clock.now_ms()).await;
                for left in &rest {
                    if let Err(e) = inner.store.release(&left.claim).await {
                        tracing::warn!(dispatch = left.claim.dispatch_id, error = %e, "could not release a claim");
                    }
                }
                let mut held = self.held();
                for c in &also {
                    held.remove(&c.claim);
                }
                drop(held);
                debug_assert_eq!(merged.claim.dispatch_id, leader);
                merged
            }
            _ => claimed,
        };
        if let Some(result) = defer::admit(&inner.shaping, &inner.store, &mut claimed, inner.clock.now_ms()).await {
            process::record(&inner.store, &claimed, result, inner.clock.now_ms()).await;
            self.held().remove(&claimed.claim);
            return;
        }
        tracing::debug!(
            dispatch = claimed.claim.dispatch_id,
            message_id = %claimed.message_id,
            channel = %claimed.channel,
            endpoint = %claimed.endpoint,
            attempts = claimed.attempts,
            "sending dispatch"
        );
        let rules = inner.channel_rules.get(&claimed.channel).unwrap_or(&inner.rules);
        let client = inner.channels.get(&claimed.channel);
        let mut result = process::attempt(&claimed, client, rules, || inner.clock.now_ms()).await;
        if inner.no_msgid_check.contains(&claimed.channel) {
            process::record(&inner.store, &claimed, result.clone(), inner.clock.now_ms()).await;
        } else {
            result = repeat::record_delivery(&inner.store, &mut claimed, result, inner.clock.now_ms()).await;
        }
        match &result {
            yizhan_store::DispatchResult::Delivered { .. } => {
                inner.health.success(&claimed.channel, inner.clock.now_ms())
            }
            yizhan_store::DispatchResult::Retry { error, .. } | yizhan_store::DispatchResult::Dead { error, .. } => {
                inner.health.failure(&claimed.channel, inner.clock.now_ms(), error.code, &error.message);
            }
        }
        self.held().remove(&claimed.claim);
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<ClaimToken>> {
        self.inner.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
