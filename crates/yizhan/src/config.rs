//! `yizhan.toml`: parsing, `${VAR}` interpolation, and validation.
//!
//! Interpolation happens on the parsed TOML values, not on the raw text, so a secret that
//! contains quotes or newlines cannot change the structure of the file. Secrets are held as
//! `SecretString` and never printed; TOML syntax errors are reported by line and column without
//! echoing the offending line, which could hold a literal secret.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use crate::shaping::ShapingConfig;

/// The whole configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The HTTP service (`yizhan serve`, arriving with the gateway).
    #[serde(default)]
    pub server: ServerConfig,
    /// The durable store.
    #[serde(default)]
    pub store: StoreConfig,
    /// Provider accounts, referred to by name.
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
    /// API keys for the HTTP service.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// The delivery worker of `yizhan serve`.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// Traffic shaping: peak avoidance, coalescing and `[shaping.quota]` (see [`crate::shaping`]).
    #[serde(default)]
    pub shaping: ShapingConfig,
}

/// `[worker]`: how the gateway delivers. Every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    /// Provider calls in flight at once. Default 16; the example configuration sets 64 because
    /// completions are group-committed, so more sends in flight make larger groups per disk sync
    /// (docs/benchmarks.md: 900 vs 454 delivered/s at 64 vs 16 on SQLite).
    pub concurrency: usize,
    /// How long a claimed dispatch is leased before another worker may take it over, in
    /// seconds. Default 60.
    pub lease_secs: u64,
    /// Attempts per dispatch, the first included (rate limits do not count). Default 8.
    pub max_attempts: u32,
    /// Delay before the first retry, in milliseconds; doubles per attempt with 50 % jitter.
    /// Default 1000.
    pub initial_delay_ms: u64,
    /// Longest delay between attempts, in seconds. Default 600.
    pub max_delay_secs: u64,
    /// No attempt starts later than this after acceptance, in seconds. Default 14400 (4 h),
    /// WeCom's longest duplicate-check interval, so every resend stays deduplicated.
    pub horizon_secs: u64,
    /// On shutdown, how long in-flight sends may finish before their leases are released, in
    /// seconds. Default 10.
    pub shutdown_timeout_secs: u64,
    /// A name for this instance, recorded with a random suffix as the owner of the dispatches
    /// it leases (`dispatches.lease_owner`), so a stuck lease can be traced to its instance.
    /// Default `worker`.
    pub name: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 16,
            lease_secs: 60,
            max_attempts: 8,
            initial_delay_ms: 1000,
            max_delay_secs: 600,
            horizon_secs: 14_400,
            shutdown_timeout_secs: 10,
            name: "worker".to_owned(),
        }
    }
}

/// `[server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Listen address. Default `127.0.0.1:8080` (loopback only).
    #[serde(default = "default_listen")]
    pub listen: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { listen: default_listen() }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}

/// `[store]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://yizhan.db` (default) or `postgres://…`.
    #[serde(default = "default_store_url")]
    pub url: String,
    /// Optional Redis for shared tokens and quotas.
    #[serde(default)]
    pub redis_url: Option<String>,
    /// The prefix of every Redis key yizhan writes (default `yizhan:`): separate deployments
    /// sharing one Redis database keep separate quota counters by using different prefixes.
    #[serde(default)]
    pub redis_prefix: Option<String>,
    /// How many instances share the quotas: while the shared store (Redis, or PostgreSQL without
    /// Redis) is unreachable, each instance keeps every limit divided by this. Default 3.
    #[serde(default = "default_expected_instances")]
    pub expected_instances: u32,
    /// Whether `yizhan serve` applies the store's migrations at start (default true). Set it to
    /// false when migrations are run once with `yizhan migrate` before starting instances.
    #[serde(default = "default_true")]
    pub migrate: bool,
}

fn default_expected_instances() -> u32 {
    yizhan_shared::DEFAULT_EXPECTED_INSTANCES
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: default_store_url(),
            redis_url: None,
            redis_prefix: None,
            expected_instances: default_expected_instances(),
            migrate: true,
        }
    }
}

fn default_store_url() -> String {
    "sqlite://yizhan.db".to_owned()
}

/// One `[[channels]]` entry.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelConfig {
    /// A WeCom application (message/send).
    WecomApp(WecomAppConfig),
    /// A WeCom group robot (webhook/send).
    WecomRobot(WecomRobotConfig),
    /// A Getui (个推) app (push REST v2).
    Getui(GetuiConfig),
}

impl ChannelConfig {
    /// The channel's name.
    pub fn name(&self) -> &str {
        match self {
            ChannelConfig::WecomApp(c) => &c.name,
            ChannelConfig::WecomRobot(c) => &c.name,
            ChannelConfig::Getui(c) => &c.name,
        }
    }

    /// The kind as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::WecomApp(_) => "wecom_app",
            ChannelConfig::WecomRobot(_) => "wecom_robot",
            ChannelConfig::Getui(_) => "getui",
        }
    }

    /// The channel's own `[channels.quota]` overrides (unset fields inherit).
    pub fn quota(&self) -> crate::shaping::QuotaLimits {
        match self {
            ChannelConfig::WecomApp(c) => c.quota,
            ChannelConfig::WecomRobot(c) => c.quota,
            ChannelConfig::Getui(c) => c.quota,
        }
    }
}

/// `kind = "wecom_app"`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomAppConfig {
    /// Channel name.
    pub name: String,
    /// 企业ID.
    pub corp_id: String,
    /// The application's AgentId.
    pub agent_id: i64,
    /// The application's Secret. Use `${ENV_VAR}`.
    pub secret: SecretString,
    /// Default: the real WeCom. Point at `yizhan emulator` for tests.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Gateway sends carry `enable_duplicate_check=1`, so that an ambiguous failure can be
    /// resent safely; a repeat of a message still inside its window is sent without it
    /// (docs/gateway.md, "Repeated messages"). `false`: never (an ambiguous failure is then
    /// not resent). `yizhan send` uses the check only with `--dedupe`. Default true.
    #[serde(default = "default_true")]
    pub duplicate_check: bool,
    /// `duplicate_check_interval` in seconds when duplicate check is on. Default: the gateway's
    /// retry horizon (14400); `yizhan send --dedupe` 1800. At most 14400.
    #[serde(default)]
    pub duplicate_check_interval: Option<u32>,
    /// The gateway treats a WeCom answer that repeats another message's msgid as "dropped as a
    /// duplicate" and resends without the duplicate check (or records `suppressed_duplicate`
    /// under `options.dedupe`). What WeCom answers to a suppressed duplicate is UNCONFIRMED
    /// (docs/gateway.md, "Repeated messages"); the check only adds safety. Default true.
    #[serde(default = "default_true")]
    pub duplicate_msgid_check: bool,
    /// Let media URLs (`--image https://…`) resolve to private, loopback, link-local, CGNAT or
    /// unique-local addresses. Default false: yizhan must not be a way into the internal network.
    #[serde(default)]
    pub allow_private_urls: bool,
    /// Let media URLs use plain `http://`. Default false (`https://` only).
    #[serde(default)]
    pub allow_http_urls: bool,
    /// Receiving callbacks (messages, card clicks) for this application. Default: none.
    #[serde(default)]
    pub callback: Option<CallbackConfig>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`.
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
    /// Per-read timeout of provider calls in milliseconds (a read timeout after the request was
    /// written is an ambiguous failure). Default: the client's (15 s).
    #[serde(default)]
    pub read_timeout_ms: Option<u64>,
}

/// `[channels.callback]` of a `wecom_app`: WeCom's callback URL settings (接收消息服务器配置).
/// Point WeCom at `https://<gateway>/v1/callbacks/wecom/<channel>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackConfig {
    /// The Token set in the WeCom admin console. Use `${ENV_VAR}`.
    pub token: SecretString,
    /// The 43-character EncodingAESKey. Use `${ENV_VAR}`.
    pub encoding_aes_key: SecretString,
    /// Where decrypted messages and events are POSTed as JSON `{channel, msg_type, event, xml}`.
    /// Without it they are only logged (msg type and event, never the content).
    #[serde(default)]
    pub forward_url: Option<String>,
}

/// `kind = "wecom_robot"`: one group robot. It has no token; the webhook key is the only
/// credential, so it is a secret like an app secret.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomRobotConfig {
    /// Channel name.
    pub name: String,
    /// The `key=` of the robot's webhook URL. Use `${ENV_VAR}`.
    pub key: SecretString,
    /// Default: the real WeCom. Point at `yizhan emulator` for tests.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`.
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
}

/// `kind = "getui"`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetuiConfig {
    /// Channel name.
    pub name: String,
    /// The app's AppID (part of every URL).
    pub app_id: String,
    /// The app's AppKey. Use `${ENV_VAR}`.
    pub app_key: SecretString,
    /// The app's MasterSecret. Use `${ENV_VAR}`.
    pub master_secret: SecretString,
    /// One server. Default: the real Getui (`https://restapi.getui.com`).
    #[serde(default)]
    pub base_url: Option<String>,
    /// Several servers tried in order; a transport failure rotates to the next. Overrides
    /// `base_url`.
    #[serde(default)]
    pub base_urls: Vec<String>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`.
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
    /// Per-read timeout of provider calls in milliseconds (a read timeout after the request was
    /// written is an ambiguous failure). Default: the client's (15 s).
    #[serde(default)]
    pub read_timeout_ms: Option<u64>,
}

fn default_true() -> bool {
    true
}

/// One `[[api_keys]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// A label for logs.
    pub name: String,
    /// Hex SHA-256 of the key; the key itself is never stored.
    pub sha256: String,
    /// Channels the key may use.
    #[serde(default)]
    pub channels: Vec<String>,
}

/// A configuration problem. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax.
    #[error("{path}: TOML syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// The path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// `${VAR}` references that are not set, all of them.
    #[error("{path}: environment variables not set: {}", names.join(", "))]
    MissingVars {
        /// The path.
        path: String,
        /// Every missing name.
        names: Vec<String>,
    },
    /// Types, unknown keys, missing fields.
    #[error("{path}: {message}")]
    Invalid {
        /// The path.
        path: String,
        /// What is wrong, naming the key.
        message: String,
    },
}

impl Config {
    /// Reads and parses a file, interpolating `${VAR}` from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::parse(&text, &path.display().to_string(), &env)
    }

    /// Parses TOML text; `${VAR}` and `${VAR:-default}` are taken from `env`, `$$` is a `$`.
    pub fn parse(text: &str, path: &str, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let mut value: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_column(text, s.start)).unwrap_or((0, 0));
            ConfigError::Syntax { path: path.to_owned(), line, column, message: e.message().to_owned() }
        })?;
        let mut missing = BTreeSet::new();
        for (_, v) in value.iter_mut() {
            interpolate_value(v, env, &mut missing);
        }
        if !missing.is_empty() {
            return Err(ConfigError::MissingVars { path: path.to_owned(), names: missing.into_iter().collect() });
        }
        let config = Config::deserialize(toml::Value::Table(value))
            .map_err(|e| ConfigError::Invalid { path: path.to_owned(), message: e.message().to_owned() })?;
        config.check().map_err(|message| ConfigError::Invalid { path: path.to_owned(), message })?;
        Ok(config)
    }

    /// The channel called `name`.
    pub fn channel(&self, name: &str) -> Option<&ChannelConfig> {
        self.channels.iter().find(|c| c.name() == name)
    }

    fn check(&self) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for (i, channel) in self.channels.iter().enumerate() {
            let name = channel.name();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                return Err(format!("channels[{i}].name {name:?}: use letters, digits, '-', '_' or '.'"));
            }
            if !seen.insert(name) {
                return Err(format!("channels[{i}].name {name:?} is used twice"));
            }
            match channel {
                ChannelConfig::WecomApp(c) => {
                    if let Some(interval) = c.duplicate_check_interval.filter(|v| !(1..=14_400).contains(v)) {
                        return Err(format!(
                            "channels[{i}].duplicate_check_interval is {interval}; it must be 1 to 14400 seconds"
                        ));
                    }
                    if c.agent_id <= 0 {
                        return Err(format!("channels[{i}].agent_id must be a positive AgentId"));
                    }
                }
                ChannelConfig::WecomRobot(c) => {
                    let key = c.key.expose_secret();
                    if key.trim().is_empty() || key.contains(|ch: char| ch.is_whitespace() || "&#?/".contains(ch)) {
                        // Never echo the value: it is a secret.
                        return Err(format!(
                            "channels[{i}].key is empty or contains spaces, '&', '#', '?' or '/': copy only the \
                             part after key= of the robot's webhook URL"
                        ));
                    }
                }
                ChannelConfig::Getui(c) => {
                    if c.app_id.is_empty() || c.app_id.contains(['/', '?', '#']) {
                        return Err(format!("channels[{i}].app_id {:?} is not a Getui AppID", c.app_id));
                    }
                    if c.base_url.is_some() && !c.base_urls.is_empty() {
                        return Err(format!("channels[{i}]: set base_url or base_urls, not both"));
                    }
                }
            }
        }
        let w = &self.worker;
        if w.concurrency == 0 || w.lease_secs == 0 || w.max_attempts == 0 {
            return Err("worker.concurrency, worker.lease_secs and worker.max_attempts must be at least 1".to_owned());
        }
        if w.horizon_secs > 14_400 {
            return Err(format!(
                "worker.horizon_secs is {}; above 14400 s a WeCom resend may fall outside the duplicate check",
                w.horizon_secs
            ));
        }
        for (i, key) in self.api_keys.iter().enumerate() {
            if key.sha256.len() != 64 || !key.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("api_keys[{i}].sha256 must be 64 hex characters (the SHA-256 of the key)"));
            }
            if let Some(unknown) = key.channels.iter().find(|c| self.channel(c).is_none()) {
                return Err(format!("api_keys[{i}].channels names unknown channel {unknown:?}"));
            }
        }
        Ok(())
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn interpolate_value(value: &mut toml::Value, env: &HashMap<String, String>, missing: &mut BTreeSet<String>) {
    match value {
        toml::Value::String(s) => *s = interpolate(s, env, missing),
        toml::Value::Array(items) => items.iter_mut().for_each(|v| interpolate_value(v, env, missing)),
        toml::Value::Table(table) => table.iter_mut().for_each(|(_, v)| interpolate_value(v, env, missing)),
        _ => {}
    }
}

/// Replaces `${NAME}` and `${NAME:-default}`; `$$` becomes `$`. Unset names go to `missing`.
fn interpolate(text: &str, env: &HashMap<String, String>, missing: &mut BTreeSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(close) = after.strip_prefix('{').and_then(|a| a.find('}')) {
            let inner = &after[1..=close];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            match (env.get(name), default) {
                (Some(v), _) if !v.is_empty() || default.is_none() => out.push_str(v),
                (_, Some(d)) => out.push_str(d),
                (None, None) => {
                    missing.insert(name.to_owned());
                }
                (Some(v), None) => out.push_str(v),
            }
            rest = &after[close + 2..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    const SAMPLE: &str = r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "${OPS_SECRET}"
base_url = "http://127.0.0.1:${PORT:-9400}"
"#;

    #[test]
    fn interpolates_secrets_and_defaults() {
        let c = Config::parse(SAMPLE, "t.toml", &env(&[("OPS_SECRET", "s3cr\"et")])).unwrap();
        let Some(ChannelConfig::WecomApp(ops)) = c.channel("ops") else { panic!("not wecom") };
        assert_eq!(ops.secret.expose_secret(), "s3cr\"et");
        assert_eq!(ops.base_url.as_deref(), Some("http://127.0.0.1:9400"));
        assert!(ops.duplicate_check);
        assert!(!format!("{c:?}").contains("s3cr"), "Debug must redact the secret");
    }

    #[test]
    fn reports_every_missing_variable() {
        let text = format!("{SAMPLE}\n[store]\nurl = \"${{DB}}\"\n");
        let e = Config::parse(&text, "t.toml", &env(&[])).unwrap_err();
        assert_eq!(e.to_string(), "t.toml: environment variables not set: DB, OPS_SECRET");
    }

    #[test]
    fn escapes_and_plain_dollars_survive() {
        let mut missing = BTreeSet::new();
        assert_eq!(interpolate("a$$b $c ${X}", &env(&[("X", "1")]), &mut missing), "a$b $c 1");
        assert!(missing.is_empty());
    }

    #[test]
    fn syntax_errors_do_not_echo_the_line() {
        let e = Config::parse("secret = \"literal-secret\n", "t.toml", &env(&[])).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("line 1"), "{text}");
        assert!(!text.contains("literal-secret"), "{text}");
    }

    #[test]
    fn unknown_keys_and_kinds_are_named() {
        let e = Config::parse("[server]\nlisten = \"x\"\nlisen = 1\n", "t.toml", &env(&[])).unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        let e = Config::parse("[[channels]]\nname = \"a\"\nkind = \"fax\"\n", "t.toml", &env(&[])).unwrap_err();
        assert!(e.to_string().contains("fax"), "{e}");
    }

    #[test]
    fn duplicate_names_and_bad_intervals_are_rejected() {
        let twice = format!("{SAMPLE}{SAMPLE}");
        let e = Config::parse(&twice, "t.toml", &env(&[("OPS_SECRET", "x")])).unwrap_err();
        assert!(e.to_string().contains("used twice"), "{e}");
        let bad = format!("{SAMPLE}duplicate_check_interval = 20000\n");
        let e = Config::parse(&bad, "t.toml", &env(&[("OPS_SECRET", "x")])).unwrap_err();
        assert!(e.to_string().contains("14400"), "{e}");
    }

    #[test]
    fn getui_channels_parse_with_redacted_secrets() {
        let text = "[[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\n\
                    app_key = \"${K}\"\nmaster_secret = \"${M}\"\nbase_urls = [\"http://127.0.0.1:1\", \"http://127.0.0.1:2\"]\n";
        let c = Config::parse(text, "t.toml", &env(&[("K", "key-123"), ("M", "master-456")])).unwrap();
        let Some(ChannelConfig::Getui(app)) = c.channel("app") else { panic!("not getui") };
        assert_eq!(app.master_secret.expose_secret(), "master-456");
        assert_eq!(app.base_urls.len(), 2);
        let debug = format!("{c:?}");
        assert!(!debug.contains("key-123") && !debug.contains("master-456"), "{debug}");
    }

    #[test]
    fn robot_channels_parse_with_a_redacted_key() {
        let text = "[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"${K}\"\n";
        let c = Config::parse(text, "t.toml", &env(&[("K", "693a91f6-7xxx-key")])).unwrap();
        let Some(ChannelConfig::WecomRobot(bot)) = c.channel("bot") else { panic!("not a robot") };
        assert_eq!(bot.key.expose_secret(), "693a91f6-7xxx-key");
        assert!(!format!("{c:?}").contains("693a91f6"), "Debug must redact the key");
        let url = Config::parse(text, "t.toml", &env(&[("K", "https://qyapi.weixin.qq.com/x?key=abc")])).unwrap_err();
        assert!(url.to_string().contains("key="), "{url}");
        assert!(!url.to_string().contains("abc"), "{url}");
        let e =
            Config::parse("[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\n", "t.toml", &env(&[])).unwrap_err();
        assert!(e.to_string().contains("key"), "{e}");
    }

    #[test]
    fn the_example_config_parses() {
        let vars = env(&[
            ("WECOM_OPS_SECRET", "x"),
            ("WECOM_ROBOT_KEY", "r"),
            ("GETUI_APP_KEY", "k"),
            ("GETUI_MASTER_SECRET", "m"),
        ]);
        let c = Config::parse(crate::commands::config::EXAMPLE, "example", &vars).unwrap();
        assert_eq!(c.channels.len(), 3);
        assert_eq!(c.channel("ops-robot").map(ChannelConfig::kind), Some("wecom_robot"));
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!((c.worker.concurrency, c.worker.horizon_secs), (64, 14_400));
        assert_eq!(crate::shaping::QuotaLimits::resolve(c.shaping.quota, Default::default()), {
            crate::shaping::QuotaLimits::PROVIDER
        });
        let app = c.channel("app").map(ChannelConfig::quota).unwrap_or_default();
        assert_eq!(app.getui_broadcast_per_day, Some(20), "the getui channel's [channels.quota] belongs to it");
        let bad = crate::commands::config::EXAMPLE.replace("robot_per_minute = 20", "robot_per_minut = 20");
        assert!(Config::parse(&bad, "example", &vars).unwrap_err().to_string().contains("robot_per_minut"));
        assert!(c.store.migrate, "serve migrates at start by default");
        let manual = crate::commands::config::EXAMPLE.replace("# migrate = true", "migrate = false");
        assert!(!Config::parse(&manual, "example", &vars).unwrap().store.migrate);
        let with_callback = crate::commands::config::EXAMPLE
            .replace("# [channels.callback]", "[channels.callback]")
            .replace("# token = ", "token = ")
            .replace("# encoding_aes_key = ", "encoding_aes_key = ");
        let mut callback_vars = vars.clone();
        callback_vars.insert("WECOM_OPS_CALLBACK_TOKEN".into(), "t".into());
        callback_vars.insert("WECOM_OPS_CALLBACK_AES_KEY".into(), "k".into());
        let c2 = Config::parse(&with_callback, "example", &callback_vars).unwrap();
        let Some(ChannelConfig::WecomApp(ops)) = c2.channel("ops") else { panic!("not wecom") };
        assert!(ops.callback.is_some(), "the commented callback table belongs to the ops channel");
        let bad =
            format!("{}\n", crate::commands::config::EXAMPLE.replace("horizon_secs = 14400", "horizon_secs = 20000"));
        let e = Config::parse(&bad, "example", &vars).unwrap_err();
        assert!(e.to_string().contains("horizon_secs"), "{e}");
    }
}
