//! Configuration of the emulated Getui (个推) REST v2 API: apps, the cid registry and the limits.
//!
//! Defaults (the demo setup, also used by `yizhan demo`): app `yizhandemo` / `yizhan-demo-appkey` /
//! `yizhan-demo-master`; `cid-alice` online (tags vip, beijing), `cid-bob` offline (tag beta),
//! `cid-old` inactive for over 90 days; alias `alice` → `cid-alice`. In TOML a `cids` or `aliases`
//! table replaces the default map as a whole; scalar limits override one by one.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// Default Getui appId of the demo app.
pub const DEFAULT_GETUI_APP_ID: &str = "yizhandemo";
/// Default Getui appKey of the demo app.
pub const DEFAULT_GETUI_APP_KEY: &str = "yizhan-demo-appkey";
/// Default Getui masterSecret of the demo app.
pub const DEFAULT_GETUI_MASTER_SECRET: &str = "yizhan-demo-master";

/// Most cids one alias may be bound to (Getui REST v2 docs: user API).
pub const MAX_CIDS_PER_ALIAS: usize = 10;

/// The emulated Getui service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GetuiConfig {
    /// Apps that may authenticate. Default: the demo app.
    pub apps: Vec<GetuiApp>,
    /// The cid registry shared by every app: cid → state, tags, phone type.
    pub cids: BTreeMap<String, CidConfig>,
    /// Alias → bound cids (at most 10; one alias per cid). Default: `alice` → `cid-alice`.
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Token lifetime in ms (`expire_time` = issue time + this). Default: 86 400 000 (1 day).
    pub token_lifetime_ms: i64,
    /// `/auth` calls per app per sliding minute before 10003. Default: 100.
    pub auth_per_minute: u32,
    /// Largest accepted |now − timestamp| on `/auth`, in ms; 0 or less turns the check off.
    /// Default: 600 000 (10 minutes). The real window is unconfirmed.
    pub auth_timestamp_skew_ms: i64,
    /// Accept the `/auth` sign in upper-case hex too. Default: false (every SDK sends lower case).
    pub sign_case_insensitive: bool,
    /// Business code for a request to an unknown appId (HTTP status per the code). Default: 10001.
    pub unknown_app_code: i64,
    /// `/push/all` + `/push/tag` calls per app per sliding minute before 30014. Default: 5.
    pub app_push_per_minute: u32,
    /// `/push/all` + `/push/tag` calls per app per day (UTC+8) before 30007 / 30010. Default: 100
    /// (newer sources say 20).
    pub app_push_per_day: u32,
    /// List-push targets per app per day (UTC+8) before 30008. Default: 2 000 000.
    pub list_push_per_day: u64,
    /// How long a `request_id` is remembered per app, in ms. Default: 86 400 000 (24 h).
    pub request_id_window_ms: i64,
    /// The answer to a repeated `request_id`. Default: [`DedupeAnswer::Original`].
    pub dedupe_answer: DedupeAnswer,
    /// Whether `GET /task/detail/{cid}/{taskid}` is granted (else 401/10004). Default: false.
    pub task_detail_permission: bool,
    /// Most cids / aliases per `/push/list/cid|alias` call. Default: 1000 (older plans: 200).
    pub list_audience_max: usize,
    /// Most items in `msg_list` of `/push/single/batch/*`. Default: 200.
    pub batch_max: usize,
}

/// One Getui app: the credentials `/auth` checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GetuiApp {
    /// The appId in `/v2/{appId}/…`. Default: `yizhandemo`.
    pub app_id: String,
    /// The appkey of the `/auth` body. Default: `yizhan-demo-appkey`.
    pub app_key: String,
    /// The master secret in the `/auth` sign. Default: `yizhan-demo-master`.
    pub master_secret: String,
}

/// One registered cid (client id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CidConfig {
    /// Online, offline or inactive (over 90 days). Default: online.
    pub status: CidStatus,
    /// Custom tags (`custom_tag` conditions, `fast_custom_tag`).
    pub tags: Vec<String>,
    /// Device platform (`phone_type` conditions). Default: android.
    pub phone_type: PhoneType,
    /// Region codes (`region` conditions), e.g. a province and a city code.
    pub region: Vec<String>,
    /// Persona codes (`portrait` conditions).
    pub portrait: Vec<String>,
}

/// The state of a cid, which decides the per-cid push status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CidStatus {
    /// Connected: `successed_online`.
    #[default]
    Online,
    /// Not connected: `successed_offline` (stored offline or handed to a vendor).
    Offline,
    /// Unused for over 90 days: `successed_ignore`, not delivered.
    Inactive,
}

/// The platform of a cid's device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhoneType {
    /// Android.
    #[default]
    Android,
    /// iOS.
    Ios,
}

/// What the emulator answers when a `request_id` repeats within the window (unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DedupeAnswer {
    /// Success with the original call's result; nothing is delivered again.
    #[default]
    Original,
    /// HTTP 400, code 20001 `request_id cannot be repeat.`; nothing is delivered again.
    Error,
}

impl Default for GetuiConfig {
    fn default() -> Self {
        let cid = |status, tags: &[&str]| CidConfig {
            status,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..CidConfig::default()
        };
        Self {
            apps: vec![GetuiApp::default()],
            cids: BTreeMap::from([
                ("cid-alice".to_owned(), cid(CidStatus::Online, &["vip", "beijing"])),
                ("cid-bob".to_owned(), cid(CidStatus::Offline, &["beta"])),
                ("cid-old".to_owned(), cid(CidStatus::Inactive, &[])),
            ]),
            aliases: BTreeMap::from([("alice".to_owned(), vec!["cid-alice".to_owned()])]),
            token_lifetime_ms: 86_400_000,
            auth_per_minute: 100,
            auth_timestamp_skew_ms: 600_000,
            sign_case_insensitive: false,
            unknown_app_code: 10001,
            app_push_per_minute: 5,
            app_push_per_day: 100,
            list_push_per_day: 2_000_000,
            request_id_window_ms: 86_400_000,
            dedupe_answer: DedupeAnswer::Original,
            task_detail_permission: false,
            list_audience_max: 1000,
            batch_max: 200,
        }
    }
}

impl Default for GetuiApp {
    fn default() -> Self {
        Self {
            app_id: DEFAULT_GETUI_APP_ID.to_owned(),
            app_key: DEFAULT_GETUI_APP_KEY.to_owned(),
            master_secret: DEFAULT_GETUI_MASTER_SECRET.to_owned(),
        }
    }
}

impl GetuiConfig {
    /// Checks apps, cids and aliases for contradictions.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |msg: String| Err(ConfigError::Invalid(msg));
        if self.token_lifetime_ms <= 0 {
            return invalid("getui.token_lifetime_ms must be at least 1".to_owned());
        }
        let mut ids = HashSet::new();
        for app in &self.apps {
            if app.app_id.is_empty() || app.app_key.is_empty() || app.master_secret.is_empty() {
                return invalid("every getui app needs an app_id, an app_key and a master_secret".to_owned());
            }
            if app.app_id.contains(['/', '?', '#', '%']) {
                return invalid(format!("getui app_id {:?} contains a URL delimiter", app.app_id));
            }
            if !ids.insert(app.app_id.as_str()) {
                return invalid(format!("getui app {} is configured twice", app.app_id));
            }
        }
        for (cid, config) in &self.cids {
            if cid.is_empty() || cid.contains(['/', ',', ' ']) {
                return invalid(format!("getui cid {cid:?} is empty or contains '/', ',' or a space"));
            }
            if let Some(tag) = config.tags.iter().find(|t| t.is_empty() || t.contains(' ')) {
                return invalid(format!("getui cid {cid}: tag {tag:?} is empty or contains a space"));
            }
        }
        let mut bound = HashSet::new();
        for (alias, cids) in &self.aliases {
            if alias.is_empty() || cids.len() > MAX_CIDS_PER_ALIAS {
                return invalid(format!("getui alias {alias:?} is empty or has more than 10 cids"));
            }
            for cid in cids {
                if !self.cids.contains_key(cid) {
                    return invalid(format!("getui alias {alias} names unknown cid {cid}"));
                }
                if !bound.insert(cid.as_str()) {
                    return invalid(format!("getui cid {cid} is bound to two aliases (one alias per cid)"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmulatorConfig;

    #[test]
    fn defaults_match_design() {
        let c = GetuiConfig::default();
        assert_eq!(c.apps[0].app_id, "yizhandemo");
        assert_eq!(c.cids["cid-alice"].tags, ["vip", "beijing"]);
        assert_eq!(c.cids["cid-bob"].status, CidStatus::Offline);
        assert_eq!(c.cids["cid-old"].status, CidStatus::Inactive);
        assert_eq!(c.aliases["alice"], ["cid-alice"]);
        c.validate().expect("defaults are valid");
    }

    #[test]
    fn toml_overrides_and_rejects() {
        let c = EmulatorConfig::from_toml(
            "[getui]\napp_push_per_day = 20\ndedupe_answer = \"error\"\n[getui.cids.c1]\nstatus = \"offline\"\n\
             phone_type = \"ios\"\n[getui.aliases]\n\"张三\" = [\"c1\"]\n",
        )
        .expect("valid");
        assert_eq!(c.getui.app_push_per_day, 20);
        assert_eq!(c.getui.dedupe_answer, DedupeAnswer::Error);
        assert_eq!(c.getui.cids.len(), 1);
        assert_eq!(c.getui.cids["c1"].phone_type, PhoneType::Ios);
        assert_eq!(c.getui.apps, [GetuiApp::default()]);
        let bad = "[getui.aliases]\nx = [\"nope\"]\n";
        assert!(matches!(EmulatorConfig::from_toml(bad), Err(ConfigError::Invalid(_))));
        let twice = "[getui.aliases]\nx = [\"cid-alice\"]\ny = [\"cid-alice\"]\n";
        assert!(matches!(EmulatorConfig::from_toml(twice), Err(ConfigError::Invalid(_))));
        assert!(matches!(EmulatorConfig::from_toml("[getui]\nbogus = 1"), Err(ConfigError::Toml(_))));
    }
}
