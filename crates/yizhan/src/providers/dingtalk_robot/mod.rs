//! The `dingtalk_robot` provider: a DingTalk (钉钉) custom group robot (docs/dingtalk-feishu.md).
//!
//! Planning ([`plan`]), executing ([`execute`]), the quota of 20 messages a minute per robot,
//! text limits, configuration checks and its client. A robot has no token to fetch, no dedupe
//! (a resend after an ambiguous failure is never safe), no recall and no coalescing; with a
//! 加签 secret the client signs every attempt afresh.

pub(crate) mod cli;
pub mod execute;
pub mod plan;

use std::time::Duration;

use secrecy::ExposeSecret;
use yizhan_core::RetryPolicy;
use yizhan_core::window::Window;
use yizhan_dingtalk::DingtalkClient;

use crate::config::DingtalkRobotConfig;
use crate::gateway::Content;
use crate::providers::{Endpoint, group_bot};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, MINUTE_MS, unit, windows};

/// The bytes of `text` or `markdown` a message carries: DingTalk takes bodies of 20 000 bytes,
/// which leaves room for the JSON around the text and the mentions.
pub const TEXT_LIMIT: usize = 18_000;

/// The byte limit of `content` that `options.overflow` handles.
pub fn text_limit(content: &Content) -> Option<usize> {
    matches!(content, Content::Text(_) | Content::Markdown(_)).then_some(TEXT_LIMIT)
}

/// The quota scope: `dingtalk:<first 16 hex of SHA-256(access_token)>`, never the token.
pub fn quota_scope(bot: &DingtalkRobotConfig) -> String {
    group_bot::scope("dingtalk", &bot.access_token)
}

/// The per-call units: every message on `<scope>` (20 per minute at DingTalk).
pub fn quota_rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let robot = unit(scope.to_owned(), windows(&[(limits.dingtalk_per_minute, MINUTE_MS)]), Budget::Robot);
    (Vec::new(), robot.into_iter().collect())
}

/// The per-call budget of a call to `endpoint`.
pub fn quota_budget(endpoint: Endpoint) -> Option<Budget> {
    (endpoint == Endpoint::DingtalkRobotSend).then_some(Budget::Robot)
}

/// The client with the given retry policy and, if given, a limit on each request.
pub fn client(
    bot: &DingtalkRobotConfig,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> Result<DingtalkClient, yizhan_dingtalk::Error> {
    let proxy = bot.proxy.as_deref().map(|url| yizhan_core::egress::proxy("proxy", url)).transpose()?;
    let mut builder = DingtalkClient::builder(bot.access_token.clone()).settings(group_bot::settings(
        bot.base_url.as_deref(),
        proxy,
        retry,
        timeout,
    ));
    if let Some(secret) = &bot.secret {
        builder = builder.secret(secret.clone());
    }
    builder.build()
}

/// What `channels check` says of a robot: DingTalk offers no way to test a webhook without
/// posting to the group; a wrong token or secret shows up as 300005 or 310000 on the first send.
pub const UNTESTABLE: &str =
    "access_token configured (robots have no token to fetch; the token and secret are verified by the first send)";

/// `dingtalk_robot access_token=[redacted] signed=… base_url=…` (`yizhan config check`).
pub fn summary(c: &DingtalkRobotConfig) -> String {
    format!(
        "dingtalk_robot access_token=[redacted] signed={} keywords={} base_url={}",
        c.secret.is_some(),
        c.keywords.len(),
        c.base_url.as_deref().unwrap_or(yizhan_dingtalk::DEFAULT_BASE_URL)
    )
}

/// The URL of `robot/send`, the token and signature redacted.
pub fn call_url(bot: &DingtalkRobotConfig) -> String {
    let base = bot.base_url.as_deref().unwrap_or(yizhan_dingtalk::DEFAULT_BASE_URL);
    let signed = if bot.secret.is_some() { "&timestamp=<now>&sign=[redacted]" } else { "" };
    format!("{base}{}?access_token=[redacted]{signed}", yizhan_dingtalk::robot_send::PATH)
}

/// The problems of a `dingtalk_robot` section: `(key, message)`, never echoing a secret.
pub fn config_problems(c: &DingtalkRobotConfig) -> Vec<(&'static str, String)> {
    let mut problems = group_bot::problems("access_token", &c.access_token, "access_token=", &c.keywords);
    if let Some(secret) = &c.secret
        && !secret.expose_secret().starts_with("SEC")
    {
        problems
            .push(("secret", "must be the SEC… secret shown under 加签 in the robot's security settings".to_owned()));
    }
    problems
}
