//! Access tokens: issued per app, reused while valid, expired by time or by a fault knob.
//!
//! A token that was issued and is past its expiry (or was expired by `expire_tokens`) answers
//! 42001; a token never issued (or forgotten by a reset) answers 40014.

use std::collections::HashMap;
use std::sync::RwLock;

/// Length of issued tokens (URL-safe characters; the reference says "up to 512 bytes").
pub(crate) const TOKEN_LEN: usize = 86;

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random URL-safe string, as WeCom uses for tokens, msgids and response codes.
pub(crate) fn random_id(len: usize) -> String {
    (0..len).map(|_| char::from(URL_SAFE[fastrand::usize(..URL_SAFE.len())])).collect()
}

/// The result of presenting a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Valid for the app with this index.
    Valid(usize),
    /// Was valid once and is not any more.
    Expired,
    /// Never issued.
    Unknown,
}

#[derive(Debug)]
struct Entry {
    app: usize,
    expires_at_ms: i64,
    revoked: bool,
}

impl Entry {
    fn is_valid(&self, now_ms: i64) -> bool {
        !self.revoked && now_ms < self.expires_at_ms
    }
}

#[derive(Debug, Default)]
struct Tokens {
    by_token: HashMap<Box<str>, Entry>,
    current: HashMap<usize, Box<str>>,
}

/// All tokens ever issued since the last reset.
#[derive(Debug)]
pub(crate) struct TokenStore {
    lifetime_ms: i64,
    tokens: RwLock<Tokens>,
}

impl TokenStore {
    /// A store issuing tokens valid for `lifetime_secs`.
    pub(crate) fn new(lifetime_secs: u64) -> Self {
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self { lifetime_ms, tokens: RwLock::default() }
    }

    /// The app's current token if still valid, else a new one; with its remaining seconds.
    pub(crate) fn issue(&self, app: usize, now_ms: i64) -> (String, i64) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        if let Some(current) = tokens.current.get(&app)
            && let Some(entry) = tokens.by_token.get(current)
            && entry.is_valid(now_ms)
        {
            let remaining_secs = (entry.expires_at_ms - now_ms + 999) / 1000;
            return (current.to_string(), remaining_secs);
        }
        let token = random_id(TOKEN_LEN);
        let expires_at_ms = now_ms.saturating_add(self.lifetime_ms);
        tokens.by_token.insert(token.as_str().into(), Entry { app, expires_at_ms, revoked: false });
        tokens.current.insert(app, token.as_str().into());
        (token, self.lifetime_ms / 1000)
    }

    /// Checks a presented token.
    pub(crate) fn check(&self, token: &str, now_ms: i64) -> TokenCheck {
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        match tokens.by_token.get(token) {
            Some(entry) if entry.is_valid(now_ms) => TokenCheck::Valid(entry.app),
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    /// Expires every issued token now; the next gettoken issues fresh ones.
    pub(crate) fn expire_all(&self) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        tokens.by_token.values_mut().for_each(|e| e.revoked = true);
        tokens.current.clear();
    }

    /// Forgets every token (they become unknown).
    pub(crate) fn reset(&self) {
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = Tokens::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_token_while_valid_then_new() {
        let store = TokenStore::new(7200);
        let (t1, e1) = store.issue(0, 0);
        assert_eq!((t1.len(), e1), (TOKEN_LEN, 7200));
        let (t2, e2) = store.issue(0, 1_500);
        assert_eq!((t2.as_str(), e2), (t1.as_str(), 7199));
        let (other, _) = store.issue(1, 1_500);
        assert_ne!(other, t1);
        assert_eq!(store.check(&t1, 7_199_999), TokenCheck::Valid(0));
        assert_eq!(store.check(&other, 0), TokenCheck::Valid(1));
        assert_eq!(store.check(&t1, 7_200_000), TokenCheck::Expired);
        let (t3, e3) = store.issue(0, 7_200_000);
        assert_ne!(t3, t1);
        assert_eq!(e3, 7200);
        assert_eq!(store.check("nope", 0), TokenCheck::Unknown);
    }

    #[test]
    fn expire_all_and_reset() {
        let store = TokenStore::new(60);
        let (t1, _) = store.issue(0, 0);
        store.expire_all();
        assert_eq!(store.check(&t1, 1), TokenCheck::Expired);
        let (t2, _) = store.issue(0, 1);
        assert_ne!(t1, t2);
        assert_eq!(store.check(&t2, 1), TokenCheck::Valid(0));
        store.reset();
        assert_eq!(store.check(&t2, 1), TokenCheck::Unknown);
    }

    #[test]
    fn random_ids_are_url_safe() {
        let id = random_id(200);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }
}
