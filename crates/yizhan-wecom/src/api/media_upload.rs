//! `POST /cgi-bin/media/upload?access_token=TOKEN&type=TYPE` — upload a temporary media file.
//!
//! Source: WeCom docs: 上传临时素材, 上传图片. The body is `multipart/form-data` with one file part
//! named [`PART_NAME`] carrying a `filename` (the display name when the id is sent as a `file`) and
//! a `Content-Type`. The answer's `media_id` is valid for 3 days and can be shared by the apps of
//! one corp. `created_at` is a *string* in the documented example; [`Response`] accepts a string
//! or a number.
//!
//! Limits (every file must be larger than 5 bytes; "MB" is read as MiB):
//!
//! | type | formats | size |
//! |---|---|---|
//! | `image` | JPG, PNG | ≤ 10 MiB |
//! | `voice` | AMR (≤ 60 s) | ≤ 2 MiB |
//! | `video` | MP4 | ≤ 10 MiB |
//! | `file` | any | ≤ 20 MiB |
//!
//! [`check`] enforces them before anything is sent; the format is judged by the file name's
//! extension, as the type of the upload is.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::ValidationError;

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/media/upload";
/// The endpoint method (multipart body).
pub const METHOD: super::Method = super::Method::PostMultipart;
/// The name of the multipart part that carries the file.
pub const PART_NAME: &str = "media";

const MIB: u64 = 1024 * 1024;
/// Every upload must be *larger* than this many bytes.
pub const MIN_EXCLUSIVE_BYTES: u64 = 5;
/// Largest `image`.
pub const IMAGE_MAX_BYTES: u64 = 10 * MIB;
/// Largest `voice`.
pub const VOICE_MAX_BYTES: u64 = 2 * MIB;
/// Largest `video`.
pub const VIDEO_MAX_BYTES: u64 = 10 * MIB;
/// Largest `file`.
pub const FILE_MAX_BYTES: u64 = 20 * MIB;

/// The `type` query parameter: what the media is, and which message type can carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// JPG or PNG, ≤ 10 MiB.
    Image,
    /// AMR, ≤ 2 MiB and ≤ 60 s.
    Voice,
    /// MP4, ≤ 10 MiB.
    Video,
    /// Any file, ≤ 20 MiB.
    File,
}

impl MediaType {
    /// Every type.
    pub const ALL: [MediaType; 4] = [MediaType::Image, MediaType::Voice, MediaType::Video, MediaType::File];

    /// The wire name, also the `msgtype` that carries it.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Image => "image",
            MediaType::Voice => "voice",
            MediaType::Video => "video",
            MediaType::File => "file",
        }
    }

    /// The largest accepted upload, in bytes.
    pub fn max_bytes(self) -> u64 {
        match self {
            MediaType::Image => IMAGE_MAX_BYTES,
            MediaType::Voice => VOICE_MAX_BYTES,
            MediaType::Video => VIDEO_MAX_BYTES,
            MediaType::File => FILE_MAX_BYTES,
        }
    }

    /// Accepted file-name extensions (lower case); empty means any.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Image => &["jpg", "jpeg", "png"],
            MediaType::Voice => &["amr"],
            MediaType::Video => &["mp4"],
            MediaType::File => &[],
        }
    }

    /// True when `filename` has an extension this type accepts.
    pub fn accepts_filename(self, filename: &str) -> bool {
        let allowed = self.extensions();
        allowed.is_empty() || extension(filename).is_some_and(|ext| allowed.iter().any(|a| ext.eq_ignore_ascii_case(a)))
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for MediaType {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MediaType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ValidationError::new("type", format_args!("{s:?} is not image, voice, video or file")))
    }
}

/// The extension of `filename` (after the last `.`), if any.
pub fn extension(filename: &str) -> Option<&str> {
    filename.rsplit_once('.').map(|(_, ext)| ext).filter(|ext| !ext.is_empty() && !ext.contains(['/', '\\']))
}

/// Human form of a byte limit, e.g. `10 MiB (10485760 bytes)`.
pub(crate) fn describe_limit(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB ({bytes} bytes)", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Checks an upload of `len` bytes named `filename` as `media_type` against WeCom's limits.
pub fn check(media_type: MediaType, filename: &str, len: u64) -> Result<(), ValidationError> {
    if len <= MIN_EXCLUSIVE_BYTES {
        return Err(ValidationError::new(
            "media",
            format_args!("is {len} bytes; WeCom requires more than {MIN_EXCLUSIVE_BYTES} bytes"),
        ));
    }
    let max = media_type.max_bytes();
    if len > max {
        return Err(ValidationError::new(
            "media",
            format_args!("is {len} bytes; the limit for {media_type} is {}", describe_limit(max)),
        ));
    }
    if !media_type.accepts_filename(filename) {
        let allowed = media_type.extensions().join(", ");
        return Err(ValidationError::new(
            "media.filename",
            format_args!("{filename:?}: {media_type} must be one of {allowed} (judged by the extension)"),
        ));
    }
    Ok(())
}

/// Successful media/upload fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The media type echoed back.
    #[serde(default, rename = "type")]
    pub media_type: String,
    /// The temporary media id (valid 3 days).
    #[serde(default)]
    pub media_id: String,
    /// Upload time, epoch seconds. A string on the wire in the documented example.
    #[serde(default, deserialize_with = "string_or_number", serialize_with = "as_string")]
    pub created_at: i64,
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(i64),
        Float(f64),
        Text(String),
        Null(()),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Int(n) => Ok(n),
        // Whole seconds only; a fractional part is dropped.
        Raw::Float(f) => Ok(f as i64),
        Raw::Text(s) if s.trim().is_empty() => Ok(0),
        Raw::Text(s) => {
            s.trim().parse().map_err(|_| serde::de::Error::custom(format!("created_at {s:?} is not a number")))
        }
        Raw::Null(()) => Ok(0),
    }
}

fn as_string<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_at_is_a_string_or_a_number() {
        for raw in [r#""1380000000""#, "1380000000", "1380000000.0"] {
            let r: Response = serde_json::from_str(&format!(r#"{{"type":"image","media_id":"m","created_at":{raw}}}"#))
                .unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(r.created_at, 1_380_000_000, "{raw}");
        }
        let r: Response = serde_json::from_str(r#"{"created_at":null}"#).unwrap();
        assert_eq!(r.created_at, 0);
        assert!(serde_json::from_str::<Response>(r#"{"created_at":"soon"}"#).is_err());
        let back = serde_json::to_value(Response { created_at: 7, ..Response::default() }).unwrap();
        assert_eq!(back["created_at"], "7");
    }

    #[test]
    fn limits_name_the_limit() {
        let e = check(MediaType::Image, "a.png", 10 * MIB + 1).unwrap_err();
        assert_eq!(e.to_string(), "media: is 10485761 bytes; the limit for image is 10 MiB (10485760 bytes)");
        assert!(check(MediaType::Image, "a.PNG", 10 * MIB).is_ok());
        assert!(check(MediaType::Voice, "a.amr", 2 * MIB + 1).unwrap_err().to_string().contains("2 MiB"));
        assert!(check(MediaType::Video, "a.mp4", 10 * MIB + 1).unwrap_err().to_string().contains("10 MiB"));
        assert!(check(MediaType::File, "a", 20 * MIB).is_ok());
        assert!(check(MediaType::File, "a", 20 * MIB + 1).unwrap_err().to_string().contains("20 MiB"));
        let e = check(MediaType::File, "a.txt", 5).unwrap_err();
        assert_eq!(e.to_string(), "media: is 5 bytes; WeCom requires more than 5 bytes");
        assert!(check(MediaType::File, "a.txt", 6).is_ok());
        let e = check(MediaType::Image, "a.gif", 100).unwrap_err();
        assert_eq!(e.field, "media.filename");
        assert!(check(MediaType::Voice, "a.mp3", 100).is_err());
        assert!(check(MediaType::Image, "noext", 100).is_err());
    }

    #[test]
    fn types_round_trip() {
        for t in MediaType::ALL {
            assert_eq!(t.as_str().parse::<MediaType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        assert!("thumb".parse::<MediaType>().is_err());
        assert_eq!(extension("a.tar.gz"), Some("gz"));
        assert_eq!(extension("dir.d/file"), None);
        assert_eq!(extension("x."), None);
    }
}
