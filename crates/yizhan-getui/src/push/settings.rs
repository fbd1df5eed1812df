//! `settings`: offline retention, vendor-channel strategy, throttling and scheduling
//! (Getui REST v2 docs: push body). Every field is optional and omitted when unset
//! (docs/getui-client.md, mistake 8).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::limits::{ACTIVE_DAYS, SCHEDULE_AHEAD_MAX, TTL_MAX, TTL_MIN};
use crate::validate::{self as v, ValidationError};

/// Values of a `settings.strategy` entry.
pub mod strategy {
    /// Getui channel when the user is online, vendor channel when offline (Getui's default).
    pub const ONLINE_GETUI_OFFLINE_VENDOR: i32 = 1;
    /// Vendor channel only.
    pub const VENDOR_ONLY: i32 = 2;
    /// Getui channel only.
    pub const GETUI_ONLY: i32 = 3;
    /// Vendor first, the Getui channel if the vendor fails.
    pub const VENDOR_FIRST: i32 = 4;
    /// Vendor smart quota (`xm`, `vv`, `op`, `mz`; documented by one community SDK only).
    pub const VENDOR_SMART_QUOTA: i32 = 6;
    /// Every value this client accepts.
    pub const VALUES: [i32; 5] =
        [ONLINE_GETUI_OFFLINE_VENDOR, VENDOR_ONLY, GETUI_ONLY, VENDOR_FIRST, VENDOR_SMART_QUOTA];
    /// The catch-all channel key.
    pub const DEFAULT: &str = "default";
    /// The iOS (APNs) channel key; Getui recommends 2 or 4 for it.
    pub const IOS: &str = "ios";
}

/// The `settings` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Offline retention in ms, −1 ..= 259 200 000 (3 days). −1 means "online only", not
    /// "forever". Getui's default is 2 h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Channel strategy, an object `{channel key: value}` such as `{"default": 1, "ios": 4}`
    /// (see [`strategy`]). A VIP feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<BTreeMap<String, i32>>,
    /// Throttle, roughly N messages per second; 0 is unlimited (all/tag/fast_custom_tag only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<i64>,
    /// Scheduled send time, ms since the epoch, within 7 days (all/tag only; VIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_time: Option<i64>,
    /// Custom receipt field (SVIP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_callback: Option<String>,
    /// Skip users who turned notifications off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_notify_off: Option<bool>,
    /// Vendor smart quota: consecutive active days, 3–15.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_days: Option<i64>,
    /// Smart-quota fallback: send through the vendor when the offline message expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_backup: Option<bool>,
    /// Activity filter: the last N days (> 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate_filter_day: Option<i64>,
    /// Activity filter: 1 = users active in the window, −1 = users inactive in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate_filter_type: Option<i64>,
    /// Screen-on push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_push: Option<bool>,
    /// Screen-on push deadline in ms: > 0 and below `ttl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lst: Option<i64>,
    /// Screen-on push platforms: 1 android, 2 ios, 3 harmony (Getui's default `[1, 3]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_push_platform: Option<Vec<i64>>,
}

impl Settings {
    /// Settings with only `ttl` set.
    pub fn ttl(ttl_ms: i64) -> Self {
        Settings { ttl: Some(ttl_ms), ..Settings::default() }
    }

    /// True when no field is set (such settings need not be sent at all).
    pub fn is_empty(&self) -> bool {
        *self == Settings::default()
    }

    /// Checks every set field; `now_ms` (ms since the epoch) bounds `schedule_time`. Errors name
    /// `path.<field>`.
    pub fn validate(&self, path: &str, now_ms: i64) -> Result<(), ValidationError> {
        let f = |name: &str| v::at(path, name);
        v::opt_range(&f("ttl"), self.ttl, TTL_MIN, TTL_MAX)?;
        if let Some(strategy) = &self.strategy {
            for (key, value) in strategy {
                let field = format!("{}.{key}", f("strategy"));
                v::required(&field, key)?;
                if !strategy::VALUES.contains(value) {
                    return Err(ValidationError::new(
                        field,
                        format_args!("is {value}; it must be one of {:?}", strategy::VALUES),
                    ));
                }
            }
        }
        v::opt_range(&f("speed"), self.speed, 0, i64::MAX)?;
        if let Some(at) = self.schedule_time {
            let latest = now_ms.saturating_add(SCHEDULE_AHEAD_MAX);
            if at <= now_ms || at > latest {
                return Err(ValidationError::new(
                    f("schedule_time"),
                    format_args!(
                        "is {at} ms; it must be after now ({now_ms} ms) and at most 7 days ahead ({latest} ms)"
                    ),
                ));
            }
        }
        v::opt_range(&f("active_days"), self.active_days, ACTIVE_DAYS.0, ACTIVE_DAYS.1)?;
        v::opt_range(&f("activate_filter_day"), self.activate_filter_day, 1, i64::MAX)?;
        if let Some(t) = self.activate_filter_type.filter(|t| *t != 1 && *t != -1) {
            return Err(ValidationError::new(f("activate_filter_type"), format_args!("is {t}; it must be 1 or -1")));
        }
        if let Some(lst) = self.lst {
            let max = self.ttl.filter(|t| *t > 0).map_or(i64::MAX, |t| t - 1);
            v::range(&f("lst"), lst, 1, max)?;
        }
        if let Some(platforms) = &self.active_push_platform {
            let path = f("active_push_platform");
            for (i, p) in platforms.iter().enumerate() {
                v::range(&v::item(&path, i), *p, 1, 3)?;
            }
        }
        Ok(())
    }
}
