//! The 加签 signature of a DingTalk robot webhook (`docs/dingtalk-feishu.md`, "Signature"):
//!
//! 1. `timestamp` = Unix time in milliseconds, as decimal text;
//! 2. `string_to_sign` = `timestamp + "\n" + secret` (the secret with its `SEC` prefix);
//! 3. HMAC-SHA256 keyed by the secret over `string_to_sign`;
//! 4. standard Base64 (with `+`, `/` and `=`) of the 32-byte MAC;
//! 5. URL-encoded once in the query: `&timestamp=…&sign=…`.
//!
//! ```
//! use yizhan_dingtalk::sign::{query, sign};
//!
//! let secret = "SECa1b2c3d4e5f60718293a4b5c6d7e8f9";
//! assert_eq!(sign(secret, 1_700_000_000_004), "maGyZsfQNqA/haDZx0f6mMDhz0buie2+jgoePmALqF8=");
//! assert_eq!(
//!     query(secret, 1_700_000_000_004),
//!     "timestamp=1700000000004&sign=maGyZsfQNqA%2FhaDZx0f6mMDhz0buie2%2BjgoePmALqF8%3D"
//! );
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

/// What stays unencoded in a query value: the unreserved characters of RFC 3986.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The Base64 signature of `timestamp_ms` under `secret` (not URL-encoded).
pub fn sign(secret: &str, timestamp_ms: i64) -> String {
    let string_to_sign = format!("{timestamp_ms}\n{secret}");
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The query parameters a signed call appends: `timestamp=…&sign=…`, the sign URL-encoded once.
pub fn query(secret: &str, timestamp_ms: i64) -> String {
    let sign = sign(secret, timestamp_ms);
    format!("timestamp={timestamp_ms}&sign={}", utf8_percent_encode(&sign, QUERY_VALUE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sign_is_encoded_once_and_changes_with_the_timestamp() {
        let q = query("SECx", 1);
        assert!(q.starts_with("timestamp=1&sign="));
        assert!(!q.contains('+') && !q.contains('/') && q.ends_with("%3D"), "{q}");
        assert!(!q.contains("%25"), "never encoded twice: {q}");
        assert_ne!(sign("SECx", 1), sign("SECx", 2));
        assert_ne!(sign("SECx", 1), sign("SECy", 1));
    }
}
