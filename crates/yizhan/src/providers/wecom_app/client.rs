//! The client of a `wecom_app` channel, built from its configuration.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_wecom::{MediaCache, WecomClient};

use crate::config::WecomAppConfig;

/// The media cache of this process: every WeCom client shares it, so one upload serves every
/// send of the same content until it is 2.5 days old (keys include the channel).
pub fn media_cache() -> MediaCache {
    static CACHE: OnceLock<MediaCache> = OnceLock::new();
    CACHE.get_or_init(MediaCache::default).clone()
}

/// The client with the given retry policy and, if given, a limit on each request; its token
/// is shared with other instances through `shared` (if any).
pub fn build(
    channel: &WecomAppConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> Result<WecomClient, yizhan_wecom::Error> {
    let mut builder = builder(channel, shared)?.retry_policy(retry);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// The builder of the client; its token is shared with other instances through `shared`.
fn builder(
    channel: &WecomAppConfig,
    shared: Option<&Arc<dyn SharedTokens>>,
) -> Result<yizhan_wecom::WecomClientBuilder, yizhan_wecom::Error> {
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
    if let Some(url) = &channel.proxy {
        builder = builder.proxy(yizhan_core::egress::proxy("proxy", url)?);
    }
    Ok(builder)
}

/// Turns on WeCom's duplicate check for a channel that has it on (the default) and a request
/// that does not set it: `enable_duplicate_check=1` with the channel's interval, or
/// `default_interval` seconds when the channel sets none. The gateway's plans use it.
pub fn apply_duplicate_check(channel: &WecomAppConfig, request: &mut yizhan_wecom::SendRequest, default_interval: u32) {
    if channel.duplicate_check && request.enable_duplicate_check.is_none() {
        request.enable_duplicate_check = Some(1);
        request.duplicate_check_interval = Some(channel.duplicate_check_interval.unwrap_or(default_interval));
    }
}

/// The client alone, outside any registry (tests and library users), with the client's own
/// retries.
pub fn standalone(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    builder(channel, None)?.build()
}

/// `wecom_app  corp_id=… agent_id=… base_url=…` (`yizhan config check`).
pub fn summary(c: &WecomAppConfig) -> String {
    format!(
        "wecom_app  corp_id={} agent_id={} base_url={}",
        c.corp_id,
        c.agent_id,
        c.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL)
    )
}

/// The URL a call to `endpoint` goes to, the token redacted.
pub fn call_url(app: &WecomAppConfig, endpoint: crate::providers::Endpoint) -> String {
    let base = app.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
    let path = match endpoint {
        crate::providers::Endpoint::WecomAppchatSend => yizhan_wecom::api::appchat::SEND_PATH,
        crate::providers::Endpoint::WecomUpdateTemplateCard => yizhan_wecom::api::update_template_card::PATH,
        _ => yizhan_wecom::api::message_send::PATH,
    };
    format!("{base}{path}?access_token=[redacted]")
}
