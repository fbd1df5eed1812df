//! `push_message`: the Getui-channel content (Getui REST v2 docs: push body), and its notification.

use serde::{Deserialize, Serialize};

use super::click::ClickType;
use super::content::Content;

/// The `push_message` object: one [`Content`] plus delivery options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushMessage {
    /// 0 = any network, 1 = Wi-Fi only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_type: Option<i64>,
    /// Display window `"<startMs>-<endMs>"`, longer than 10 minutes; see
    /// [`PushMessage::with_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// `notification`, `transmission` or `revoke` (exactly one).
    #[serde(flatten)]
    pub content: Content<Notification, Revoke>,
}

impl PushMessage {
    /// A notification shown by the Getui SDK (Android and Harmony; iOS never shows
    /// Getui-channel notifications: use [`PushMessage::transmission`] plus
    /// `push_channel.ios`).
    pub fn notification(notification: Notification) -> Self {
        Self::from(Content::Notification(notification))
    }

    /// A pass-through string delivered to the app (≤ 3072 characters).
    pub fn transmission(transmission: impl Into<String>) -> Self {
        Self::from(Content::Transmission(transmission.into()))
    }

    /// Revokes an earlier Getui-channel notification.
    pub fn revoke(revoke: Revoke) -> Self {
        Self::from(Content::Revoke(revoke))
    }

    /// Sets `duration` to `"<start_ms>-<end_ms>"`.
    pub fn with_duration(mut self, start_ms: i64, end_ms: i64) -> Self {
        self.duration = Some(format!("{start_ms}-{end_ms}"));
        self
    }
}

impl From<Content<Notification, Revoke>> for PushMessage {
    fn from(content: Content<Notification, Revoke>) -> Self {
        PushMessage { network_type: None, duration: None, content }
    }
}

/// `push_message.notification`: title, body and click action are required; everything else is
/// omitted when `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// ≤ 50 characters.
    pub title: String,
    /// ≤ 256 characters.
    pub body: String,
    /// What a tap does, with its companion field (flattened: `click_type` + `url`/…).
    #[serde(flatten)]
    pub click_type: ClickType,
    /// Long text, ≤ 512 characters; not together with `big_image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub big_text: Option<String>,
    /// Large image URL, ≤ 1024 characters; not together with `big_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub big_image: Option<String>,
    /// Icon file name with suffix, e.g. `push.png`, ≤ 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Icon URL, ≤ 256 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// Android notification channel id (Getui default `Default`), ≤ 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Android notification channel name (Getui default `Default`), ≤ 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_name: Option<String>,
    /// 0–4 (Getui default 3): 0 silent and hidden … 4 sound, vibration and heads-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_level: Option<i64>,
    /// 0–2147483647; a later notification with the same id replaces this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_id: Option<i64>,
    /// Custom sound file name without suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_name: Option<String>,
    /// Added to the badge (Huawei EMUI ≥ 4.1), > 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge_add_num: Option<i64>,
    /// Fold group for Getui-channel Android notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Re-show count: 0 = none, otherwise 2–3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redisplay_freq: Option<i64>,
    /// Hours between re-shows, 0–24.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redisplay_duration: Option<i64>,
    /// Huawei local-notification category, e.g. `CATEGORY_MESSAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl Notification {
    /// A notification with the required fields only.
    pub fn new(title: impl Into<String>, body: impl Into<String>, click_type: ClickType) -> Self {
        Notification {
            title: title.into(),
            body: body.into(),
            click_type,
            big_text: None,
            big_image: None,
            logo: None,
            logo_url: None,
            channel_id: None,
            channel_name: None,
            channel_level: None,
            notify_id: None,
            ring_name: None,
            badge_add_num: None,
            thread_id: None,
            redisplay_freq: None,
            redisplay_duration: None,
            category: None,
        }
    }
}

/// `push_message.revoke`: withdraw a Getui-channel notification (client SDK ≥ 2.12.5.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The taskid of the notification to withdraw.
    pub old_task_id: String,
    /// `true` revokes **every** notification of the app when the taskid is not found; use
    /// with care.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

impl Revoke {
    /// Revokes `old_task_id`, without `force`.
    pub fn new(old_task_id: impl Into<String>) -> Self {
        Revoke { old_task_id: old_task_id.into(), force: None }
    }
}
