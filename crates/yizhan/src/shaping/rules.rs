//! Which quota units a dispatch takes: the provider names its account scope, its per-member
//! windows, its per-call units and which of them a call takes (docs/shaping.md); this module
//! adds the optional `<scope>:calls` cap and keeps the rules of one channel together.
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

use yizhan_core::window::Window;

use super::config::QuotaLimits;
use crate::config::ChannelConfig;
use crate::providers;

/// A minute, in ms.
pub(crate) const MINUTE_MS: i64 = 60_000;
/// An hour, in ms.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// A day, in ms.
pub(crate) const DAY_MS: i64 = 86_400_000;

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
    /// The provider's per-call units, each of its own [`Budget`].
    units: Vec<CallUnit>,
    calls: Option<CallUnit>,
}

/// The windows of `spec` (limit, length) whose limit is set and not 0.
pub(crate) fn windows(spec: &[(Option<u32>, i64)]) -> Vec<Window> {
    spec.iter().filter_map(|&(limit, len_ms)| limit.filter(|&l| l > 0).map(|limit| Window { len_ms, limit })).collect()
}

/// A per-call unit on `key`, unless it has no window.
pub(crate) fn unit(key: String, windows: Vec<Window>, budget: Budget) -> Option<CallUnit> {
    (!windows.is_empty()).then_some(CallUnit { key, windows, budget })
}

impl ChannelQuota {
    /// The rules of `channel` under `limits` (already resolved); `None` when the ledger is off
    /// for it.
    pub fn new(channel: &ChannelConfig, limits: QuotaLimits) -> Option<ChannelQuota> {
        if limits.enabled == Some(false) {
            return None;
        }
        let (scope, member, units) = providers::quota_rules(channel, &limits);
        let calls = unit(format!("{scope}:calls"), windows(&[(limits.calls_per_minute, MINUTE_MS)]), Budget::Calls);
        Some(ChannelQuota { scope, member, units, calls })
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
        self.units.iter().chain(&self.calls)
    }

    /// The per-member windows (WeCom app), empty for other kinds.
    pub fn member_windows(&self) -> &[Window] {
        &self.member
    }

    /// The per-call units a call to `endpoint` for `recipients` takes, scarcest first.
    pub fn call_units(&self, endpoint: &str, recipients: &[String]) -> Vec<&CallUnit> {
        let budget = providers::quota_budget(endpoint, recipients);
        let specific = budget.and_then(|b| self.units.iter().find(|u| u.budget == b));
        specific.into_iter().chain(self.calls.as_ref()).collect()
    }

    /// The per-member keys of a call: `(index in recipients, key)` for every member the
    /// provider counts (each `user:<id>` of a WeCom `message_send`, not `@all`); empty
    /// otherwise.
    pub fn member_keys(&self, endpoint: &str, recipients: &[String]) -> Vec<(usize, String)> {
        if self.member.is_empty() {
            return Vec::new();
        }
        providers::quota_members(endpoint, recipients)
            .into_iter()
            .map(|(i, member)| (i, format!("{}:user:{member}", self.scope)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Config;
    use crate::providers::endpoint;

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
