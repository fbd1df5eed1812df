//! The `feishu_bot` provider: a Feishu (飞书) or Lark custom group bot
//! (docs/dingtalk-feishu.md). Lark is the same API on another host: set `base_url`.
//!
//! Planning ([`plan`]), executing ([`execute`]), the quota of 5 messages a second and 100 a
//! minute per bot, text limits, configuration checks and its client. A bot has no token to
//! fetch, no dedupe (a resend after an ambiguous failure is never safe), no recall and no
//! coalescing; with a secret the client signs every attempt afresh.

pub(crate) mod cli;
pub mod execute;
pub mod plan;

use std::time::Duration;

use secrecy::ExposeSecret;
use yizhan_core::RetryPolicy;
use yizhan_core::window::Window;
use yizhan_feishu::FeishuClient;

use crate::config::FeishuBotConfig;
use crate::gateway::Content;
use crate::providers::{Endpoint, group_bot};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, MINUTE_MS, unit, windows};

/// The bytes of `text` or `markdown` a message carries: Feishu takes bodies of 20 KB, which
/// leaves room for the JSON (or card) around the text, the mentions and the signature.
pub const TEXT_LIMIT: usize = 18_000;
/// A second, in ms.
const SECOND_MS: i64 = 1_000;

/// The byte limit of `content` that `options.overflow` handles.
pub fn text_limit(content: &Content) -> Option<usize> {
    matches!(content, Content::Text(_) | Content::Markdown(_)).then_some(TEXT_LIMIT)
}

/// The quota scope: `feishu:<first 16 hex of SHA-256(hook_id)>`, never the hook id.
pub fn quota_scope(bot: &FeishuBotConfig) -> String {
    group_bot::scope("feishu", &bot.hook_id)
}

/// The per-call units: every message on `<scope>`, 5 a second and 100 a minute at Feishu.
pub fn quota_rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let spec = [(limits.feishu_per_second, SECOND_MS), (limits.feishu_per_minute, MINUTE_MS)];
    let bot = unit(scope.to_owned(), windows(&spec), Budget::Robot);
    (Vec::new(), bot.into_iter().collect())
}

/// The per-call budget of a call to `endpoint`.
pub fn quota_budget(endpoint: Endpoint) -> Option<Budget> {
    (endpoint == Endpoint::FeishuBotHook).then_some(Budget::Robot)
}

/// The client with the given retry policy and, if given, a limit on each request.
pub fn client(
    bot: &FeishuBotConfig,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> Result<FeishuClient, yizhan_feishu::Error> {
    let proxy = bot.proxy.as_deref().map(|url| yizhan_core::egress::proxy("proxy", url)).transpose()?;
    let mut builder = FeishuClient::builder(bot.hook_id.clone()).settings(group_bot::settings(
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

/// What `channels check` says of a bot: Feishu offers no way to test a webhook without posting
/// to the group; a wrong hook id or secret shows up as 19001 or 19021 on the first send.
pub const UNTESTABLE: &str =
    "hook_id configured (bots have no token to fetch; the hook id and secret are verified by the first send)";

/// `feishu_bot hook_id=[redacted] signed=… base_url=…` (`yizhan config check`).
pub fn summary(c: &FeishuBotConfig) -> String {
    format!(
        "feishu_bot hook_id=[redacted] signed={} keywords={} base_url={}",
        c.secret.is_some(),
        c.keywords.len(),
        c.base_url.as_deref().unwrap_or(yizhan_feishu::DEFAULT_BASE_URL)
    )
}

/// The URL of the hook, its id redacted.
pub fn call_url(bot: &FeishuBotConfig) -> String {
    let base = bot.base_url.as_deref().unwrap_or(yizhan_feishu::DEFAULT_BASE_URL);
    format!("{base}{}[redacted]", yizhan_feishu::bot_hook::PATH)
}

/// The problems of a `feishu_bot` section: `(key, message)`, never echoing a secret.
pub fn config_problems(c: &FeishuBotConfig) -> Vec<(&'static str, String)> {
    let mut problems = group_bot::problems("hook_id", &c.hook_id, "/hook/", &c.keywords);
    if c.secret.as_ref().is_some_and(|s| s.expose_secret().trim().is_empty()) {
        problems.push(("secret", "is empty: copy the secret shown under 签名校验, or leave it out".to_owned()));
    }
    problems
}
