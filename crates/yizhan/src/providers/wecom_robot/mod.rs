//! The `wecom_robot` provider: a WeCom group robot webhook (docs/wecom-client.md).
//!
//! Planning ([`plan`]), executing ([`execute`]), quota and text limits, and its client. A robot
//! has no token, no dedupe (a resend after an ambiguous failure is never safe), no recall and
//! no coalescing.

pub(crate) mod cli;
pub mod execute;
pub mod plan;

use std::time::Duration;

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use yizhan_core::RetryPolicy;
use yizhan_core::window::Window;
use yizhan_wecom::robot::RobotClient;

use crate::config::WecomRobotConfig;
use crate::gateway::Content;
use crate::providers::Endpoint;
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, MINUTE_MS, unit, windows};

/// WeCom robot `text`: 2048 bytes.
pub const TEXT_LIMIT: usize = 2048;
/// WeCom robot `markdown`: 4096 bytes (longer is refused with 40058).
pub const MARKDOWN_LIMIT: usize = 4096;

/// The byte limit of `content` that `options.overflow` handles.
pub fn text_limit(content: &Content) -> Option<usize> {
    match content {
        Content::Text(_) => Some(TEXT_LIMIT),
        Content::Markdown(_) => Some(MARKDOWN_LIMIT),
        _ => None,
    }
}

/// The quota scope: `robot:<first 16 hex of SHA-256(key)>`, never the key itself.
pub fn quota_scope(bot: &WecomRobotConfig) -> String {
    let digest = Sha256::digest(bot.key.expose_secret().as_bytes());
    format!("robot:{}", hex::encode(&digest[..8]))
}

/// The per-call units: every message on `<scope>` (20 per minute at WeCom).
pub fn quota_rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let robot = unit(scope.to_owned(), windows(&[(limits.robot_per_minute, MINUTE_MS)]), Budget::Robot);
    (Vec::new(), robot.into_iter().collect())
}

/// The per-call budget of a call to `endpoint`.
pub fn quota_budget(endpoint: Endpoint) -> Option<Budget> {
    (endpoint == Endpoint::WecomWebhookSend).then_some(Budget::Robot)
}

/// The client (pre-emptive limiting at 20 messages per minute) with the given retry policy and,
/// if given, a limit on each request.
pub fn client(
    bot: &WecomRobotConfig,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> Result<RobotClient, yizhan_wecom::Error> {
    let mut builder = RobotClient::builder(bot.key.clone()).retry_policy(retry);
    if let Some(url) = &bot.base_url {
        builder = builder.base_url(url);
    }
    if let Some(url) = &bot.proxy {
        builder = builder.proxy(yizhan_core::egress::proxy("proxy", url)?);
    }
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build()
}

/// What `channels check` says of a robot: WeCom offers no way to test a webhook key without
/// posting a message to the group; a wrong key shows up as errcode 93000 on the first send.
pub const UNTESTABLE: &str = "key configured (robots have no token; the key is verified by the first send)";

/// `wecom_robot key=[redacted] base_url=…` (`yizhan config check`).
pub fn summary(c: &WecomRobotConfig) -> String {
    format!("wecom_robot key=[redacted] base_url={}", c.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL))
}

/// The URL of `webhook/send`, the key redacted.
pub fn call_url(bot: &WecomRobotConfig) -> String {
    let base = bot.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
    format!("{base}{}?key=[redacted]", yizhan_wecom::api::webhook_send::PATH)
}
