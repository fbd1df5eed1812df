//! The push body ("PushRequest", Getui's PushDTO) as typed serde values (Getui REST v2 docs: push
//! body).
//!
//! | JSON | type |
//! |---|---|
//! | `request_id` | [`RequestId`]: 10–32 characters; random by default |
//! | `group_name` | `Option<String>`: ≤ 100 of digits, letters, `-`, `_` |
//! | `audience` | [`Audience`] (absent only for `/push/list/message`) |
//! | `settings` | [`Settings`] |
//! | `push_message` | [`PushMessage`]: one [`Content`] of [`Notification`] (with a [`ClickType`]), transmission, or [`Revoke`] |
//! | `push_channel` | [`PushChannel`]: [`IosChannel`], [`AndroidChannel`] ([`Ups`]), [`HarmonyChannel`] |
//!
//! Every optional field is an `Option` omitted when unset (docs/getui-client.md, mistake 8), there
//! is no default audience (docs/getui-client.md, mistake 13), and [`PushRequest::validate`] checks
//! the documented limits, naming the JSON path of the first offending field. Endpoint request types
//! (e.g. [`crate::api::push_single_cid::Request`]) add the audience shape their endpoint requires.
//!
//! ```
//! use yizhan_getui::push::{Audience, ClickType, Notification, PushMessage, PushRequest};
//!
//! let notification = Notification::new("Disk full", "/var is at 97%", ClickType::Url("https://ops.example.com".into()));
//! let push = PushRequest::new(Audience::cid("0e4c0b53f2c8a6b7d9e1f3a5c7b9d1e3"), PushMessage::notification(notification));
//! assert_eq!(push.validate(1_700_000_000_000), Ok(()));
//! let json = serde_json::to_value(&push).unwrap();
//! assert_eq!(json["push_message"]["notification"]["click_type"], "url");
//! assert!(json.get("settings").is_none());
//! ```

mod audience;
mod channel;
mod click;
mod content;
mod ios;
pub mod limits;
mod message;
mod request_id;
pub mod settings;
mod shape;
mod validate;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use audience::{Audience, Condition, OptType};
pub(crate) use audience::{custom_tag, validate_ids};
pub use channel::{
    AndroidChannel, HarmonyChannel, HarmonyNotification, PushChannel, Ups, UpsNotification, UpsRevoke, VendorOptions,
};
pub use click::ClickType;
pub use content::{Content, ONE_OF_MESSAGE};
pub use ios::{Alert, Aps, IosChannel, IosPushType, Multimedia};
pub use message::{Notification, PushMessage, Revoke};
pub use request_id::RequestId;
pub use settings::Settings;
pub use shape::AudienceShape;

/// The push body sent to every push endpoint (and, without `audience`, to `/push/list/message`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// Getui's dedupe key: reuse it on every retry of the same message, never across messages.
    pub request_id: RequestId,
    /// Task group for reports (list, app and fast-tag pushes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// The target; `None` only for `/push/list/message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// Retention, strategy, throttling, schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// The Getui-channel content.
    pub push_message: PushMessage,
    /// Vendor, APNs and Harmony content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_channel: Option<PushChannel>,
}

impl PushRequest {
    /// A push to `audience` with a fresh random `request_id` and no options.
    pub fn new(audience: Audience, push_message: PushMessage) -> Self {
        PushRequest {
            request_id: RequestId::random(),
            group_name: None,
            audience: Some(audience),
            settings: None,
            push_message,
            push_channel: None,
        }
    }

    /// A message body without an audience, for `/push/list/message`.
    pub fn without_audience(push_message: PushMessage) -> Self {
        PushRequest { audience: None, ..PushRequest::new(Audience::All, push_message) }
    }

    /// The same push with `request_id` replaced (e.g. by the id stored for a retried message).
    pub fn with_request_id(mut self, request_id: RequestId) -> Self {
        self.request_id = request_id;
        self
    }
}
