//! Emulator configuration: which apps, users, parties and tags exist, and the provider limits.
//! The Getui part lives in [`GetuiConfig`] (`[getui]` in TOML).
//!
//! [`EmulatorConfig::default()`] is the demo setup that `yizhan demo` uses. Every
//! struct is `#[serde(default)]`, so a TOML file only has to name what it changes:
//!
//! ```
//! use yizhan_emulator::EmulatorConfig;
//!
//! let config = EmulatorConfig::from_toml(
//!     r#"
//!     [wecom]
//!     users = ["zed", "yan"]
//!     parties = { "7" = ["zed"] }
//!     "#,
//! )
//! .unwrap();
//! assert_eq!(config.wecom.users, ["zed", "yan"]);
//! assert_eq!(config.wecom.apps[0].agent_id, 1000002); // untouched default
//! ```

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::dingtalk::config::DingtalkConfig;
use crate::feishu::config::FeishuConfig;
use crate::getui::config::GetuiConfig;
use crate::wecom::callback_crypto::aes_key;
use crate::wecom::robot::config::{DEFAULT_ROBOT_PER_MINUTE, RobotWindow, WecomRobot};

/// Default corp id of the demo WeCom app.
pub const DEFAULT_CORP_ID: &str = "wwyizhandemo";
/// Default agent id of the demo WeCom app.
pub const DEFAULT_AGENT_ID: i64 = 1000002;
/// Default secret of the demo WeCom app.
pub const DEFAULT_SECRET: &str = "yizhan-demo-secret";
/// Default callback Token of every WeCom app (demo value).
pub const DEFAULT_CALLBACK_TOKEN: &str = "yizhandemotoken";
/// Default callback EncodingAESKey of every WeCom app (demo value).
pub const DEFAULT_ENCODING_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

/// The whole emulator configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// The emulated WeCom (企业微信) application API.
    pub wecom: WecomConfig,
    /// The emulated Getui (个推) REST v2 API.
    pub getui: GetuiConfig,
    /// The emulated DingTalk (钉钉) custom robots.
    pub dingtalk: DingtalkConfig,
    /// The emulated Feishu/Lark (飞书) custom bots.
    pub feishu: FeishuConfig,
}

/// The emulated WeCom corp: its apps, its directory and its limits.
///
/// The directory (users, parties, tags) is shared by every configured app; every user is in
/// every app's visible range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WecomConfig {
    /// Self-built apps that may fetch tokens. Default: one demo app (`wwyizhandemo`, 1000002).
    pub apps: Vec<WecomApp>,
    /// User ids of the directory, matched case-insensitively. Default: alice, bob, carol, dave.
    pub users: Vec<String>,
    /// Party (department) id → member user ids. Default: "1" = all four users, "2" = alice, bob.
    /// Members that are not in `users` are ignored.
    pub parties: BTreeMap<String, Vec<String>>,
    /// Tag id → member user ids. Default: "1" = carol, dave. Members not in `users` are ignored.
    pub tags: BTreeMap<String, Vec<String>>,
    /// Lifetime of an access token in seconds. Default: 7200.
    pub token_lifetime_secs: u64,
    /// Deliveries per (app, member) per sliding minute before messages are dropped. Default: 30.
    pub per_member_per_minute: u32,
    /// Deliveries per (app, member) per sliding hour before messages are dropped. Default: 1000.
    pub per_member_per_hour: u32,
    /// Group robots (`/cgi-bin/webhook/*`). Default: one active robot with key
    /// `yizhan-demo-robot-key`. An empty list means every key answers 93000.
    pub robots: Vec<WecomRobot>,
    /// Messages per robot per minute; the next one answers 45009. Default: 20.
    pub robot_per_minute: u32,
    /// How the robot minute is counted: `"sliding"` (default) or `"fixed"` (calendar minute).
    pub robot_window: RobotWindow,
    /// How long a callback POST may take before it counts as failed, in milliseconds (WeCom:
    /// 5 s). Default: 5000.
    pub callback_timeout_ms: u64,
    /// Callback POST attempts in all until one answers HTTP 200 (WeCom: 3). Default: 3.
    pub callback_attempts: u32,
    /// What `message/send` answers to a request its duplicate check suppresses. WeCom's answer
    /// is not documented (the reference's open question 4), so this is the emulator's choice:
    /// `"first_msgid"` (default) answers errcode 0 with the msgid (and response_code) of the
    /// first request; `"new_msgid"` answers errcode 0 with a fresh msgid, which makes the drop
    /// invisible to the caller. Either way nothing is delivered and the inbox records the
    /// recipients as `deduplicated`.
    pub duplicate_answer: DuplicateAnswer,
}

/// See [`WecomConfig::duplicate_answer`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateAnswer {
    /// errcode 0 with the first request's msgid and response_code.
    #[default]
    FirstMsgid,
    /// errcode 0 with a fresh msgid.
    NewMsgid,
}

/// One self-built WeCom app: the credentials `gettoken` accepts and the `agentid` it owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WecomApp {
    /// Corp id (`corpid` of gettoken). Default: `wwyizhandemo`.
    pub corp_id: String,
    /// Agent id (`agentid` of message/send). Default: 1000002.
    pub agent_id: i64,
    /// App secret (`corpsecret` of gettoken). Default: `yizhan-demo-secret`.
    pub secret: String,
    /// Where card clicks (`POST /__emulator/click`) are delivered as encrypted callbacks, e.g.
    /// `http://127.0.0.1:8080/v1/callbacks/wecom/ops`. Default: none (clicks are refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The callback Token signatures are computed with. Default: `yizhandemotoken`.
    pub callback_token: String,
    /// The callback EncodingAESKey (43 characters); the receive id is `corp_id`.
    /// Default: `jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C`.
    pub callback_encoding_aes_key: String,
    /// 企业可信IP: when not empty, calls with this app's token from any other address are
    /// refused with 60020 (`…, from ip: <caller>, …`); fetching the token is not (docs/gateway.md,
    /// "Egress proxy"). IPv4 addresses, `a.b.c.*` or `a.b.c.d/n`. Default: empty (no rule).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_ips: Vec<String>,
}

/// Why a configuration was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not valid TOML or does not match the configuration shape.
    #[error("invalid emulator configuration TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// The configuration parses but is inconsistent.
    #[error("invalid emulator configuration: {0}")]
    Invalid(String),
}

impl Default for WecomConfig {
    fn default() -> Self {
        let all = ["alice", "bob", "carol", "dave"].map(str::to_owned).to_vec();
        Self {
            apps: vec![WecomApp::default()],
            users: all.clone(),
            parties: BTreeMap::from([
                ("1".to_owned(), all),
                ("2".to_owned(), vec!["alice".to_owned(), "bob".to_owned()]),
            ]),
            tags: BTreeMap::from([("1".to_owned(), vec!["carol".to_owned(), "dave".to_owned()])]),
            token_lifetime_secs: 7200,
            per_member_per_minute: 30,
            per_member_per_hour: 1000,
            robots: vec![WecomRobot::default()],
            robot_per_minute: DEFAULT_ROBOT_PER_MINUTE,
            robot_window: RobotWindow::Sliding,
            callback_timeout_ms: 5000,
            callback_attempts: 3,
            duplicate_answer: DuplicateAnswer::FirstMsgid,
        }
    }
}

impl Default for WecomApp {
    fn default() -> Self {
        Self {
            corp_id: DEFAULT_CORP_ID.to_owned(),
            agent_id: DEFAULT_AGENT_ID,
            secret: DEFAULT_SECRET.to_owned(),
            callback_url: None,
            callback_token: DEFAULT_CALLBACK_TOKEN.to_owned(),
            callback_encoding_aes_key: DEFAULT_ENCODING_AES_KEY.to_owned(),
            trusted_ips: Vec::new(),
        }
    }
}

impl EmulatorConfig {
    /// Parses a TOML document; absent fields keep their defaults. The result is validated.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the configuration for contradictions (duplicate apps or users, zero token lifetime,
    /// aliases naming unknown cids, …).
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.wecom.validate()?;
        self.getui.validate()?;
        self.dingtalk.validate()?;
        self.feishu.validate()
    }
}

impl WecomConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        if self.token_lifetime_secs == 0 {
            return invalid("wecom.token_lifetime_secs must be at least 1".to_owned());
        }
        if self.callback_timeout_ms == 0 || self.callback_attempts == 0 {
            return invalid("wecom.callback_timeout_ms and wecom.callback_attempts must be at least 1".to_owned());
        }
        let mut apps = HashSet::new();
        let mut credentials = HashSet::new();
        for app in &self.apps {
            if app.corp_id.is_empty() || app.secret.is_empty() {
                return invalid(format!("wecom app {} needs a corp_id and a secret", app.agent_id));
            }
            if !apps.insert((app.corp_id.as_str(), app.agent_id)) {
                return invalid(format!("wecom app {}/{} is configured twice", app.corp_id, app.agent_id));
            }
            if !credentials.insert((app.corp_id.as_str(), app.secret.as_str())) {
                return invalid(format!("two wecom apps of corp {} share one secret", app.corp_id));
            }
            crate::group_bot::check_security_lists(&format!("wecom app {}", app.agent_id), &[], &app.trusted_ips)
                .map_err(|e| ConfigError::Invalid(e.replace("ip_allowlist", "trusted_ips")))?;
            if aes_key(&app.callback_encoding_aes_key).is_none() {
                return invalid(format!(
                    "wecom app {}: callback_encoding_aes_key must be 43 base64 characters",
                    app.agent_id
                ));
            }
            if let Some(url) = &app.callback_url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return invalid(format!("wecom app {}: callback_url must be an http(s) URL", app.agent_id));
            }
        }
        if self.robot_per_minute == 0 {
            return invalid("wecom.robot_per_minute must be at least 1".to_owned());
        }
        let mut keys = HashSet::new();
        for robot in &self.robots {
            if robot.key.is_empty() || robot.key.contains(|c: char| c.is_whitespace() || "&#%+".contains(c)) {
                return invalid(format!(
                    "wecom robot key {:?} is empty or has spaces, '&', '#', '%' or '+'",
                    robot.key
                ));
            }
            if !keys.insert(robot.key.as_str()) {
                return invalid(format!("wecom robot key {:?} is configured twice", robot.key));
            }
        }
        let mut users = HashSet::new();
        for user in &self.users {
            if user.trim().is_empty() || user.trim() != user {
                return invalid(format!("wecom user id {user:?} is empty or has surrounding spaces"));
            }
            if !users.insert(user.to_lowercase()) {
                return invalid(format!("wecom user {user:?} is configured twice (ids are case-insensitive)"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_design() {
        let c = EmulatorConfig::default();
        assert_eq!(c.wecom.apps, [WecomApp::default()]);
        assert_eq!(c.wecom.apps[0].corp_id, "wwyizhandemo");
        assert_eq!(c.wecom.parties["1"].len(), 4);
        assert_eq!(c.wecom.parties["2"], ["alice", "bob"]);
        assert_eq!(c.wecom.tags["1"], ["carol", "dave"]);
        assert_eq!((c.wecom.per_member_per_minute, c.wecom.per_member_per_hour), (30, 1000));
        assert_eq!(c.wecom.robots, [WecomRobot::new("yizhan-demo-robot-key")]);
        assert_eq!((c.wecom.robot_per_minute, c.wecom.robot_window), (20, RobotWindow::Sliding));
        c.validate().expect("defaults are valid");
    }

    #[test]
    fn toml_overrides_parts() {
        let c = EmulatorConfig::from_toml(
            "[wecom]\ntoken_lifetime_secs = 60\n[[wecom.apps]]\ncorp_id = \"ww1\"\nagent_id = 7\nsecret = \"s\"\n",
        )
        .expect("valid");
        assert_eq!(c.wecom.token_lifetime_secs, 60);
        assert_eq!(
            c.wecom.apps,
            [WecomApp { corp_id: "ww1".into(), agent_id: 7, secret: "s".into(), ..WecomApp::default() }]
        );
        assert_eq!(c.wecom.users.len(), 4);
    }

    #[test]
    fn rejects_bad_configs() {
        assert!(matches!(EmulatorConfig::from_toml("[wecom]\nusrs = []"), Err(ConfigError::Toml(_))));
        assert!(matches!(EmulatorConfig::from_toml("[wecom]\nusers = [\"a\", \"A\"]"), Err(ConfigError::Invalid(_))));
        assert!(matches!(EmulatorConfig::from_toml("[wecom]\ntoken_lifetime_secs = 0"), Err(ConfigError::Invalid(_))));
        let twice = "[wecom]\nrobots = [{ key = \"k\" }, { key = \"k\" }]";
        assert!(matches!(EmulatorConfig::from_toml(twice), Err(ConfigError::Invalid(_))));
        assert!(matches!(EmulatorConfig::from_toml("[wecom]\nrobot_per_minute = 0"), Err(ConfigError::Invalid(_))));
        let key = "[[wecom.apps]]\ncallback_encoding_aes_key = \"short\"\n";
        assert!(matches!(EmulatorConfig::from_toml(key), Err(ConfigError::Invalid(_))));
        let url = "[[wecom.apps]]\ncallback_url = \"ftp://x\"\n";
        assert!(matches!(EmulatorConfig::from_toml(url), Err(ConfigError::Invalid(_))));
        let two = "[[wecom.apps]]\nagent_id = 1\n[[wecom.apps]]\nagent_id = 2\n";
        assert!(matches!(EmulatorConfig::from_toml(two), Err(ConfigError::Invalid(_))));
    }
}
