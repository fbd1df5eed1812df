//! Builds provider clients from channel configuration.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use secrecy::ExposeSecret;
use yizhan_core::shared_token::SharedTokens;
use yizhan_getui::GetuiClient;
use yizhan_wecom::robot::RobotClient;
use yizhan_wecom::{MediaCache, WecomClient};

use crate::config::{GetuiConfig, WecomAppConfig, WecomRobotConfig};

/// The media cache of this process: every WeCom client shares it, so one upload serves every
/// send of the same content until it is 2.5 days old (keys include the channel).
pub fn media_cache() -> MediaCache {
    static CACHE: OnceLock<MediaCache> = OnceLock::new();
    CACHE.get_or_init(MediaCache::default).clone()
}

/// A WeCom client for a `wecom_app` channel.
pub fn wecom_client(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    wecom_client_sharing(channel, None, None)
}

/// [`wecom_client`] whose token is shared with other instances through `shared` (if any), each
/// request limited to `timeout` (default: the client's, 30 s).
pub fn wecom_client_sharing(
    channel: &WecomAppConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
    timeout: Option<Duration>,
) -> Result<WecomClient, yizhan_wecom::Error> {
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
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// A robot client for a `wecom_robot` channel (pre-emptive limiting at 20 messages per minute).
pub fn robot_client(channel: &WecomRobotConfig) -> Result<RobotClient, yizhan_wecom::Error> {
    robot_client_timed(channel, None)
}

/// [`robot_client`] with each request limited to `timeout` (default: the client's, 30 s).
pub fn robot_client_timed(
    channel: &WecomRobotConfig,
    timeout: Option<Duration>,
) -> Result<RobotClient, yizhan_wecom::Error> {
    let mut builder = RobotClient::builder(channel.key.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// A Getui client for a `getui` channel.
pub fn getui_client(channel: &GetuiConfig) -> Result<GetuiClient, yizhan_getui::Error> {
    getui_client_sharing(channel, None, None)
}

/// [`getui_client`] whose token is shared with other instances through `shared` (if any), each
/// request limited to `timeout` (default: the client's, 30 s).
pub fn getui_client_sharing(
    channel: &GetuiConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
    timeout: Option<Duration>,
) -> Result<GetuiClient, yizhan_getui::Error> {
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
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
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
