//! Standard Webhooks signatures (docs/events.md, "Verifying a delivery"): a secret is `whsec_`
//! followed by the Base64 of 24 to 64 random bytes; the decoded bytes are the HMAC-SHA256 key;
//! the signed content is `{webhook-id}.{webhook-timestamp}.{body}` (the exact bytes sent) and
//! the `webhook-signature` header is `v1,` followed by the Base64 of the MAC.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// The prefix of a signing secret.
pub const PREFIX: &str = "whsec_";
/// The fewest key bytes a secret may hold (the specification's lower bound).
pub const MIN_KEY: usize = 24;
/// The most key bytes a secret may hold (the specification's upper bound).
pub const MAX_KEY: usize = 64;
/// Key bytes of a generated secret.
const GENERATED_KEY: usize = 32;

/// A signing key, decoded from its `whsec_…` text. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SigningKey {
    key: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([redacted])")
    }
}

impl SigningKey {
    /// The key of `secret` (`whsec_` + Base64 of 24 to 64 bytes); the error never quotes it.
    pub fn parse(secret: &str) -> Result<SigningKey, String> {
        let encoded = secret
            .strip_prefix(PREFIX)
            .ok_or_else(|| format!("must start with {PREFIX:?} followed by Base64 (standard alphabet)"))?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| format!("the part after {PREFIX:?} is not valid Base64 (standard alphabet, padded)"))?;
        if !(MIN_KEY..=MAX_KEY).contains(&key.len()) {
            return Err(format!("decodes to {} bytes; it must be {MIN_KEY} to {MAX_KEY} bytes", key.len()));
        }
        Ok(SigningKey { key })
    }

    /// A new random secret, as `whsec_…` text.
    pub fn generate() -> Result<String, String> {
        let mut key = [0u8; GENERATED_KEY];
        getrandom::fill(&mut key).map_err(|e| format!("no randomness for a webhook secret: {e}"))?;
        Ok(format!("{PREFIX}{}", STANDARD.encode(key)))
    }

    /// The `webhook-signature` header value for `body` sent as `id` at `timestamp` (Unix seconds).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of the Standard Webhooks reference libraries (docs/events.md lists them).
    #[test]
    fn the_reference_vectors_are_reproduced() {
        let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            key.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let key = SigningKey::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            key.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1_649_367_553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn bad_secrets_are_refused_without_being_quoted() {
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_c2hvcnQ=", "whsec_"] {
            let e = SigningKey::parse(bad).unwrap_err();
            assert!(!e.contains(bad.trim_start_matches(PREFIX)) || bad == "whsec_", "{e}");
        }
        let generated = SigningKey::generate().unwrap();
        assert!(SigningKey::parse(&generated).is_ok());
        assert_ne!(generated, SigningKey::generate().unwrap());
        assert_eq!(format!("{:?}", SigningKey::parse(&generated).unwrap()), "SigningKey([redacted])");
    }
}
