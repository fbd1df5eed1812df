//! The long-lived provider clients of the configured channels ([`Channels`]), built once at
//! start and shared by the worker, the HTTP handlers (recall, card update, revoke), channel
//! health and the CLI, plus the builders of one client from one channel's configuration.
//!
//! In multi-instance mode the registry is built with the shared token store, so every caller
//! of a channel (not only the worker) uses the token the instances share: a recall or card
//! update never fetches a token of its own.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret;
use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_getui::GetuiClient;
use yizhan_wecom::robot::RobotClient;
use yizhan_wecom::{MediaCache, WecomClient};

use crate::config::{ChannelConfig, Config, GetuiConfig, WecomAppConfig, WecomRobotConfig};

/// A configured channel's client.
#[derive(Debug, Clone)]
pub enum AnyClient {
    /// `wecom_app`
    WecomApp(WecomClient),
    /// `wecom_robot`
    WecomRobot(RobotClient),
    /// `getui`
    Getui(GetuiClient),
}

impl AnyClient {
    /// How long ago the client fetched its current access token; `None` when it has none
    /// cached or the channel has no token (group robots).
    pub fn token_age(&self) -> Option<Duration> {
        match self {
            AnyClient::WecomApp(c) => c.token_age(),
            AnyClient::Getui(c) => c.token_age(),
            AnyClient::WecomRobot(_) => None,
        }
    }
}

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
            let client = client(channel, shared, retries.policy(), timeout)
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
        match self.get(name)? {
            AnyClient::WecomApp(c) => Some(c),
            _ => None,
        }
    }

    /// The client of the `wecom_robot` channel `name`.
    pub fn wecom_robot(&self, name: &str) -> Option<&RobotClient> {
        match self.get(name)? {
            AnyClient::WecomRobot(c) => Some(c),
            _ => None,
        }
    }

    /// The client of the `getui` channel `name`.
    pub fn getui(&self, name: &str) -> Option<&GetuiClient> {
        match self.get(name)? {
            AnyClient::Getui(c) => Some(c),
            _ => None,
        }
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

/// The client of one channel with the given client-side retry policy and, if given, a limit
/// on each request.
fn client(
    channel: &ChannelConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> anyhow::Result<AnyClient> {
    Ok(match channel {
        ChannelConfig::WecomApp(c) => {
            let mut builder = wecom_builder(c, shared).retry_policy(retry);
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            AnyClient::WecomApp(builder.build()?)
        }
        ChannelConfig::WecomRobot(c) => {
            let mut builder = robot_builder(c).retry_policy(retry);
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            AnyClient::WecomRobot(builder.build()?)
        }
        ChannelConfig::Getui(c) => {
            let mut builder = getui_builder(c, shared).retry_policy(retry);
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            AnyClient::Getui(builder.build()?)
        }
    })
}

/// The media cache of this process: every WeCom client shares it, so one upload serves every
/// send of the same content until it is 2.5 days old (keys include the channel).
pub fn media_cache() -> MediaCache {
    static CACHE: OnceLock<MediaCache> = OnceLock::new();
    CACHE.get_or_init(MediaCache::default).clone()
}

/// The builder of a `wecom_app` channel's client; its token is shared with other instances
/// through `shared` (if any).
fn wecom_builder(channel: &WecomAppConfig, shared: Option<&Arc<dyn SharedTokens>>) -> yizhan_wecom::WecomClientBuilder {
    let mut builder = WecomClient::builder(&channel.corp_id, channel.agent_id, channel.secret.clone())
        .media_cache(media_cache())
        .allow_private_urls(channel.allow_private_urls)
        .allow_http_urls(channel.allow_http_urls);
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    }
    if let Some(store) = shared {
        builder = builder.shared_tokens(store.clone());
    }
    if let Some(ms) = channel.read_timeout_ms {
        builder = builder.read_timeout(Duration::from_millis(ms));
    }
    builder
}

/// The builder of a `wecom_robot` channel's client (pre-emptive limiting at 20 messages per
/// minute).
fn robot_builder(channel: &WecomRobotConfig) -> yizhan_wecom::robot::RobotClientBuilder {
    let mut builder = RobotClient::builder(channel.key.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    }
    builder
}

/// The builder of a `getui` channel's client; its token is shared with other instances through
/// `shared` (if any).
fn getui_builder(channel: &GetuiConfig, shared: Option<&Arc<dyn SharedTokens>>) -> yizhan_getui::GetuiClientBuilder {
    let mut builder =
        GetuiClient::builder(&channel.app_id, channel.app_key.expose_secret(), channel.master_secret.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    } else if !channel.base_urls.is_empty() {
        builder = builder.base_urls(channel.base_urls.iter().cloned());
    }
    if let Some(store) = shared {
        builder = builder.shared_tokens(store.clone());
    }
    if let Some(ms) = channel.read_timeout_ms {
        builder = builder.read_timeout(Duration::from_millis(ms));
    }
    builder
}

/// Turns on WeCom's duplicate check for a `wecom_app` channel that has it on (the default) and
/// a request that does not set it: `enable_duplicate_check=1` with the channel's interval, or
/// `default_interval` seconds when the channel sets none. The gateway's plans use it (the CLI
/// only with `--dedupe`).
pub fn apply_duplicate_check(channel: &WecomAppConfig, request: &mut yizhan_wecom::SendRequest, default_interval: u32) {
    if channel.duplicate_check && request.enable_duplicate_check.is_none() {
        request.enable_duplicate_check = Some(1);
        request.duplicate_check_interval = Some(channel.duplicate_check_interval.unwrap_or(default_interval));
    }
}

/// A `wecom_app` channel's client alone, outside any registry (tests and library users), with
/// the client's own retries.
pub fn wecom_app_client(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    wecom_builder(channel, None).build()
}
