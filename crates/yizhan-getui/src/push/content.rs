//! Exactly one of `notification` / `transmission` / `revoke` (Getui REST v2 docs: push body).
//!
//! Getui rejects a message with two of them (20001 `please choose one of notification and
//! transmission and revoke`). [`Content`] is an enum, so it cannot hold two; it serializes as a
//! one-key map and is `#[serde(flatten)]`ed into [`super::PushMessage`], [`super::Ups`] and
//! [`super::HarmonyChannel`]. Decoding a body that carries two (or none) fails with Getui's
//! own message.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// Getui's 20001 text for a message with two contents, or none.
pub const ONE_OF_MESSAGE: &str = "please choose one of notification and transmission and revoke";

/// One content of a message; `N` and `R` are the channel's notification and revoke types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content<N, R> {
    /// `notification`: a displayed notification.
    Notification(N),
    /// `transmission`: a pass-through string for the app, ≤ 3072 characters.
    Transmission(String),
    /// `revoke`: withdraw an earlier notification.
    Revoke(R),
}

impl<N, R> Content<N, R> {
    /// The JSON key: `notification`, `transmission` or `revoke`.
    pub fn key(&self) -> &'static str {
        match self {
            Content::Notification(_) => "notification",
            Content::Transmission(_) => "transmission",
            Content::Revoke(_) => "revoke",
        }
    }

    /// The notification, if this is one.
    pub fn notification(&self) -> Option<&N> {
        if let Content::Notification(n) = self { Some(n) } else { None }
    }

    /// The transmission, if this is one.
    pub fn transmission(&self) -> Option<&str> {
        if let Content::Transmission(t) = self { Some(t) } else { None }
    }

    /// The revoke, if this is one.
    pub fn revoke(&self) -> Option<&R> {
        if let Content::Revoke(r) = self { Some(r) } else { None }
    }
}

impl<N: Serialize, R: Serialize> Serialize for Content<N, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self {
            Content::Notification(n) => map.serialize_entry("notification", n)?,
            Content::Transmission(t) => map.serialize_entry("transmission", t)?,
            Content::Revoke(r) => map.serialize_entry("revoke", r)?,
        }
        map.end()
    }
}

struct ContentVisitor<N, R>(PhantomData<(N, R)>);

impl<'de, N: Deserialize<'de>, R: Deserialize<'de>> Visitor<'de> for ContentVisitor<N, R> {
    type Value = Content<N, R>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with one of notification, transmission, revoke")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found: Vec<Content<N, R>> = Vec::with_capacity(1);
        while let Some(key) = map.next_key::<String>()? {
            let content = match key.as_str() {
                "notification" => map.next_value::<Option<N>>()?.map(Content::Notification),
                "transmission" => map.next_value::<Option<String>>()?.map(Content::Transmission),
                "revoke" => map.next_value::<Option<R>>()?.map(Content::Revoke),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    None
                }
            };
            found.extend(content);
        }
        if found.len() == 1 { Ok(found.remove(0)) } else { Err(de::Error::custom(ONE_OF_MESSAGE)) }
    }
}

impl<'de, N: Deserialize<'de>, R: Deserialize<'de>> Deserialize<'de> for Content<N, R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A struct, not a map: flattened, it takes only its own keys, and the enclosing struct
        // refuses whatever is left (`deny_unknown_fields`).
        deserializer.deserialize_struct(
            "Content",
            &["notification", "transmission", "revoke"],
            ContentVisitor(PhantomData),
        )
    }
}
