//! Configuration of the emulated Feishu/Lark custom bots (`[feishu]` in TOML).
//!
//! The default is one demo bot: hook id `yizhan-demo-feishu`, signing secret
//! `yizhan-demo-feishu-secret` (签名校验 on, no keywords, no IP list). Lark serves the same paths
//! under another host, so the same configuration stands in for both. Limits and the choices where
//! the provider is unconfirmed are explained in `docs/dingtalk-feishu.md`.
//!
//! ```
//! use yizhan_emulator::EmulatorConfig;
//!
//! let config = EmulatorConfig::from_toml(
//!     r#"
//!     [feishu]
//!     per_second = 2
//!     bots = [{ hook = "ops", keywords = ["告警"], ip_allowlist = ["127.0.0.1"] }]
//!     "#,
//! )
//! .unwrap();
//! assert_eq!(config.feishu.bots[0].secret, None);
//! assert_eq!(config.feishu.per_minute, 100); // untouched default
//! ```

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::group_bot::{check_security_lists, label};

/// Hook id of the demo Feishu bot (the last path segment of its webhook URL).
pub const DEFAULT_FEISHU_HOOK: &str = "yizhan-demo-feishu";
/// Signing secret of the demo Feishu bot.
pub const DEFAULT_FEISHU_SECRET: &str = "yizhan-demo-feishu-secret";

/// The emulated Feishu/Lark custom bots and their limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeishuConfig {
    /// The bots. Default: the demo bot. An empty list means every hook id is unknown.
    pub bots: Vec<FeishuBot>,
    /// Accepted messages per bot in any second (11232 beyond). Default: 5.
    pub per_second: u32,
    /// Accepted messages per bot in any 60 s (11232 beyond). Default: 100.
    pub per_minute: u32,
    /// Largest accepted |now − timestamp| of a signed call, in seconds. Default: 3600.
    pub timestamp_window_secs: i64,
    /// Largest accepted body in bytes (9499 beyond). Default: 20 000 (the doc says 20 KB).
    pub max_body_bytes: usize,
    /// Refuse bodies whose Content-Type is not `application/json` (9499). Default: true.
    pub require_json_content_type: bool,
    /// Accept the newer rich-text tags (`md`, `code_block`, `hr`, `emotion`, `media`) in `post`
    /// messages; whether the webhook takes them is unconfirmed. Default: false (9499).
    pub newer_post_tags: bool,
}

/// One custom bot: its hook id (required in TOML) and its optional security settings (absent
/// ones are off).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeishuBot {
    /// The hook id: `…/open-apis/bot/v2/hook/<hook>`.
    pub hook: String,
    /// The signing secret; when set, every body must carry a valid `timestamp` and `sign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Custom keywords (at most 10); when set, every message must contain one.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// IPv4 addresses or ranges (`1.2.3.4`, `1.2.3.*`, `1.2.3.0/24`, at most 10); when set,
    /// only calls from them are processed.
    #[serde(default)]
    pub ip_allowlist: Vec<String>,
}

impl fmt::Debug for FeishuBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeishuBot")
            .field("hook", &label(&self.hook))
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("keywords", &self.keywords)
            .field("ip_allowlist", &self.ip_allowlist)
            .finish()
    }
}

impl Default for FeishuConfig {
    fn default() -> Self {
        Self {
            bots: vec![FeishuBot::default()],
            per_second: 5,
            per_minute: 100,
            timestamp_window_secs: 3600,
            max_body_bytes: 20_000,
            require_json_content_type: true,
            newer_post_tags: false,
        }
    }
}

impl Default for FeishuBot {
    fn default() -> Self {
        Self::signed(DEFAULT_FEISHU_HOOK, DEFAULT_FEISHU_SECRET)
    }
}

impl FeishuBot {
    /// A bot without any security setting.
    pub fn open(hook: impl Into<String>) -> Self {
        Self { hook: hook.into(), secret: None, keywords: Vec::new(), ip_allowlist: Vec::new() }
    }

    /// A bot with signature checks on.
    pub fn signed(hook: impl Into<String>, secret: impl Into<String>) -> Self {
        Self { secret: Some(secret.into()), ..Self::open(hook) }
    }
}

impl FeishuConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        if self.per_second == 0 || self.per_minute == 0 || self.timestamp_window_secs <= 0 || self.max_body_bytes == 0 {
            return invalid(
                "feishu.per_second, per_minute, timestamp_window_secs and max_body_bytes must be at least 1".to_owned(),
            );
        }
        let mut hooks = HashSet::new();
        for bot in &self.bots {
            let hook = &bot.hook;
            if hook.is_empty() || hook.contains(|c: char| c.is_whitespace() || "/?#%".contains(c)) {
                return invalid(format!("feishu hook {hook:?} is empty or has spaces, '/', '?', '#' or '%'"));
            }
            if !hooks.insert(hook.as_str()) {
                return invalid(format!("feishu hook {hook:?} is configured twice"));
            }
            let who = format!("feishu bot {hook:?}");
            check_security_lists(&who, &bot.keywords, &bot.ip_allowlist).map_err(ConfigError::Invalid)?;
            if bot.secret.as_deref() == Some("") {
                return invalid(format!("{who}: secret must not be empty"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorConfig;
    use crate::group_bot::config_refused as invalid;

    #[test]
    fn defaults_and_checks() {
        let c = FeishuConfig::default();
        assert_eq!(c.bots, [FeishuBot::signed("yizhan-demo-feishu", "yizhan-demo-feishu-secret")]);
        assert_eq!((c.per_second, c.per_minute), (5, 100));
        assert!(c.validate().is_ok());
        assert!(EmulatorConfig::from_toml("[feishu]\nbots = [{ hook = \"open\" }]").is_ok(), "security is optional");
        assert!(invalid("[feishu]\nbots = [{ hook = \"a\" }, { hook = \"a\" }]"));
        assert!(invalid("[feishu]\nbots = [{ hook = \"a/b\" }]"));
        assert!(invalid("[feishu]\nbots = [{ hook = \"a\", secret = \"\" }]"));
        assert!(invalid("[feishu]\nbots = [{ hook = \"a\", ip_allowlist = [\"1.2.3.*/8\"] }]"));
        assert!(invalid("[feishu]\nper_second = 0"));
        let debug = format!("{:?}", FeishuBot::default());
        assert!(!debug.contains("demo-feishu") && debug.contains("<redacted>"), "{debug}");
    }
}
