//! Which quota units a dispatch takes, per channel kind and endpoint.
//!
//! Keys are scoped to the provider account, never to a secret: `wecom:<corp_id>:<agent_id>` for
//! an app, `robot:<first 16 hex of SHA-256(key)>` for a group robot, `getui:<app_id>` for a
//! Getui app. Two channels on the same account share their budget.
//!
//! | endpoint | per recipient | per call |
//! |---|---|---|
//! | WeCom `message_send` | each `user:<id>` (id lower-cased), member windows | `party:`, `tag:`, `@all`: one unit on `<scope>:group_sends` with the member windows |
//! | WeCom `appchat_send` | — | `<scope>:appchat` (counted per app: every member of every chat is covered) |
//! | robot `webhook_send` | — | `<scope>` |
//! | Getui `push_all`, `push_tag` | — | `<scope>:broadcast` (shared, as at Getui) |
//! | any | — | `<scope>:calls` when `calls_per_minute` is set |
//!
//! Party, tag and `@all` sends reach members the gateway cannot count, so they are counted per
//! call on one key with the member windows: broadcasts alone never exceed a member's limit, but
//! a member also addressed directly can receive both budgets (see docs/shaping.md).

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use yizhan_core::window::Window;

use super::config::QuotaLimits;
use crate::config::ChannelConfig;
use crate::gateway::endpoint;
use crate::providers::Recipient;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Why a dispatch waits: the kind of budget that was exhausted (the `reason` label of
/// `yizhan_deferrals_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Budget {
    /// WeCom app messages per member (30/min, 1000/h).
    Member,
    /// WeCom party/tag/@all sends, counted per call with the member windows.
    GroupSends,
    /// WeCom appchat sends per app.
    Appchat,
    /// Group robot messages per key.
    Robot,
    /// Getui push/all + push/tag per app.
    Broadcast,
    /// The channel's optional calls-per-minute cap.
    Calls,
}

impl Budget {
    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Budget::Member => "member",
            Budget::GroupSends => "group_sends",
            Budget::Appchat => "appchat",
            Budget::Robot => "robot",
            Budget::Broadcast => "broadcast",
            Budget::Calls => "calls",
        }
    }
}

/// A per-call unit: one key under some windows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallUnit {
    /// The ledger key.
    pub key: String,
    /// Its windows (never empty).
    pub windows: Vec<Window>,
    /// What it stands for.
    pub budget: Budget,
}

/// One channel's resolved quota rules.
#[derive(Debug, Clone)]
pub struct ChannelQuota {
    scope: String,
    member: Vec<Window>,
    group_sends: Option<CallUnit>,
    appchat: Option<CallUnit>,
    robot: Option<CallUnit>,
    broadcast: Option<CallUnit>,
    calls: Option<CallUnit>,
}

fn windows(spec: &[(Option<u32>, i64)]) -> Vec<Window> {
    spec.iter().filter_map(|&(limit, len_ms)| limit.filter(|&l| l > 0).map(|limit| Window { len_ms, limit })).collect()
}

fn unit(key: String, windows: Vec<Window>, budget: Budget) -> Option<CallUnit> {
    (!windows.is_empty()).then_some(CallUnit { key, windows, budget })
}

impl ChannelQuota {
    /// The rules of `channel` under `limits` (already resolved); `None` when the ledger is off
    /// for it.
    pub fn new(channel: &ChannelConfig, limits: QuotaLimits) -> Option<ChannelQuota> {
        if limits.enabled == Some(false) {
            return None;
        }
        let scope = match channel {
            ChannelConfig::WecomApp(c) => format!("wecom:{}:{}", c.corp_id, c.agent_id),
            ChannelConfig::WecomRobot(c) => {
                let digest = Sha256::digest(c.key.expose_secret().as_bytes());
                let hex = hex::encode(&digest[..8]);
                format!("robot:{hex}")
            }
            ChannelConfig::Getui(c) => format!("getui:{}", c.app_id),
        };
        let member = windows(&[(limits.wecom_member_per_minute, MINUTE_MS), (limits.wecom_member_per_hour, HOUR_MS)]);
        let (mut group_sends, mut appchat, mut robot, mut broadcast) = (None, None, None, None);
        match channel {
            ChannelConfig::WecomApp(_) => {
                group_sends = unit(format!("{scope}:group_sends"), member.clone(), Budget::GroupSends);
                let spec = [(limits.wecom_appchat_per_minute, MINUTE_MS), (limits.wecom_appchat_per_day, DAY_MS)];
                appchat = unit(format!("{scope}:appchat"), windows(&spec), Budget::Appchat);
            }
            ChannelConfig::WecomRobot(_) => {
                robot = unit(scope.clone(), windows(&[(limits.robot_per_minute, MINUTE_MS)]), Budget::Robot);
            }
            ChannelConfig::Getui(_) => {
                let spec = [(limits.getui_broadcast_per_minute, MINUTE_MS), (limits.getui_broadcast_per_day, DAY_MS)];
                broadcast = unit(format!("{scope}:broadcast"), windows(&spec), Budget::Broadcast);
            }
        }
        let calls = unit(format!("{scope}:calls"), windows(&[(limits.calls_per_minute, MINUTE_MS)]), Budget::Calls);
        let member = if matches!(channel, ChannelConfig::WecomApp(_)) { member } else { Vec::new() };
        Some(ChannelQuota { scope, member, group_sends, appchat, robot, broadcast, calls })
    }

    /// The account scope of every key of this channel.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The longest window of any rule, in ms (0 when there is none).
    pub fn longest_ms(&self) -> i64 {
        self.member.iter().chain(self.call_rules().flat_map(|u| u.windows.iter())).map(|w| w.len_ms).max().unwrap_or(0)
    }

    /// Every per-call rule of the channel.
    pub fn call_rules(&self) -> impl Iterator<Item = &CallUnit> {
        [&self.group_sends, &self.appchat, &self.robot, &self.broadcast, &self.calls].into_iter().flatten()
    }

    /// The per-member windows (WeCom app), empty for other kinds.
    pub fn member_windows(&self) -> &[Window] {
        &self.member
    }

    /// The per-call units a call to `endpoint` for `recipients` takes, scarcest first.
    pub fn call_units(&self, endpoint: &str, recipients: &[String]) -> Vec<&CallUnit> {
        let specific = match endpoint {
            endpoint::WECOM_MESSAGE_SEND => {
                let broad = recipients.iter().any(|r| {
                    matches!(
                        Recipient::parse(r),
                        Recipient::Party(_) | Recipient::Tag(_) | Recipient::User("@all") | Recipient::Other("all")
                    )
                });
                if broad { self.group_sends.as_ref() } else { None }
            }
            endpoint::WECOM_APPCHAT_SEND => self.appchat.as_ref(),
            endpoint::WECOM_WEBHOOK_SEND => self.robot.as_ref(),
            endpoint::GETUI_PUSH_ALL | endpoint::GETUI_PUSH_TAG => self.broadcast.as_ref(),
            _ => None,
        };
        specific.into_iter().chain(self.calls.as_ref()).collect()
    }

    /// The per-member keys of a call: `(index in recipients, key)` for every `user:<id>` of a
    /// WeCom `message_send` (not `@all`); empty otherwise.
    pub fn member_keys(&self, endpoint: &str, recipients: &[String]) -> Vec<(usize, String)> {
        if self.member.is_empty() || endpoint != endpoint::WECOM_MESSAGE_SEND {
            return Vec::new();
        }
        recipients
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let user = Recipient::parse(r).user()?;
                (user != "@all").then(|| (i, format!("{}:user:{}", self.scope, user.to_lowercase())))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;

    fn config() -> Config {
        let text = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww1\"\nagent_id = 7\nsecret = \"s\"\n\
                    [[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"robot-secret-key\"\n\
                    [channels.quota]\ncalls_per_minute = 9\n\
                    [[channels]]\nname = \"push\"\nkind = \"getui\"\napp_id = \"gapp\"\napp_key = \"k\"\nmaster_secret = \"m\"\n";
        Config::parse(text, "t.toml", &HashMap::new()).unwrap()
    }

    fn quota(config: &Config, name: &str) -> ChannelQuota {
        ChannelQuota::new(config.channel(name).unwrap(), QuotaLimits::PROVIDER).unwrap()
    }

    #[test]
    fn keys_name_the_account_never_the_secret() {
        let config = config();
        let app = quota(&config, "ops");
        let recipients = ["user:Alice".to_owned(), "party:2".to_owned(), "user:@all".to_owned()];
        assert_eq!(
            app.member_keys(endpoint::WECOM_MESSAGE_SEND, &recipients),
            vec![(0, "wecom:ww1:7:user:alice".to_owned())]
        );
        let units = app.call_units(endpoint::WECOM_MESSAGE_SEND, &recipients);
        assert_eq!(units.iter().map(|u| u.key.as_str()).collect::<Vec<_>>(), ["wecom:ww1:7:group_sends"]);
        assert!(app.call_units(endpoint::WECOM_MESSAGE_SEND, &recipients[..1]).is_empty());
        let bot = ChannelQuota::new(
            config.channel("bot").unwrap(),
            QuotaLimits { calls_per_minute: Some(9), ..QuotaLimits::PROVIDER },
        )
        .unwrap();
        let units = bot.call_units(endpoint::WECOM_WEBHOOK_SEND, &["group".to_owned()]);
        assert_eq!(units.len(), 2);
        assert!(units[0].key.starts_with("robot:") && units[0].key.len() == "robot:".len() + 16);
        assert!(!units[0].key.contains("robot-secret-key"));
        assert_eq!(units[0].windows, [Window::per_minute(20)]);
        assert_eq!(units[1].budget, Budget::Calls);
        let push = quota(&config, "push");
        let units = push.call_units(endpoint::GETUI_PUSH_TAG, &[]);
        assert_eq!(units[0].key, "getui:gapp:broadcast");
        assert_eq!(units[0].windows, [Window::per_minute(5), Window { len_ms: DAY_MS, limit: 20 }]);
        assert!(push.call_units(endpoint::GETUI_PUSH_SINGLE_CID, &[]).is_empty());
        assert_eq!(push.longest_ms(), DAY_MS);
    }

    #[test]
    fn zero_switches_a_window_off_and_enabled_false_the_channel() {
        let config = config();
        let limits = QuotaLimits { wecom_member_per_minute: Some(0), ..QuotaLimits::PROVIDER };
        let app = ChannelQuota::new(config.channel("ops").unwrap(), limits).unwrap();
        assert_eq!(app.member_windows(), [Window::per_hour(1000)]);
        let off = QuotaLimits { enabled: Some(false), ..QuotaLimits::PROVIDER };
        assert!(ChannelQuota::new(config.channel("ops").unwrap(), off).is_none());
    }
}
