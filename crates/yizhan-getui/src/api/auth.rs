//! `POST /auth` — get a token (Getui REST v2 docs: authentication). No `token` header on this call.
//!
//! `sign` is the lowercase hex SHA-256 of `appkey + timestamp + mastersecret`, computed over the
//! very `timestamp` string that is sent (docs/getui-client.md, mistake 17). The token is valid
//! until the absolute `expire_time` (ms since the epoch, about a day ahead), not for a duration
//! (docs/getui-client.md, mistake 1).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Method, de, ser};

/// The endpoint path.
pub const PATH: &str = "/auth";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// Lowercase hex SHA-256 of `appkey + timestamp + master_secret`, in that order.
pub fn sign(appkey: &str, timestamp: &str, master_secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(appkey.as_bytes())
        .chain_update(timestamp.as_bytes())
        .chain_update(master_secret.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// The request body: `{"sign", "timestamp", "appkey"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Lowercase hex SHA-256, see [`sign`].
    pub sign: String,
    /// Milliseconds since the epoch as a decimal string (13 digits). Decoding also accepts a
    /// JSON number, which the official Java SDK sends.
    #[serde(deserialize_with = "de::string_or_integer")]
    pub timestamp: String,
    /// The app key.
    pub appkey: String,
}

impl Request {
    /// A request signed with `master_secret` at `timestamp_ms` (ms since the epoch).
    pub fn signed(appkey: &str, master_secret: &str, timestamp_ms: i64) -> Self {
        let timestamp = timestamp_ms.to_string();
        Request { sign: sign(appkey, &timestamp, master_secret), timestamp, appkey: appkey.to_owned() }
    }

    /// True when `sign` is exactly the lowercase hex signature of this request under
    /// `master_secret` (for an emulator; whether Getui accepts upper-case hex is unconfirmed).
    pub fn is_signed_by(&self, master_secret: &str) -> bool {
        self.sign == sign(&self.appkey, &self.timestamp, master_secret)
    }

    /// The timestamp as ms since the epoch, if it is a number.
    pub fn timestamp_ms(&self) -> Option<i64> {
        self.timestamp.parse().ok()
    }
}

impl fmt::Debug for Request {
    /// Hides `sign`: with its timestamp it is a replayable credential.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("sign", &"[redacted]")
            .field("timestamp", &self.timestamp)
            .field("appkey", &self.appkey)
            .finish()
    }
}

/// The `data` of a successful `/auth`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Absolute expiry, ms since the epoch. Getui sends a string; a number is accepted too.
    /// Serialized as a string, as Getui does.
    #[serde(deserialize_with = "de::i64_lenient", serialize_with = "ser::i64_as_string")]
    pub expire_time: i64,
    /// The token for the `token` header. Secret: never log it.
    pub token: String,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response").field("expire_time", &self.expire_time).field("token", &"[redacted]").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPKEY: &str = "yizhan-demo-appkey";
    const MASTER: &str = "yizhan-demo-master";

    /// The signature computed independently: one SHA-256 over the concatenated string.
    fn expected(appkey: &str, timestamp: &str, master: &str) -> String {
        let digest = Sha256::digest(format!("{appkey}{timestamp}{master}").as_bytes());
        hex::encode(digest)
    }

    #[test]
    fn sign_matches_an_independent_computation() {
        let request = Request::signed(APPKEY, MASTER, 1_700_000_000_000);
        assert_eq!(request.timestamp, "1700000000000");
        assert_eq!(request.appkey, APPKEY);
        assert_eq!(request.sign, expected(APPKEY, "1700000000000", MASTER));
        // Also computed outside Rust: sha256("yizhan-demo-appkey1700000000000yizhan-demo-master").
        assert_eq!(request.sign, "720a57803cd09eb252d544c44a686ad75b2dbf1533092626ebda99b7792fb21e");
        assert_eq!(request.sign.len(), 64);
        assert!(request.sign.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert!(request.is_signed_by(MASTER));
        assert!(!request.is_signed_by("another-master"));
        assert_eq!(request.timestamp_ms(), Some(1_700_000_000_000));
    }

    #[test]
    fn sign_of_the_empty_string_is_the_sha256_test_vector() {
        assert_eq!(sign("", "", ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sign("a", "b", "c"), sign("ab", "", "c"));
        assert_ne!(sign(APPKEY, "1700000000000", MASTER), sign(MASTER, "1700000000000", APPKEY));
    }

    #[test]
    fn the_sent_timestamp_is_the_signed_one() {
        let request = Request::signed(APPKEY, MASTER, 1_700_000_000_123);
        let json = serde_json::to_value(&request).unwrap();
        let sent = json["timestamp"].as_str().unwrap();
        assert_eq!(json["sign"], expected(APPKEY, sent, MASTER).as_str());
    }

    #[test]
    fn a_numeric_timestamp_decodes() {
        let request: Request = serde_json::from_str(r#"{"sign":"x","timestamp":1700000000000,"appkey":"k"}"#).unwrap();
        assert_eq!(request.timestamp, "1700000000000");
    }

    #[test]
    fn debug_hides_the_secrets() {
        let request = Request::signed(APPKEY, MASTER, 1_700_000_000_000);
        assert!(!format!("{request:?}").contains(&request.sign));
        let response = Response { expire_time: 1, token: "58bc6d51secret".to_owned() };
        assert!(!format!("{response:?}").contains("58bc6d51secret"));
    }
}
