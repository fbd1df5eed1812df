//! `push_channel`: vendor (Android UPS), APNs and HarmonyOS content (Getui REST v2 docs: push
//! body), used when the Getui channel cannot deliver (user offline, or iOS).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::click::ClickType;
use super::content::Content;
use super::ios::IosChannel;
use super::limits::{BODY_MAX, HARMONY_CATEGORY_MAX, NOTIFY_ID_MAX, TASK_ID_MAX, TITLE_MAX, TRANSMISSION_MAX};
use crate::validate::{self as v, ValidationError};

/// Vendor options: `{CONSTRAINT: {key: value}}`, e.g. `{"HW": {"/message/android/notification/importance":
/// "NORMAL"}, "VV": {"classification": 1}}`. CONSTRAINT is `ALL`, `HW`, `HO`, `XM`, `XMG`, `VV`,
/// `OP`, `OPG`, `MZ` or `UPS`; keys are vendor-specific (often JSON paths) and values any JSON.
/// Not the flat `{constraint, key, value}` object some clients send (docs/getui-client.md, mistake
/// 9).
pub type VendorOptions = BTreeMap<String, BTreeMap<String, serde_json::Value>>;

/// The `push_channel` object; every channel optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushChannel {
    /// APNs content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios: Option<IosChannel>,
    /// Android vendor (UPS) content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android: Option<AndroidChannel>,
    /// HarmonyOS content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harmony: Option<HarmonyChannel>,
}

/// `push_channel.android`: `{"ups": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidChannel {
    /// The vendor content.
    pub ups: Ups,
}

/// `push_channel.android.ups`: exactly one of notification / transmission / revoke, plus
/// vendor options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ups {
    /// The content (flattened: `"notification": {...}` and so on).
    #[serde(flatten)]
    pub content: Content<UpsNotification, UpsRevoke>,
    /// Vendor-specific options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<VendorOptions>,
}

impl Ups {
    /// Vendor content without options.
    pub fn new(content: Content<UpsNotification, UpsRevoke>) -> Self {
        Ups { content, options: None }
    }
}

impl From<Ups> for AndroidChannel {
    fn from(ups: Ups) -> Self {
        AndroidChannel { ups }
    }
}

/// A vendor notification. Vendors truncate below Getui's limits (e.g. Meizu/OPPO titles at 32);
/// only Getui's own limits are enforced here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsNotification {
    /// ≤ 50 characters.
    pub title: String,
    /// ≤ 256 characters.
    pub body: String,
    /// `intent`, `url` (Huawei/Honor want https), `startapp`, `payload` or `none`.
    #[serde(flatten)]
    pub click_type: ClickType,
    /// 0–2147483647; overwrites on Huawei, Honor, Xiaomi, OPPO, vivo and Meizu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_id: Option<i64>,
}

impl UpsNotification {
    /// A vendor notification with the required fields only.
    pub fn new(title: impl Into<String>, body: impl Into<String>, click_type: ClickType) -> Self {
        UpsNotification { title: title.into(), body: body.into(), click_type, notify_id: None }
    }
}

/// A vendor or Harmony revoke: `{"old_task_id": "..."}` (vendor side: Xiaomi and vivo only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpsRevoke {
    /// The taskid to withdraw.
    pub old_task_id: String,
}

/// `push_channel.harmony`: one of notification / transmission / revoke, plus options such as
/// `{"HW": {"/payload/notification/notifyId": 1234}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmonyChannel {
    /// The content (flattened).
    #[serde(flatten)]
    pub content: Content<HarmonyNotification, UpsRevoke>,
    /// Vendor options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<VendorOptions>,
}

impl HarmonyChannel {
    /// Harmony content without options.
    pub fn new(content: Content<HarmonyNotification, UpsRevoke>) -> Self {
        HarmonyChannel { content, options: None }
    }
}

/// A HarmonyOS notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarmonyNotification {
    /// ≤ 50 characters.
    pub title: String,
    /// ≤ 256 characters.
    pub body: String,
    /// Notification category, ≤ 50 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `want`, `startapp` or `payload`.
    #[serde(flatten)]
    pub click_type: ClickType,
    /// 0–2147483647.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_id: Option<i64>,
}

/// Click types a vendor notification accepts.
const UPS_CLICK_TYPES: [&str; 5] = ["intent", "url", "startapp", "payload", "none"];
/// Click types a Harmony notification accepts.
const HARMONY_CLICK_TYPES: [&str; 3] = ["want", "startapp", "payload"];

impl PushChannel {
    /// Checks every set channel; errors name `push_channel.<channel>.…`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(ios) = &self.ios {
            ios.validate("push_channel.ios")?;
        }
        if let Some(android) = &self.android {
            let path = "push_channel.android.ups";
            validate_content(path, &android.ups.content, |p, n| {
                text_pair(p, &n.title, &n.body)?;
                n.click_type.validate_allowed(p, &UPS_CLICK_TYPES)?;
                n.click_type.validate(p)?;
                v::opt_range(&v::at(p, "notify_id"), n.notify_id, 0, NOTIFY_ID_MAX)
            })?;
            validate_options(&v::at(path, "options"), android.ups.options.as_ref())?;
        }
        if let Some(harmony) = &self.harmony {
            let path = "push_channel.harmony";
            validate_content(path, &harmony.content, |p, n| {
                text_pair(p, &n.title, &n.body)?;
                v::opt_max_chars(&v::at(p, "category"), n.category.as_deref(), HARMONY_CATEGORY_MAX)?;
                n.click_type.validate_allowed(p, &HARMONY_CLICK_TYPES)?;
                n.click_type.validate(p)?;
                v::opt_range(&v::at(p, "notify_id"), n.notify_id, 0, NOTIFY_ID_MAX)
            })?;
            validate_options(&v::at(path, "options"), harmony.options.as_ref())?;
        }
        Ok(())
    }
}

fn text_pair(path: &str, title: &str, body: &str) -> Result<(), ValidationError> {
    v::required_max_chars(&v::at(path, "title"), title, TITLE_MAX)?;
    v::required_max_chars(&v::at(path, "body"), body, BODY_MAX)
}

fn validate_content<N>(
    path: &str,
    content: &Content<N, UpsRevoke>,
    notification: impl FnOnce(&str, &N) -> Result<(), ValidationError>,
) -> Result<(), ValidationError> {
    let field = v::at(path, content.key());
    match content {
        Content::Notification(n) => notification(&field, n),
        Content::Transmission(t) => v::required_max_chars(&field, t, TRANSMISSION_MAX),
        Content::Revoke(r) => v::identifier(&v::at(&field, "old_task_id"), &r.old_task_id, TASK_ID_MAX),
    }
}

/// CONSTRAINT keys are upper-case letters (`HW`, `XMG`, `ALL`, …); option keys are set.
fn validate_options(path: &str, options: Option<&VendorOptions>) -> Result<(), ValidationError> {
    for (constraint, entries) in options.into_iter().flatten() {
        let field = format!("{path}.{constraint}");
        if constraint.is_empty() || !constraint.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ValidationError::new(
                field,
                "is not a vendor constraint; use ALL, HW, HO, XM, XMG, VV, OP, OPG, MZ or UPS, \
                 each mapping to {key: value}",
            ));
        }
        if entries.keys().any(String::is_empty) {
            return Err(ValidationError::new(field, "has an empty option key"));
        }
    }
    Ok(())
}
