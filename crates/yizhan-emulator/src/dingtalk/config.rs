//! Configuration of the emulated DingTalk custom robots (`[dingtalk]` in TOML).
//!
//! The default is one demo robot: access token `yizhan-demo-dingtalk`, signing secret
//! `SECyizhan-demo-dingtalk-secret` (加签 on, no keywords, no IP list). Limits and the choices
//! where the provider is unconfirmed are explained in `docs/dingtalk-feishu.md`.
//!
//! ```
//! use yizhan_emulator::{DingtalkRobotStatus, EmulatorConfig};
//!
//! let config = EmulatorConfig::from_toml(
//!     r#"
//!     [dingtalk]
//!     robots = [
//!       { access_token = "ops", keywords = ["告警"] },
//!       { access_token = "old", secret = "SECold", status = "disabled" },
//!     ]
//!     "#,
//! )
//! .unwrap();
//! assert_eq!(config.dingtalk.robots[1].status, DingtalkRobotStatus::Disabled);
//! assert_eq!(config.dingtalk.per_minute, 20); // untouched default
//! ```

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::group_bot::check_security_lists;

/// Access token of the demo DingTalk robot.
pub const DEFAULT_DINGTALK_ACCESS_TOKEN: &str = "yizhan-demo-dingtalk";
/// Signing secret (加签) of the demo DingTalk robot.
pub const DEFAULT_DINGTALK_SECRET: &str = "SECyizhan-demo-dingtalk-secret";

/// The emulated DingTalk custom robots and their limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DingtalkConfig {
    /// The robots. Default: the demo robot. An empty list means every token is unknown.
    pub robots: Vec<DingtalkRobot>,
    /// Accepted messages per robot in any 60 s. Default: 20.
    pub per_minute: u32,
    /// How long a robot stays throttled after going over `per_minute`, in seconds. Default: 600.
    pub throttle_secs: u64,
    /// The errcode of a throttled call: 410100 (doc table, default) or 130101 (seen in the wild).
    pub rate_limit_code: i64,
    /// The errcode for a missing or unknown `access_token`: 300005 (recent probes, default),
    /// 300001 (older servers) or 400101 (doc table).
    pub unknown_token_code: i64,
    /// Largest accepted |now − timestamp| of a signed call, in ms. Default: 3 600 000 (1 hour).
    pub timestamp_window_ms: i64,
    /// Largest accepted body in bytes (460101 beyond). Default: 20 000.
    pub max_body_bytes: usize,
    /// Refuse bodies whose Content-Type is not `application/json` (40035). Default: true.
    pub require_json_content_type: bool,
    /// Which text fields must carry a keyword. Default: every one.
    pub keyword_match: DingtalkKeywordMatch,
}

/// One custom robot: its webhook token (required in TOML) and its security settings (at least
/// one is required, as when a robot is created in DingTalk; absent ones are off).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingtalkRobot {
    /// The `access_token=` of the webhook URL.
    pub access_token: String,
    /// The 加签 secret (`SEC…`); when set, every call must carry a valid `timestamp` and `sign`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Custom keywords (at most 10); when set, every message must contain one.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// IPv4 addresses or ranges (`1.2.3.4`, `1.2.3.*`, `1.2.3.0/24`, at most 10); when set,
    /// only calls from them are processed.
    #[serde(default)]
    pub ip_allowlist: Vec<String>,
    /// Whether the robot can post. Default: active.
    #[serde(default)]
    pub status: DingtalkRobotStatus,
}

impl fmt::Debug for DingtalkRobot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DingtalkRobot")
            .field("access_token", &crate::group_bot::label(&self.access_token))
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("keywords", &self.keywords)
            .field("ip_allowlist", &self.ip_allowlist)
            .field("status", &self.status)
            .finish()
    }
}

/// The state of a robot, and the errcode every call answers when it cannot post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DingtalkRobotStatus {
    /// Posts normally.
    #[default]
    Active,
    /// Stopped by an admin: 400102 机器人已停用.
    Disabled,
    /// Its group was disbanded: 400013 群已被解散.
    GroupDisbanded,
}

impl DingtalkRobotStatus {
    /// The errcode every call answers, `None` when active.
    pub fn errcode(self) -> Option<i64> {
        match self {
            Self::Active => None,
            Self::Disabled => Some(400102),
            Self::GroupDisbanded => Some(400013),
        }
    }
}

/// Which fields of a message the keyword check searches. DingTalk does not say (unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DingtalkKeywordMatch {
    /// Every text field (title and text; each feedCard link title) must contain a keyword: the
    /// strict reading, so a client that passes here passes whichever field DingTalk searches.
    #[default]
    EveryField,
    /// One text field containing a keyword is enough.
    AnyField,
}

impl Default for DingtalkConfig {
    fn default() -> Self {
        Self {
            robots: vec![DingtalkRobot::default()],
            per_minute: 20,
            throttle_secs: 600,
            rate_limit_code: 410100,
            unknown_token_code: 300005,
            timestamp_window_ms: 3_600_000,
            max_body_bytes: 20_000,
            require_json_content_type: true,
            keyword_match: DingtalkKeywordMatch::EveryField,
        }
    }
}

impl Default for DingtalkRobot {
    fn default() -> Self {
        Self::signed(DEFAULT_DINGTALK_ACCESS_TOKEN, DEFAULT_DINGTALK_SECRET)
    }
}

impl DingtalkRobot {
    /// An active robot with 加签 on and no other security setting.
    pub fn signed(access_token: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            secret: Some(secret.into()),
            keywords: Vec::new(),
            ip_allowlist: Vec::new(),
            status: DingtalkRobotStatus::Active,
        }
    }

    /// An active robot whose only security setting is `keywords`.
    pub fn with_keywords(access_token: impl Into<String>, keywords: &[&str]) -> Self {
        Self {
            secret: None,
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ..Self::signed(access_token, "")
        }
    }
}

impl DingtalkConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        if self.per_minute == 0 || self.timestamp_window_ms <= 0 || self.max_body_bytes == 0 {
            return invalid(
                "dingtalk.per_minute, dingtalk.timestamp_window_ms and dingtalk.max_body_bytes must be at least 1"
                    .to_owned(),
            );
        }
        let mut tokens = HashSet::new();
        for robot in &self.robots {
            let token = &robot.access_token;
            if token.is_empty() || token.contains(|c: char| c.is_whitespace() || "&#%+=?/".contains(c)) {
                return invalid(format!(
                    "dingtalk access_token {token:?} is empty or has spaces, '&', '#', '%', '+', '=', '?' or '/'"
                ));
            }
            if !tokens.insert(token.as_str()) {
                return invalid(format!("dingtalk access_token {token:?} is configured twice"));
            }
            let who = format!("dingtalk robot {token:?}");
            check_security_lists(&who, &robot.keywords, &robot.ip_allowlist).map_err(ConfigError::Invalid)?;
            match &robot.secret {
                Some(secret) if secret.is_empty() => return invalid(format!("{who}: secret must not be empty")),
                None if robot.keywords.is_empty() && robot.ip_allowlist.is_empty() => {
                    return invalid(format!(
                        "{who} needs a security setting (secret, keywords or ip_allowlist), as DingTalk requires"
                    ));
                }
                _ => {}
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
        let c = DingtalkConfig::default();
        assert_eq!(c.robots[0].access_token, "yizhan-demo-dingtalk");
        assert_eq!(c.robots[0].secret.as_deref(), Some("SECyizhan-demo-dingtalk-secret"));
        assert!(c.validate().is_ok());
        assert!(invalid(
            "[dingtalk]\nrobots = [{ access_token = \"a\", secret = \"s\" }, { access_token = \"a\", secret = \"t\" }]"
        ));
        assert!(invalid("[[dingtalk.robots]]\naccess_token = \"bare\"\nsecret = \"\"\n"));
        assert!(invalid("[dingtalk]\nrobots = [{ access_token = \"none\" }]"));
        assert!(invalid("[dingtalk]\nrobots = [{ access_token = \"ip\", ip_allowlist = [\"::1\"] }]"));
        assert!(invalid("[dingtalk]\nrobots = [{ access_token = \"a b\", keywords = [\"k\"] }]"));
        assert!(invalid("[dingtalk]\nper_minute = 0"));
        let eleven: Vec<String> = (0..11).map(|i| format!("\"k{i}\"")).collect();
        assert!(invalid(&format!(
            "[dingtalk]\nrobots = [{{ access_token = \"k\", keywords = [{}] }}]",
            eleven.join(",")
        )));
        let ok = EmulatorConfig::from_toml(
            "[dingtalk]\nrobots = [{ access_token = \"ip\", ip_allowlist = [\"127.0.0.1\"] }]",
        );
        assert_eq!(ok.unwrap().dingtalk.robots[0].secret, None, "no demo secret is inherited");
        let no_token = EmulatorConfig::from_toml("[dingtalk]\nrobots = [{ keywords = [\"k\"] }]");
        assert!(matches!(no_token, Err(ConfigError::Toml(_))));
    }

    #[test]
    fn debug_hides_the_secret_and_token() {
        let text = format!("{:?}", DingtalkRobot::default());
        assert!(!text.contains("secret-") && !text.contains("demo-dingtalk"), "{text}");
        assert!(text.contains("<redacted>"));
    }
}
