//! `yizhan.toml`: the configuration's shape (this module), parsing with every problem located
//! ([`load`]: file, line, column, key path, nearest valid key), checks across keys (`check`).
//!
//! Interpolation happens on the parsed TOML values, not on the raw text, so a secret that
//! contains quotes or newlines cannot change the structure of the file. Secrets are held as
//! `SecretString` and never printed; TOML syntax errors are reported by line and column without
//! echoing the offending line, which could hold a literal secret.

mod check;
pub mod load;
mod locate;
pub mod webhooks;

use secrecy::SecretString;
use serde::Deserialize;

pub use crate::shaping::ShapingConfig;
pub use load::ConfigError;
pub use webhooks::WebhookConfig;

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
    /// `[[people]]`, then those of `people_file` (docs/people.md).
    #[serde(default)]
    pub people: Vec<crate::people::PersonConfig>,
    /// A file of more `[[people]]` (what `yizhan people sync` writes), relative to this file.
    #[serde(default)]
    pub people_file: Option<String>,
    /// The delivery worker of `yizhan serve`.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// Traffic shaping: peak avoidance, coalescing and `[shaping.quota]` (see [`crate::shaping`]).
    #[serde(default)]
    pub shaping: ShapingConfig,
    /// Webhook subscriptions (`[[webhooks]]`, see [`webhooks`]).
    #[serde(skip)]
    pub webhooks: Vec<WebhookConfig>,
    /// Alert routes (`[[routes]]`, see [`crate::intake`]), checked and compiled with their
    /// templates when the file is loaded.
    #[serde(skip)]
    pub routes: crate::intake::Routes,
    /// Channels that cannot be used because a `${VAR}` they use is not set; the rest of the
    /// configuration loads. Commands refuse them by name with the reason.
    #[serde(skip)]
    pub unavailable: Vec<Unavailable>,
    /// The key path of each entry of `channels` and `api_keys` in the file (entries that did not
    /// load are skipped, so positions differ).
    #[serde(skip)]
    paths: Paths,
}

/// Key paths of the loaded entries, for problems found after loading.
#[derive(Debug, Default)]
struct Paths {
    channels: Vec<String>,
    api_keys: Vec<String>,
    webhooks: Vec<String>,
}

/// A configured channel that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// Its name.
    pub name: String,
    /// Where the problem is (key path).
    pub path: String,
    /// Why, with the file, line and column.
    pub why: String,
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
    /// seconds. Default 60. The worker renews the leases of its sends every third of it; it
    /// must still be at least as long as the longest provider call can take
    /// ([`WorkerConfig::longest_call_ms`]), else the configuration is refused.
    pub lease_secs: u64,
    /// Limit on one HTTP request to a provider, in milliseconds (connect, send and answer; a
    /// timeout after the request was written is an ambiguous failure). Default 8000.
    pub request_timeout_ms: u64,
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

/// HTTP requests one provider call of the worker can make. The gateway's clients do not retry
/// (the worker's `decide` does), so a call is: a token request when none is cached, the
/// request, a resend to the other domain after a Getui domain redirect, and, after a rejected
/// token, a token request and a resend (Getui 5, WeCom application 4, group robot 1).
pub const CALL_REQUESTS: u64 = 5;
/// Slack between the longest provider call and the lease (the store's own round trips).
pub const LEASE_MARGIN_MS: u64 = 1_000;

impl WorkerConfig {
    /// The longest a provider call of the worker can take, in milliseconds: every request of
    /// it ([`CALL_REQUESTS`]) running into `request_timeout_ms`, plus [`LEASE_MARGIN_MS`].
    /// `lease_secs` must not be shorter.
    pub fn longest_call_ms(&self) -> u64 {
        self.request_timeout_ms.saturating_mul(CALL_REQUESTS).saturating_add(LEASE_MARGIN_MS)
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 16,
            lease_secs: 60,
            request_timeout_ms: 8_000,
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
    /// The most inbound HTTP connections open at once (default 1024); lowered at start to
    /// leave 128 file descriptors under the process's limit for the store and provider calls.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Milliseconds a client has to send a request's headers, and may keep an idle keep-alive
    /// connection open between requests (default 10000).
    #[serde(default = "default_header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    /// Milliseconds a request may take from its headers to its response's headers before the
    /// gateway answers 503 (default 30000; 0: no limit). A stream (`/v1/events`) is not cut:
    /// its headers come at once. See docs/gateway.md, "Request ids, timeouts and logs".
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Log format when `--log-format` and `YIZHAN_LOG_FORMAT` are not given: `text` (default)
    /// or `json` (one object per line, for log shippers).
    #[serde(default)]
    pub log_format: LogFormat,
}

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; colours only when stderr is a terminal.
    #[default]
    Text,
    /// One JSON object per line with the span fields (`request_id`, …).
    Json,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            max_connections: default_max_connections(),
            header_read_timeout_ms: default_header_read_timeout_ms(),
            request_timeout_ms: default_request_timeout_ms(),
            log_format: LogFormat::default(),
        }
    }
}

fn default_max_connections() -> usize {
    1024
}

fn default_header_read_timeout_ms() -> u64 {
    10_000
}

fn default_request_timeout_ms() -> u64 {
    30_000
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
    /// How long finished messages (delivered, dead, expired…) and callback forwards are kept
    /// before `yizhan serve` deletes them: `"30d"` (default), `"36h"`, at least a day; `"off"`
    /// (or `0`) keeps everything. See [`crate::retention`].
    #[serde(default)]
    pub retention: crate::retention::Retention,
    /// How long events (`GET /v1/events`, webhooks) are kept: the same periods as `retention`,
    /// which is the default. An event goes only once every webhook subscription has it
    /// delivered (or failed); finished webhook deliveries go by the same age.
    #[serde(default)]
    pub event_retention: Option<crate::retention::Retention>,
    /// SQLite only: the most KiB the database file may grow to (default: no cap). Past it,
    /// accepts answer 503 and `/readyz` says not ready, as on a full disk; both recover by
    /// themselves once room is made (rows deleted) or the cap raised.
    #[serde(default)]
    pub sqlite_max_size_kb: Option<u64>,
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
            retention: crate::retention::Retention::default(),
            event_retention: None,
            sqlite_max_size_kb: None,
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
    /// A DingTalk (钉钉) custom group robot (robot/send).
    DingtalkRobot(DingtalkRobotConfig),
    /// A Feishu (飞书) or Lark custom group bot (bot/v2/hook).
    FeishuBot(FeishuBotConfig),
    /// An SMTP server that submits email.
    Email(EmailConfig),
}

impl ChannelConfig {
    /// The channel's name.
    pub fn name(&self) -> &str {
        match self {
            ChannelConfig::WecomApp(c) => &c.name,
            ChannelConfig::WecomRobot(c) => &c.name,
            ChannelConfig::Getui(c) => &c.name,
            ChannelConfig::DingtalkRobot(c) => &c.name,
            ChannelConfig::FeishuBot(c) => &c.name,
            ChannelConfig::Email(c) => &c.name,
        }
    }

    /// The kind as written in the file.
    pub fn kind(&self) -> &'static str {
        self.channel_kind().name()
    }

    /// The kind of channel (its provider).
    pub fn channel_kind(&self) -> crate::providers::ChannelKind {
        use crate::providers::ChannelKind;
        match self {
            ChannelConfig::WecomApp(_) => ChannelKind::WecomApp,
            ChannelConfig::WecomRobot(_) => ChannelKind::WecomRobot,
            ChannelConfig::Getui(_) => ChannelKind::Getui,
            ChannelConfig::DingtalkRobot(_) => ChannelKind::DingtalkRobot,
            ChannelConfig::FeishuBot(_) => ChannelKind::FeishuBot,
            ChannelConfig::Email(_) => ChannelKind::Email,
        }
    }

    /// The `wecom_app` settings, if this is a WeCom application channel.
    pub fn wecom_app(&self) -> Option<&WecomAppConfig> {
        match self {
            ChannelConfig::WecomApp(c) => Some(c),
            _ => None,
        }
    }

    /// The configured egress `proxy`, if any (HTTP providers only).
    pub fn proxy(&self) -> Option<&str> {
        match self {
            ChannelConfig::WecomApp(c) => c.proxy.as_deref(),
            ChannelConfig::WecomRobot(c) => c.proxy.as_deref(),
            ChannelConfig::Getui(c) => c.proxy.as_deref(),
            ChannelConfig::DingtalkRobot(c) => c.proxy.as_deref(),
            ChannelConfig::FeishuBot(c) => c.proxy.as_deref(),
            // SMTP is not HTTP: lettre connects to the relay directly; the relay is the egress.
            ChannelConfig::Email(_) => None,
        }
    }

    /// The configured `base_url`, if any.
    pub fn base_url(&self) -> Option<&str> {
        match self {
            ChannelConfig::WecomApp(c) => c.base_url.as_deref(),
            ChannelConfig::WecomRobot(c) => c.base_url.as_deref(),
            ChannelConfig::Getui(c) => c.base_url.as_deref(),
            ChannelConfig::DingtalkRobot(c) => c.base_url.as_deref(),
            ChannelConfig::FeishuBot(c) => c.base_url.as_deref(),
            ChannelConfig::Email(_) => None,
        }
    }

    /// The channel's own `[channels.quota]` overrides (unset fields inherit).
    pub fn quota(&self) -> crate::shaping::QuotaLimits {
        match self {
            ChannelConfig::WecomApp(c) => c.quota,
            ChannelConfig::WecomRobot(c) => c.quota,
            ChannelConfig::Getui(c) => c.quota,
            ChannelConfig::DingtalkRobot(c) => c.quota,
            ChannelConfig::FeishuBot(c) => c.quota,
            ChannelConfig::Email(c) => c.quota,
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
    /// Egress proxy of this channel's provider calls: `http://host:port`, `https://…`,
    /// `socks5://…` or `socks5h://…`, without credentials (docs/gateway.md, "Egress proxy").
    /// Default: direct (or `HTTPS_PROXY`/`ALL_PROXY` from the environment).
    #[serde(default)]
    pub proxy: Option<String>,
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
    /// Where decrypted messages and events are POSTed as JSON `{channel, msg_type, event, xml}`
    /// (with Standard Webhooks headers: it is a webhook subscription to `card.clicked` and
    /// `wecom.callback` of the channel, docs/events.md). Without it they are only logged (msg
    /// type and event, never the content) and recorded as events.
    #[serde(default)]
    pub forward_url: Option<String>,
    /// The `whsec_…` secret that signs what goes to `forward_url`; without it a random one is
    /// used (the receiver cannot verify). Use `${ENV_VAR}`.
    #[serde(default)]
    pub forward_secret: Option<SecretString>,
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
    /// Egress proxy of this channel's provider calls: `http://host:port`, `https://…`,
    /// `socks5://…` or `socks5h://…`, without credentials (docs/gateway.md, "Egress proxy").
    /// Default: direct (or `HTTPS_PROXY`/`ALL_PROXY` from the environment).
    #[serde(default)]
    pub proxy: Option<String>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`.
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
}

/// `kind = "dingtalk_robot"`: one DingTalk custom robot (docs/dingtalk-feishu.md). The webhook's
/// access token is its credential, so it is a secret like an app secret; so is the 加签 secret.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DingtalkRobotConfig {
    /// Channel name.
    pub name: String,
    /// The `access_token=` of the robot's webhook URL. Use `${ENV_VAR}`.
    pub access_token: SecretString,
    /// The 加签 secret (`SEC…`): every request is signed with it. Use `${ENV_VAR}`. Default:
    /// unsigned (a robot in keyword or IP mode).
    #[serde(default)]
    pub secret: Option<SecretString>,
    /// The robot's custom keywords (at most 10): a message must carry one in every text field,
    /// else it is refused when accepted (422) instead of by DingTalk (310000). Default: none.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Default: the real DingTalk (`https://oapi.dingtalk.com`). Point at `yizhan emulator` for tests.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Egress proxy of this channel's provider calls: `http://host:port`, `https://…`,
    /// `socks5://…` or `socks5h://…`, without credentials (docs/gateway.md, "Egress proxy").
    /// Default: direct (or `HTTPS_PROXY`/`ALL_PROXY` from the environment).
    #[serde(default)]
    pub proxy: Option<String>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`.
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
}

/// `kind = "email"`: one SMTP submission server and sender (docs/email.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Channel name.
    pub name: String,
    /// The SMTP server's host name (its certificate must match it).
    pub host: String,
    /// Default by `security`: 587 (`starttls`), 465 (`tls`), 25 (`plain`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS) or `plain` (no TLS: loopback hosts only unless
    /// `allow_plain_remote = true`).
    #[serde(default)]
    pub security: EmailSecurity,
    /// Allows `security = "plain"` to a host that is not loopback (a relay on a trusted
    /// network). Default false.
    #[serde(default)]
    pub allow_plain_remote: bool,
    /// The AUTH user name; with `password`. Default: no AUTH.
    #[serde(default)]
    pub username: Option<String>,
    /// The AUTH password. Use `${ENV_VAR}`.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The sender: `ops@example.com` or `"yizhan <ops@example.com>"` (the `From:` header and the
    /// envelope sender).
    pub from: String,
    /// `Reply-To:`, if replies should go elsewhere. Default: none.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// The name this host gives in EHLO. Default: the machine's host name.
    #[serde(default)]
    pub hello_name: Option<String>,
    /// `[channels.quota]`: this channel's quota limits over `[shaping.quota]`
    /// (`email_per_minute`).
    #[serde(default)]
    pub quota: crate::shaping::QuotaLimits,
}

/// How an email channel protects its SMTP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailSecurity {
    /// A plain connection upgraded with STARTTLS before anything else is sent (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS (port 25): loopback only unless allowed.
    Plain,
}

/// `kind = "feishu_bot"`: one Feishu or Lark custom bot (docs/dingtalk-feishu.md). The hook id
/// of its webhook URL is its credential, so it is a secret; so is the signing secret.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeishuBotConfig {
    /// Channel name.
    pub name: String,
    /// The part after `/hook/` of the bot's webhook URL. Use `${ENV_VAR}`.
    pub hook_id: SecretString,
    /// The signing secret (签名校验): every request is signed with it. Use `${ENV_VAR}`.
    /// Default: unsigned.
    #[serde(default)]
    pub secret: Option<SecretString>,
    /// The bot's custom keywords (at most 10): every text of a message must carry one, else it
    /// is refused when accepted (422) instead of by Feishu (19024). Default: none.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Default: Feishu (`https://open.feishu.cn`); Lark is `https://open.larksuite.com`. Point
    /// at `yizhan emulator` for tests.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Egress proxy of this channel's provider calls: `http://host:port`, `https://…`,
    /// `socks5://…` or `socks5h://…`, without credentials (docs/gateway.md, "Egress proxy").
    /// Default: direct (or `HTTPS_PROXY`/`ALL_PROXY` from the environment).
    #[serde(default)]
    pub proxy: Option<String>,
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
    /// Egress proxy of this channel's provider calls: `http://host:port`, `https://…`,
    /// `socks5://…` or `socks5h://…`, without credentials (docs/gateway.md, "Egress proxy").
    /// Default: direct (or `HTTPS_PROXY`/`ALL_PROXY` from the environment).
    #[serde(default)]
    pub proxy: Option<String>,
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

impl Config {
    /// The usable channel called `name`.
    pub fn channel(&self, name: &str) -> Option<&ChannelConfig> {
        self.channels.iter().find(|c| c.name() == name)
    }

    /// The names of every configured channel, usable or not, in file order of each kind.
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.channels.iter().map(ChannelConfig::name).chain(self.unavailable.iter().map(|u| u.name.as_str()))
    }

    /// Why the channel called `name` cannot be used, when it is configured but unusable.
    pub fn unusable(&self, name: &str) -> Option<&str> {
        self.unavailable.iter().find(|u| u.name == name).map(|u| u.why.as_str())
    }

    /// The usable channel called `name`, or a message saying why there is none: unusable (and
    /// why), or unknown (the configured names, and the nearest one).
    pub fn find_channel(&self, name: &str) -> Result<&ChannelConfig, String> {
        if let Some(channel) = self.channel(name) {
            return Ok(channel);
        }
        if let Some(why) = self.unusable(name) {
            return Err(format!("channel {name:?} cannot be used: {why}"));
        }
        let names: Vec<&str> = self.channel_names().collect();
        let mut message = format!("unknown channel {name:?}; configured: {}", names.join(", "));
        if let Some(near) = locate::nearest(name, names.iter().copied()) {
            message.push_str(&format!(" (did you mean {near:?}?)"));
        }
        Err(message)
    }
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
    /// An admin key: every configured channel and the administrative endpoints; `channels`
    /// must then be empty.
    #[serde(default)]
    pub admin: bool,
}

#[cfg(test)]
mod tests;
