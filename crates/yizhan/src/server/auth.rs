//! API keys: configured as SHA-256 hashes (the key itself is never stored), each scoped to
//! channels, or an admin key scoped to every configured channel. A request carries
//! `Authorization: Bearer <key>`; no key is 401, a key outside its scope is 403.
//! `yizhan keys create` makes a key and its configuration entry (docs/gateway.md, "API keys").

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::config::{ApiKeyConfig, Config};

/// The configured keys.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    keys: Vec<Key>,
}

#[derive(Debug, Clone)]
struct Key {
    name: String,
    sha256: [u8; 32],
    channels: Vec<String>,
    admin: bool,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's label from the configuration.
    pub name: String,
    /// Channels it may use (every configured channel for an admin key).
    pub channels: Vec<String>,
    /// An admin key: every channel, and the gateway's administrative endpoints.
    pub admin: bool,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No key, a malformed header, or an unknown key (HTTP 401).
    Unauthorized,
    /// A known key used outside its channels (HTTP 403).
    Forbidden,
}

impl ApiKeys {
    /// Loads the keys of `config`; an admin key's scope is every configured channel, usable or
    /// not. Hashes were checked to be 64 hex characters by the config.
    pub fn from_config(config: &Config) -> Self {
        let every_channel: Vec<String> = config.channel_names().map(str::to_owned).collect();
        Self::new(&config.api_keys, &every_channel)
    }

    /// Loads `keys`, giving admin keys the scope `every_channel`.
    pub fn new(keys: &[ApiKeyConfig], every_channel: &[String]) -> Self {
        let keys = keys
            .iter()
            .filter_map(|k| {
                let channels = if k.admin { every_channel.to_vec() } else { k.channels.clone() };
                Some(Key { name: k.name.clone(), sha256: decode_hex(&k.sha256)?, channels, admin: k.admin })
            })
            .collect();
        ApiKeys { keys }
    }

    /// The hex SHA-256 to put in the configuration for `key`.
    pub fn hash(key: &str) -> String {
        hex::encode(Sha256::digest(key.as_bytes()))
    }

    /// Identifies the caller from an `Authorization` header value: `Bearer <key>`, the scheme
    /// in any case (RFC 7235), separated from the key by spaces.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, Refusal> {
        let presented = authorization.and_then(bearer_token).ok_or(Refusal::Unauthorized)?;
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        // Compare against every key in constant time per key, so timing says nothing about which
        // bytes matched.
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.sha256.ct_eq(&digest)) {
                found = Some(key);
            }
        }
        found
            .map(|k| Caller { name: k.name.clone(), channels: k.channels.clone(), admin: k.admin })
            .ok_or(Refusal::Unauthorized)
    }
}

/// The token of a `Bearer` credential: the scheme is case-insensitive, then at least one space.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl Caller {
    /// Checks that the caller may use `channel`.
    pub fn may_use(&self, channel: &str) -> Result<(), Refusal> {
        if self.channels.iter().any(|c| c == channel) { Ok(()) } else { Err(Refusal::Forbidden) }
    }
}

fn decode_hex(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> ApiKeys {
        let entry = |name: &str, key: &str, channels: &[&str], admin| ApiKeyConfig {
            name: name.into(),
            sha256: ApiKeys::hash(key),
            channels: channels.iter().map(|c| (*c).to_owned()).collect(),
            admin,
        };
        ApiKeys::new(
            &[entry("ci", "s3cret-key", &["ops"], false), entry("root", "admin-key", &[], true)],
            &["ops".into(), "app".into()],
        )
    }

    #[test]
    fn an_admin_key_may_use_every_channel_and_a_scoped_key_only_its_own() {
        let keys = keys();
        let admin = keys.authenticate(Some("Bearer admin-key")).unwrap();
        assert!(admin.admin);
        assert_eq!(admin.channels, ["ops", "app"]);
        assert_eq!(admin.may_use("app"), Ok(()));
        assert_eq!(admin.may_use("elsewhere"), Err(Refusal::Forbidden), "only configured channels");
        let scoped = keys.authenticate(Some("Bearer s3cret-key")).unwrap();
        assert!(!scoped.admin);
        assert_eq!(scoped.may_use("app"), Err(Refusal::Forbidden));
    }

    #[test]
    fn hash_matches_sha256sum() {
        // printf %s abc | sha256sum
        assert_eq!(ApiKeys::hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn keys_are_checked_and_scoped() {
        let keys = keys();
        let caller = keys.authenticate(Some("Bearer s3cret-key")).unwrap();
        assert_eq!(caller.name, "ci");
        assert_eq!(caller.may_use("ops"), Ok(()));
        assert_eq!(caller.may_use("app"), Err(Refusal::Forbidden));
        assert_eq!(keys.authenticate(Some("Bearer wrong")), Err(Refusal::Unauthorized));
        assert_eq!(keys.authenticate(Some("s3cret-key")), Err(Refusal::Unauthorized), "Bearer is required");
        assert_eq!(keys.authenticate(None), Err(Refusal::Unauthorized));
        // The scheme is case-insensitive (RFC 7235); the key is not.
        for scheme in ["bearer", "BEARER", "bEaReR"] {
            let caller = keys.authenticate(Some(&format!("{scheme} s3cret-key"))).unwrap();
            assert_eq!(caller.name, "ci");
        }
        assert_eq!(keys.authenticate(Some("Bearer S3CRET-KEY")), Err(Refusal::Unauthorized));
        assert_eq!(keys.authenticate(Some("Basic s3cret-key")), Err(Refusal::Unauthorized));
        assert_eq!(keys.authenticate(Some("Bearer")), Err(Refusal::Unauthorized));
        assert_eq!(keys.authenticate(Some("Bearers3cret-key")), Err(Refusal::Unauthorized));
        assert!(!format!("{keys:?}").contains("s3cret-key"));
    }
}
