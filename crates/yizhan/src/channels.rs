//! The long-lived provider clients of the configured channels ([`Channels`]), built once at
//! start and shared by the worker, the HTTP handlers (recall, card update, revoke), channel
//! health and the CLI, plus the builders of one client from one channel's configuration.
//!
//! In multi-instance mode the registry is built with the shared token store, so every caller
//! of a channel (not only the worker) uses the token the instances share: a recall or card
//! update never fetches a token of its own.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_getui::GetuiClient;
use yizhan_wecom::WecomClient;
use yizhan_wecom::robot::RobotClient;

use crate::config::{Config, WecomAppConfig};

pub use crate::providers::AnyClient;

/// Who retries a failed call: the gateway's clients leave it to the worker's `decide`
/// (one HTTP call per client call); a one-shot CLI command lets the client retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// One HTTP call per client call (plus the one token refresh a rejected token needs).
    Caller,
    /// The clients' own back-off on transient failures ([`RetryPolicy::default`]).
    Client,
}

impl Retries {
    fn policy(self) -> RetryPolicy {
        match self {
            Retries::Caller => RetryPolicy::none(),
            Retries::Client => RetryPolicy::default(),
        }
    }
}

/// Every configured channel's client by channel name. Cheap to clone: the clients (and their
/// connection pools and token caches) are shared.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    clients: Arc<HashMap<String, AnyClient>>,
}

impl Channels {
    /// A client for every usable channel of `config`; WeCom and Getui tokens are shared with
    /// the other instances through `shared` when given. The gateway's registry
    /// ([`Retries::Caller`]) limits each request to `[worker] request_timeout_ms`, the figure
    /// the lease is checked against; one-shot commands keep the clients' defaults.
    pub fn build(
        config: &Config,
        shared: Option<&Arc<dyn SharedTokens>>,
        retries: Retries,
    ) -> anyhow::Result<Channels> {
        let timeout = (retries == Retries::Caller).then(|| Duration::from_millis(config.worker.request_timeout_ms));
        let mut clients = HashMap::new();
        for channel in &config.channels {
            let name = channel.name();
            let client = AnyClient::build(channel, shared, retries.policy(), timeout)
                .with_context(|| format!("building the client of channel {name:?}"))?;
            clients.insert(name.to_owned(), client);
        }
        Ok(Channels::from_clients(clients))
    }

    /// A registry of the given clients.
    pub fn from_clients(clients: HashMap<String, AnyClient>) -> Channels {
        Channels { clients: Arc::new(clients) }
    }

    /// The registry of a one-shot CLI command: the clients retry transient failures themselves
    /// and share tokens with the running instances when the configuration names a shared store
    /// (Redis, or a PostgreSQL outbox).
    pub async fn for_command(config: &Config) -> anyhow::Result<Channels> {
        let shared = shared_backend(config).await?;
        let tokens = shared.as_ref().map(yizhan_shared::SharedBackend::tokens);
        Channels::build(config, tokens.as_ref(), Retries::Client)
    }

    /// The client of channel `name`.
    pub fn get(&self, name: &str) -> Option<&AnyClient> {
        self.clients.get(name)
    }

    /// The client of the `wecom_app` channel `name`.
    pub fn wecom_app(&self, name: &str) -> Option<&WecomClient> {
        self.get(name)?.wecom_app()
    }

    /// The client of the `wecom_robot` channel `name`.
    pub fn wecom_robot(&self, name: &str) -> Option<&RobotClient> {
        self.get(name)?.wecom_robot()
    }

    /// The client of the `getui` channel `name`.
    pub fn getui(&self, name: &str) -> Option<&GetuiClient> {
        self.get(name)?.getui()
    }

    /// How long ago `name`'s client fetched its current access token (see
    /// [`AnyClient::token_age`]); `None` also when no client is known.
    pub fn token_age(&self, name: &str) -> Option<Duration> {
        self.get(name)?.token_age()
    }
}

/// The store through which instances share tokens and quota counters: Redis when
/// `store.redis_url` is set (under `store.redis_prefix`), else the PostgreSQL outbox, else none.
pub async fn shared_backend(config: &Config) -> anyhow::Result<Option<yizhan_shared::SharedBackend>> {
    let backend = yizhan_shared::SharedBackend::open(config.store.redis_url.as_deref(), &config.store.url)
        .await
        .context("opening the shared token and quota store")?;
    Ok(backend.map(|backend| match (backend, config.store.redis_prefix.clone()) {
        (yizhan_shared::SharedBackend::Redis { connection, .. }, Some(prefix)) => {
            yizhan_shared::SharedBackend::Redis { connection, prefix }
        }
        (backend, _) => backend,
    }))
}

pub use crate::providers::wecom_app::client::{apply_duplicate_check, media_cache};

/// A `wecom_app` channel's client alone, outside any registry (tests and library users), with
/// the client's own retries.
pub fn wecom_app_client(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    crate::providers::wecom_app::client::standalone(channel)
}
