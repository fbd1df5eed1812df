//! The signature of a Feishu or Lark bot webhook (`docs/dingtalk-feishu.md`, "Signature"). It
//! differs from DingTalk's in three ways: the timestamp is in **seconds**; `timestamp + "\n" +
//! secret` is the HMAC-SHA256 **key** and the message is empty; the Base64 `sign` goes in the
//! JSON body beside `timestamp` (a string), not URL-encoded.
//!
//! ```
//! use yizhan_feishu::sign::sign;
//!
//! assert_eq!(sign("a1b2c3d4e5f6g7h8", 1_599_360_473), "y8z5BE694vTDtLTprv78Nw0f0Che16A7sfUu7/QjFTA=");
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The Base64 signature of `timestamp_secs` under `secret`.
pub fn sign(secret: &str, timestamp_secs: i64) -> String {
    let key = format!("{timestamp_secs}\n{secret}");
    // HMAC takes keys of any length, so this cannot fail.
    let mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dingtalk_way_gives_another_sign() {
        assert_ne!(sign("a1b2c3d4e5f6g7h8", 1_599_360_473), "3OnyFK/MtXEGLchn1MqNdLkKisOyWxrAuyLsZmVyWKk=");
        assert_ne!(sign("s", 1), sign("s", 2));
    }
}
