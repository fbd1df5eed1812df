//! `click_type`: what tapping a notification does. Each variant carries the field its type
//! requires, so `click_type=url` without a `url` cannot be built (Getui REST v2 docs: push body).
//!
//! On the wire the type and its field sit flat in the notification object:
//! `"click_type": "url", "url": "https://…"`. [`ClickType`] serializes as a map with those
//! entries and is `#[serde(flatten)]`ed into [`super::Notification`] and the channel
//! notifications.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::limits::{INTENT_MAX, PAYLOAD_MAX, URL_MAX};
use crate::validate::{self as v, ValidationError};

/// The click action of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClickType {
    /// `intent`: open a page inside the app; `intent:#Intent;component=pkg/activity;…;end`,
    /// ≤ 4096 characters.
    Intent(String),
    /// `url`: open a web page, ≤ 1024 characters.
    Url(String),
    /// `payload`: launch the app and hand it this payload, ≤ 3072 characters.
    Payload(String),
    /// `payload_custom`: hand the app this payload without launching it, ≤ 3072 characters.
    PayloadCustom(String),
    /// `startapp`: open the app's home page.
    Startapp,
    /// `none`: a plain notification; tapping does nothing.
    None,
    /// `want`: HarmonyOS only, a Want JSON string.
    Want(String),
}

impl ClickType {
    /// The `click_type` string.
    pub fn as_str(&self) -> &'static str {
        match self {
            ClickType::Intent(_) => "intent",
            ClickType::Url(_) => "url",
            ClickType::Payload(_) => "payload",
            ClickType::PayloadCustom(_) => "payload_custom",
            ClickType::Startapp => "startapp",
            ClickType::None => "none",
            ClickType::Want(_) => "want",
        }
    }

    /// The companion field's JSON key and value, if this type has one.
    pub fn field(&self) -> Option<(&'static str, &str)> {
        match self {
            ClickType::Intent(s) => Some(("intent", s)),
            ClickType::Url(s) => Some(("url", s)),
            ClickType::Payload(s) | ClickType::PayloadCustom(s) => Some(("payload", s)),
            ClickType::Want(s) => Some(("want", s)),
            ClickType::Startapp | ClickType::None => Option::None,
        }
    }

    /// Checks the companion field (set, within its limit). `path` is the notification's path;
    /// the error names `path.intent`, `path.url`, `path.payload` or `path.want`.
    pub fn validate(&self, path: &str) -> Result<(), ValidationError> {
        let Some((key, value)) = self.field() else { return Ok(()) };
        let field = v::at(path, key);
        match self {
            ClickType::Intent(_) => v::required_max_chars(&field, value, INTENT_MAX),
            ClickType::Url(_) => v::required_max_chars(&field, value, URL_MAX),
            ClickType::Payload(_) | ClickType::PayloadCustom(_) => v::required_max_chars(&field, value, PAYLOAD_MAX),
            _ => v::required(&field, value),
        }
    }

    /// Fails unless this type is one of `allowed` (a channel supports only some types);
    /// the error names `path.click_type`.
    pub fn validate_allowed(&self, path: &str, allowed: &[&str]) -> Result<(), ValidationError> {
        if allowed.contains(&self.as_str()) {
            return Ok(());
        }
        Err(ValidationError::new(
            v::at(path, "click_type"),
            format_args!("is {:?}; this channel accepts {}", self.as_str(), allowed.join(", ")),
        ))
    }
}

impl Serialize for ClickType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("click_type", self.as_str())?;
        if let Some((key, value)) = self.field() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

struct ClickVisitor;

impl<'de> Visitor<'de> for ClickVisitor {
    type Value = ClickType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with click_type and its companion field")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClickType, A::Error> {
        let (mut click_type, mut intent, mut url, mut payload, mut want) =
            (Option::<String>::None, Option::<String>::None, Option::None, Option::None, Option::None);
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "click_type" => &mut click_type,
                "intent" => &mut intent,
                "url" => &mut url,
                "payload" => &mut payload,
                "want" => &mut want,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            *slot = map.next_value::<Option<String>>()?;
        }
        let kind = click_type.ok_or_else(|| de::Error::missing_field("click_type"))?;
        let need = |value: Option<String>, key: &'static str| {
            value.ok_or_else(|| de::Error::custom(format_args!("click_type {kind:?} requires `{key}`")))
        };
        Ok(match kind.as_str() {
            "intent" => ClickType::Intent(need(intent, "intent")?),
            "url" => ClickType::Url(need(url, "url")?),
            "payload" => ClickType::Payload(need(payload, "payload")?),
            "payload_custom" => ClickType::PayloadCustom(need(payload, "payload")?),
            "want" => ClickType::Want(need(want, "want")?),
            "startapp" => ClickType::Startapp,
            "none" => ClickType::None,
            other => {
                return Err(de::Error::unknown_variant(
                    other,
                    &["intent", "url", "payload", "payload_custom", "startapp", "none", "want"],
                ));
            }
        })
    }
}

impl<'de> Deserialize<'de> for ClickType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A struct, not a map: flattened, it takes only its own keys (see `Content`).
        deserializer.deserialize_struct("ClickType", &["click_type", "intent", "url", "payload", "want"], ClickVisitor)
    }
}
