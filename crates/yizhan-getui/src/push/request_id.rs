//! `request_id`: Getui's dedupe key. A repeat is silently dropped by the server (Getui REST v2
//! docs: push body), so a new logical message needs a new id and every retry of it must reuse the
//! old one (docs/getui-client.md, mistakes 3 and 4).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::limits::{REQUEST_ID_MAX, REQUEST_ID_MIN};
use crate::validate::ValidationError;

/// A push `request_id`: 10–32 characters of `[0-9A-Za-z_-]`.
///
/// The length rule is documented; the character set is not (Getui REST v2 docs: push body;
/// SDKs use hex UUIDs or digits). This client allows ASCII letters, digits, `_`
/// and `-`, which covers every id seen in the SDKs and nothing that needs escaping.
/// [`RequestId::random`] produces 32 lowercase hex characters (128 random bits).
///
/// Deserializing does not check the rules (so a server or emulator can read a bad id and answer
/// with an error); [`RequestId::validate`] and [`super::PushRequest::validate`] do.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(String);

impl RequestId {
    /// A fresh id: 32 random lowercase hex characters.
    pub fn random() -> Self {
        RequestId(yizhan_core::RequestId::random().as_str().to_owned())
    }

    /// A caller-supplied id, checked against the length and character rules.
    pub fn parse(id: impl Into<String>) -> Result<Self, ValidationError> {
        let id = RequestId(id.into());
        id.validate("request_id")?;
        Ok(id)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the rules; errors name `field`.
    pub fn validate(&self, field: &str) -> Result<(), ValidationError> {
        let len = self.0.chars().count();
        if !(REQUEST_ID_MIN..=REQUEST_ID_MAX).contains(&len) {
            return Err(ValidationError::new(
                field,
                format_args!("is {len} characters; it must be {REQUEST_ID_MIN} to {REQUEST_ID_MAX} characters"),
            ));
        }
        if let Some(c) = self.0.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
            return Err(ValidationError::new(
                field,
                format_args!("contains {c:?}; only ASCII letters, digits, '_' and '-' are allowed"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<yizhan_core::RequestId> for RequestId {
    type Error = ValidationError;

    /// Checks a dispatch-level id (yizhan's outbox stores one per message) against Getui's rules.
    fn try_from(id: yizhan_core::RequestId) -> Result<Self, ValidationError> {
        RequestId::parse(id.as_str())
    }
}

impl From<RequestId> for yizhan_core::RequestId {
    fn from(id: RequestId) -> Self {
        yizhan_core::RequestId::from_string(id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_32_lower_hex_and_valid() {
        let a = RequestId::random();
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{a}");
        assert_eq!(a.validate("request_id"), Ok(()));
        assert_ne!(a, RequestId::random());
    }

    #[test]
    fn parse_table() {
        let cases: [(&str, bool); 10] = [
            ("a1b2c3d4e5", true),
            ("a1b2c3d4e", false),
            (&"f".repeat(32), true),
            (&"f".repeat(33), false),
            ("order-42_retry", true),
            ("ORDER0000042", true),
            ("order 00042", false),
            ("订单号订单号订单号订单号", false),
            ("order.00042", false),
            ("", false),
        ];
        for (id, ok) in cases {
            assert_eq!(RequestId::parse(id).is_ok(), ok, "{id:?}");
        }
        let e = RequestId::parse("short").unwrap_err();
        assert_eq!(e.to_string(), "request_id: is 5 characters; it must be 10 to 32 characters");
    }

    #[test]
    fn converts_to_and_from_the_core_id() {
        let core = yizhan_core::RequestId::random();
        let ours = RequestId::try_from(core.clone()).unwrap();
        assert_eq!(yizhan_core::RequestId::from(ours), core);
        assert!(RequestId::try_from(yizhan_core::RequestId::from_string("x")).is_err());
    }

    #[test]
    fn serializes_as_a_bare_string_and_decodes_unchecked() {
        let id = RequestId::parse("a1b2c3d4e5f6a7b8c9d0").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"a1b2c3d4e5f6a7b8c9d0\"");
        let bad: RequestId = serde_json::from_str("\"x\"").unwrap();
        assert!(bad.validate("request_id").is_err());
    }
}
