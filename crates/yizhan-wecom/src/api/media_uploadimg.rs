//! `POST /cgi-bin/media/uploadimg?access_token=TOKEN` — upload an image for mpnews content.
//!
//! Source: WeCom docs: 上传临时素材, 上传图片. Multipart like [`super::media_upload`] (part
//! [`PART_NAME`]). The answer is a permanent URL, usable only for images inside mpnews article
//! content (WeCom blocks it outside its own domains). JPG or PNG, 5 B to 2 MiB; quota 3000 images a
//! month and 1000 a day per corp.

use serde::{Deserialize, Serialize};

use super::media_upload::{MediaType, describe_limit};
use crate::validate::ValidationError;

pub use super::media_upload::PART_NAME;

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/media/uploadimg";
/// The endpoint method (multipart body).
pub const METHOD: super::Method = super::Method::PostMultipart;
/// Smallest image, in bytes (inclusive: "5 B – 2 MB").
pub const MIN_BYTES: u64 = 5;
/// Largest image, in bytes.
pub const MAX_BYTES: u64 = 2 * 1024 * 1024;

/// Checks an image of `len` bytes named `filename` against the uploadimg limits.
pub fn check(filename: &str, len: u64) -> Result<(), ValidationError> {
    if !(MIN_BYTES..=MAX_BYTES).contains(&len) {
        return Err(ValidationError::new(
            "media",
            format_args!("is {len} bytes; uploadimg accepts {MIN_BYTES} bytes to {}", describe_limit(MAX_BYTES)),
        ));
    }
    if !MediaType::Image.accepts_filename(filename) {
        return Err(ValidationError::new("media.filename", format_args!("{filename:?}: uploadimg takes JPG or PNG")));
    }
    Ok(())
}

/// Successful uploadimg fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The permanent image URL.
    #[serde(default)]
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(check("a.jpg", 5).is_ok());
        assert!(check("a.jpg", 4).is_err());
        assert!(check("a.jpeg", MAX_BYTES).is_ok());
        let e = check("a.png", MAX_BYTES + 1).unwrap_err();
        assert!(e.to_string().contains("2 MiB (2097152 bytes)"), "{e}");
        assert_eq!(check("a.bmp", 100).unwrap_err().field, "media.filename");
    }
}
