//! `push_channel.ios`: the APNs content (Getui REST v2 docs: push body). APNs keys keep their
//! hyphens (`content-available`, `thread-id`, `apns-collapse-id`, `loc-key`, …).

use serde::{Deserialize, Serialize};

use super::limits::{APNS_COLLAPSE_ID_MAX, MULTIMEDIA_MAX};
use crate::validate::{self as v, ValidationError};

/// `push_channel.ios.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IosPushType {
    /// `notify` (Getui's default).
    Notify,
    /// `voip`.
    Voip,
    /// `liveactivity`: a Live Activity update.
    Liveactivity,
}

/// The `push_channel.ios` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IosChannel {
    /// `notify`, `voip` or `liveactivity`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub push_type: Option<IosPushType>,
    /// The APNs `aps` dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aps: Option<Aps>,
    /// Badge arithmetic: `"+1"`, `"-1"` or an absolute `"1"`; overrides `badge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_badge: Option<String>,
    /// Custom data string for the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Rich media attachments, ≤ 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multimedia: Option<Vec<Multimedia>>,
    /// A later notification with the same id replaces this one; ≤ 64 characters.
    #[serde(rename = "apns-collapse-id", default, skip_serializing_if = "Option::is_none")]
    pub apns_collapse_id: Option<String>,
}

/// The APNs `aps` dictionary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aps {
    /// The visible alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<Alert>,
    /// 0 = normal, 1 = silent (Apple: at most ~3 silent pushes an hour).
    #[serde(rename = "content-available", default, skip_serializing_if = "Option::is_none")]
    pub content_available: Option<i64>,
    /// Sound file name; `com.gexin.ios.silence` is silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    /// Notification category (actions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Grouping id (iOS 12+).
    #[serde(rename = "thread-id", default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Live Activity: seconds since the epoch (10 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// Live Activity: `update` or `end`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Live Activity: when the ended activity disappears, seconds since the epoch.
    #[serde(rename = "dismissal-date", default, skip_serializing_if = "Option::is_none")]
    pub dismissal_date: Option<i64>,
    /// Live Activity: the new content state.
    #[serde(rename = "content-state", default, skip_serializing_if = "Option::is_none")]
    pub content_state: Option<serde_json::Value>,
}

/// The APNs `alert` dictionary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Subtitle (`subtitle`, not `sub_title`: docs/getui-client.md, mistake 9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// Localized action button key.
    #[serde(rename = "action-loc-key", default, skip_serializing_if = "Option::is_none")]
    pub action_loc_key: Option<String>,
    /// Localized body key.
    #[serde(rename = "loc-key", default, skip_serializing_if = "Option::is_none")]
    pub loc_key: Option<String>,
    /// Arguments of `loc-key`.
    #[serde(rename = "loc-args", default, skip_serializing_if = "Option::is_none")]
    pub loc_args: Option<Vec<String>>,
    /// Launch image file name.
    #[serde(rename = "launch-image", default, skip_serializing_if = "Option::is_none")]
    pub launch_image: Option<String>,
    /// Localized title key.
    #[serde(rename = "title-loc-key", default, skip_serializing_if = "Option::is_none")]
    pub title_loc_key: Option<String>,
    /// Arguments of `title-loc-key`.
    #[serde(rename = "title-loc-args", default, skip_serializing_if = "Option::is_none")]
    pub title_loc_args: Option<Vec<String>>,
    /// Localized subtitle key.
    #[serde(rename = "subtitle-loc-key", default, skip_serializing_if = "Option::is_none")]
    pub subtitle_loc_key: Option<String>,
    /// Arguments of `subtitle-loc-key`.
    #[serde(rename = "subtitle-loc-args", default, skip_serializing_if = "Option::is_none")]
    pub subtitle_loc_args: Option<Vec<String>>,
}

/// One rich-media attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multimedia {
    /// Resource URL.
    pub url: String,
    /// 1 image, 2 audio, 3 video (see the `IMAGE`/`AUDIO`/`VIDEO` constants).
    #[serde(rename = "type")]
    pub media_type: i64,
    /// Download only on Wi-Fi.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_wifi: Option<bool>,
}

impl Multimedia {
    /// `type` 1: an image.
    pub const IMAGE: i64 = 1;
    /// `type` 2: audio.
    pub const AUDIO: i64 = 2;
    /// `type` 3: video.
    pub const VIDEO: i64 = 3;
}

impl IosChannel {
    /// Checks the set fields; errors name `path.<field>`.
    pub fn validate(&self, path: &str) -> Result<(), ValidationError> {
        if let Some(badge) = &self.auto_badge {
            let digits = badge.strip_prefix(['+', '-']).unwrap_or(badge);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::new(
                    v::at(path, "auto_badge"),
                    format_args!("is {badge:?}; it must look like \"+1\", \"-1\" or \"1\""),
                ));
            }
        }
        if let Some(media) = &self.multimedia {
            let list = v::at(path, "multimedia");
            v::count(&list, media.len(), 1, MULTIMEDIA_MAX)?;
            for (i, m) in media.iter().enumerate() {
                let item = v::item(&list, i);
                v::required(&v::at(&item, "url"), &m.url)?;
                v::range(&v::at(&item, "type"), m.media_type, Multimedia::IMAGE, Multimedia::VIDEO)?;
            }
        }
        v::opt_max_chars(&v::at(path, "apns-collapse-id"), self.apns_collapse_id.as_deref(), APNS_COLLAPSE_ID_MAX)?;
        if let Some(aps) = &self.aps {
            v::opt_range(&format!("{path}.aps.content-available"), aps.content_available, 0, 1)?;
        }
        Ok(())
    }
}
