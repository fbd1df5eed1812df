//! Identifiers.

use std::fmt;

/// The id of a message accepted by yizhan: a UUIDv7, so ids sort by creation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct MessageId(uuid::Uuid);

impl MessageId {
    /// A new, time-ordered id.
    pub fn new() -> Self {
        MessageId(uuid::Uuid::now_v7())
    }

    /// Parses the canonical hyphenated form.
    pub fn parse(s: &str) -> Option<Self> {
        uuid::Uuid::parse_str(s).ok().map(MessageId)
    }
}

impl Default for MessageId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A provider-side dedupe identity: 32 lowercase hex characters by default.
///
/// Getui drops a push whose `request_id` it has seen; yizhan generates one per dispatch and
/// reuses it on every retry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RequestId(String);

impl RequestId {
    /// 32 random lowercase hex characters (128 bits).
    pub fn random() -> Self {
        RequestId(format!("{:032x}", uuid::Uuid::new_v4().as_u128()))
    }

    /// Wraps an existing id without validation; providers validate their own limits.
    pub fn from_string(s: impl Into<String>) -> Self {
        RequestId(s.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_round_trip_and_sort_by_time() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(a < b);
        assert_eq!(MessageId::parse(&a.to_string()), Some(a));
        assert_eq!(MessageId::parse("nope"), None);
    }

    #[test]
    fn request_id_is_32_lower_hex() {
        let id = RequestId::random();
        assert_eq!(id.as_str().len(), 32);
        assert!(id.as_str().chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(id, RequestId::random());
    }
}
