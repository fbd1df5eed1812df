//! Quota limits as configured: `[shaping.quota]` holds the defaults for every channel and a
//! channel's `[channels.quota]` overrides single values. Every field is optional; an unset field
//! falls back to the `[shaping.quota]` value, then to the provider's documented limit
//! ([`QuotaLimits::PROVIDER`]). A value of 0 switches that window off.
//!
//! ```toml
//! [shaping.quota]
//! wecom_member_per_minute = 30      # WeCom app message/send, per member per app
//! wecom_member_per_hour = 1000
//! robot_per_minute = 20             # per robot webhook key
//! dingtalk_per_minute = 20          # per DingTalk robot
//! feishu_per_second = 5             # per Feishu/Lark bot
//! feishu_per_minute = 100
//! email_per_minute = 30             # per email channel (SMTP messages)
//!
//! [[channels]]
//! name = "ops"
//! kind = "wecom_app"
//! # …
//! [channels.quota]
//! calls_per_minute = 600            # optional cap on provider calls of this channel
//! ```

use serde::Deserialize;

/// Quota limits; `None` means "inherit". See the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaLimits {
    /// `false` turns the ledger off for the channel (or, in `[shaping.quota]`, for all). Default true.
    pub enabled: Option<bool>,
    /// WeCom app `message/send`: messages per member per app per sliding minute. Default 30
    /// (WeCom drops the excess silently).
    pub wecom_member_per_minute: Option<u32>,
    /// WeCom app `message/send`: messages per member per app per sliding hour. Default 1000.
    pub wecom_member_per_hour: Option<u32>,
    /// WeCom `appchat/send`: sends per app per sliding minute. Default 200 (each member takes at
    /// most 200 per minute from one app across its chats; counted per app, so it always holds).
    pub wecom_appchat_per_minute: Option<u32>,
    /// WeCom `appchat/send`: sends per app per sliding day. Default 10000 (the per-member daily cap).
    pub wecom_appchat_per_day: Option<u32>,
    /// Group robot: messages per webhook key per sliding minute. Default 20 (45009 beyond).
    pub robot_per_minute: Option<u32>,
    /// DingTalk robot: messages per robot per sliding minute. Default 20 (beyond it DingTalk
    /// blocks the robot for 10 minutes).
    pub dingtalk_per_minute: Option<u32>,
    /// Feishu/Lark bot: messages per bot per sliding second. Default 5 (11232 beyond).
    pub feishu_per_second: Option<u32>,
    /// Feishu/Lark bot: messages per bot per sliding minute. Default 100 (11232 beyond).
    pub feishu_per_minute: Option<u32>,
    /// Email: messages (one per recipient) per channel per sliding minute. Default 30, the
    /// common limit of hosted submission servers (docs/email.md, "Limits").
    pub email_per_minute: Option<u32>,
    /// Getui `push/all` + `push/tag` (shared): per app per sliding minute. Default 5.
    pub getui_broadcast_per_minute: Option<u32>,
    /// Getui `push/all` + `push/tag` (shared): per app per sliding day. Default 20 (the lower of
    /// the published 20/day and 100/day).
    pub getui_broadcast_per_day: Option<u32>,
    /// Provider calls of the channel per sliding minute, whatever the endpoint. Default: no cap.
    pub calls_per_minute: Option<u32>,
}

impl QuotaLimits {
    /// The providers' documented limits (docs/shaping.md, "Limits, defaults and
    /// sources"), used where nothing is configured.
    pub const PROVIDER: QuotaLimits = QuotaLimits {
        enabled: Some(true),
        wecom_member_per_minute: Some(30),
        wecom_member_per_hour: Some(1000),
        wecom_appchat_per_minute: Some(200),
        wecom_appchat_per_day: Some(10_000),
        robot_per_minute: Some(20),
        dingtalk_per_minute: Some(20),
        feishu_per_second: Some(5),
        feishu_per_minute: Some(100),
        email_per_minute: Some(30),
        getui_broadcast_per_minute: Some(5),
        getui_broadcast_per_day: Some(20),
        calls_per_minute: None,
    };

    /// `self` with every unset field taken from `fallback`.
    pub fn or(self, fallback: QuotaLimits) -> QuotaLimits {
        QuotaLimits {
            enabled: self.enabled.or(fallback.enabled),
            wecom_member_per_minute: self.wecom_member_per_minute.or(fallback.wecom_member_per_minute),
            wecom_member_per_hour: self.wecom_member_per_hour.or(fallback.wecom_member_per_hour),
            wecom_appchat_per_minute: self.wecom_appchat_per_minute.or(fallback.wecom_appchat_per_minute),
            wecom_appchat_per_day: self.wecom_appchat_per_day.or(fallback.wecom_appchat_per_day),
            robot_per_minute: self.robot_per_minute.or(fallback.robot_per_minute),
            dingtalk_per_minute: self.dingtalk_per_minute.or(fallback.dingtalk_per_minute),
            feishu_per_second: self.feishu_per_second.or(fallback.feishu_per_second),
            feishu_per_minute: self.feishu_per_minute.or(fallback.feishu_per_minute),
            email_per_minute: self.email_per_minute.or(fallback.email_per_minute),
            getui_broadcast_per_minute: self.getui_broadcast_per_minute.or(fallback.getui_broadcast_per_minute),
            getui_broadcast_per_day: self.getui_broadcast_per_day.or(fallback.getui_broadcast_per_day),
            calls_per_minute: self.calls_per_minute.or(fallback.calls_per_minute),
        }
    }

    /// A channel's effective limits: its own, then `defaults` (`[shaping.quota]`), then [`Self::PROVIDER`].
    pub fn resolve(channel: QuotaLimits, defaults: QuotaLimits) -> QuotaLimits {
        channel.or(defaults).or(QuotaLimits::PROVIDER)
    }
}

/// `[shaping]`: how the gateway shapes traffic (docs/shaping.md). Every field has a
/// default; the quota ledger's part is `[shaping.quota]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShapingConfig {
    /// A `send_at` on minute :00 or :30 (seconds 0) is moved to a time within this many seconds
    /// after it, chosen from the message id, unless the request sets `options.exact`. WeCom asks
    /// senders to avoid the full and half hour. 0 disables. Default 180.
    pub peak_spread_secs: u64,
    /// WeCom `message/send` dispatches with identical content and options accepted within this
    /// many milliseconds of each other go out in one call per 1000 users, Getui single pushes
    /// to one cid in one list task per 1000 cids. 0 disables. Default 5.
    pub coalesce_window_ms: u64,
    /// Whether Getui single pushes coalesce into list tasks. A list push is not known to be
    /// deduplicated by Getui, so a merged call resent after an ambiguous timeout may notify a
    /// cid twice, where single pushes are deduplicated by their `request_id`. Default true.
    pub coalesce_getui: bool,
    /// `[shaping.quota]`: default quota limits of every channel.
    pub quota: QuotaLimits,
}

impl Default for ShapingConfig {
    fn default() -> Self {
        ShapingConfig {
            peak_spread_secs: 180,
            coalesce_window_ms: 5,
            coalesce_getui: true,
            quota: QuotaLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_then_defaults_then_provider() {
        let channel = QuotaLimits { robot_per_minute: Some(10), ..QuotaLimits::default() };
        let defaults =
            QuotaLimits { robot_per_minute: Some(15), calls_per_minute: Some(100), ..QuotaLimits::default() };
        let limits = QuotaLimits::resolve(channel, defaults);
        assert_eq!(limits.robot_per_minute, Some(10));
        assert_eq!(limits.calls_per_minute, Some(100));
        assert_eq!(limits.wecom_member_per_hour, Some(1000));
        assert_eq!(QuotaLimits::resolve(QuotaLimits::default(), QuotaLimits::default()), QuotaLimits::PROVIDER);
    }
}
