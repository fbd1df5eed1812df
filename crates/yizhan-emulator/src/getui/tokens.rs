//! Getui tokens: many valid at once per app, each with its own expiry, revocable one by one or
//! all together (`expire_tokens`), plus the per-app sliding minute of `/auth` calls (10003).

use std::collections::{HashMap, VecDeque};
use std::sync::RwLock;

use super::time::MINUTE_MS;

#[derive(Debug)]
struct Entry {
    app: usize,
    expires_at_ms: i64,
    revoked: bool,
}

#[derive(Debug, Default)]
struct Inner {
    by_token: HashMap<Box<str>, Entry>,
    auth_windows: HashMap<usize, VecDeque<i64>>,
}

/// Every token issued since the last reset, and the `/auth` windows.
#[derive(Debug)]
pub(super) struct Tokens {
    lifetime_ms: i64,
    inner: RwLock<Inner>,
}

/// 64 random lower-case hex digits, the shape of real tokens.
fn random_token() -> String {
    (0..4).map(|_| format!("{:016x}", fastrand::u64(..))).collect()
}

impl Tokens {
    /// A store issuing tokens valid for `lifetime_ms`.
    pub(super) fn new(lifetime_ms: i64) -> Self {
        Self { lifetime_ms, inner: RwLock::default() }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one `/auth` call of `app` unless `per_minute` calls already fall in the last minute
    /// (then the call is refused and not counted).
    pub(super) fn admit_auth(&self, app: usize, now_ms: i64, per_minute: u32) -> bool {
        let mut inner = self.write();
        let window = inner.auth_windows.entry(app).or_default();
        while window.front().is_some_and(|&t| t <= now_ms - MINUTE_MS) {
            window.pop_front();
        }
        if window.len() >= per_minute as usize {
            return false;
        }
        window.push_back(now_ms);
        true
    }

    /// A new token for `app` (earlier ones stay valid) and its absolute expiry in epoch ms.
    pub(super) fn issue(&self, app: usize, now_ms: i64) -> (String, i64) {
        let token = random_token();
        let expires_at_ms = now_ms.saturating_add(self.lifetime_ms);
        self.write().by_token.insert(token.as_str().into(), Entry { app, expires_at_ms, revoked: false });
        (token, expires_at_ms)
    }

    /// Whether `token` is a valid token of `app` at `now_ms`.
    pub(super) fn is_valid(&self, token: &str, app: usize, now_ms: i64) -> bool {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.by_token.get(token).is_some_and(|e| e.app == app && !e.revoked && now_ms < e.expires_at_ms)
    }

    /// Revokes one token of `app` (unknown tokens are ignored).
    pub(super) fn revoke(&self, token: &str, app: usize) {
        if let Some(entry) = self.write().by_token.get_mut(token).filter(|e| e.app == app) {
            entry.revoked = true;
        }
    }

    /// Expires every token issued so far.
    pub(super) fn expire_all(&self) {
        self.write().by_token.values_mut().for_each(|e| e.revoked = true);
    }

    /// Forgets every token and window.
    pub(super) fn reset(&self) {
        *self.write() = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_tokens_expiry_and_revocation() {
        let t = Tokens::new(1000);
        let (a, exp) = t.issue(0, 10);
        let (b, _) = t.issue(0, 20);
        assert_eq!((a.len(), exp), (64, 1010));
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert!(t.is_valid(&a, 0, 1009) && t.is_valid(&b, 0, 1009));
        assert!(!t.is_valid(&a, 1, 100), "bound to its app");
        assert!(!t.is_valid(&a, 0, 1010));
        t.revoke(&b, 0);
        assert!(!t.is_valid(&b, 0, 30));
        let (c, _) = t.issue(0, 30);
        t.expire_all();
        assert!(!t.is_valid(&c, 0, 31));
    }

    #[test]
    fn auth_window() {
        let t = Tokens::new(1000);
        assert!(t.admit_auth(0, 0, 2) && t.admit_auth(0, 1, 2));
        assert!(!t.admit_auth(0, 59_999, 2));
        assert!(t.admit_auth(1, 59_999, 2), "per app");
        assert!(t.admit_auth(0, 60_000, 2));
    }
}
