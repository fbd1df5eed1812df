//! `POST /cgi-bin/webhook/upload_media?key=KEY&type=TYPE` — upload a file or a voice recording
//! for a group robot's `file` or `voice` message.
//!
//! Source: WeCom docs: 群机器人配置说明. `multipart/form-data` with one part named [`PART_NAME`]
//! carrying the filename. The `media_id` is valid for 3 days and only for the robot that uploaded
//! it.

use serde::{Deserialize, Deserializer, Serialize};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/webhook/upload_media";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Post;
/// The name of the multipart part that carries the file.
pub const PART_NAME: &str = "media";

/// Successful upload fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// `file` or `voice`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The id to put into a `file` or `voice` message.
    #[serde(default)]
    pub media_id: String,
    /// Upload time, epoch seconds. The documented example sends it as a string; a number is
    /// accepted too.
    #[serde(default, deserialize_with = "epoch_secs")]
    pub created_at: i64,
}

fn epoch_secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Secs {
        Number(i64),
        Text(String),
    }
    match Secs::deserialize(deserializer)? {
        Secs::Number(n) => Ok(n),
        Secs::Text(s) if s.trim().is_empty() => Ok(0),
        Secs::Text(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_is_a_string_or_a_number() {
        let r: Response =
            serde_json::from_str(r#"{"type":"file","media_id":"m","created_at":"1380000000"}"#).expect("string");
        assert_eq!((r.kind.as_str(), r.created_at), ("file", 1_380_000_000));
        let r: Response = serde_json::from_str(r#"{"created_at":1380000000}"#).expect("number");
        assert_eq!(r.created_at, 1_380_000_000);
        assert!(serde_json::from_str::<Response>(r#"{"created_at":"soon"}"#).is_err());
    }
}
