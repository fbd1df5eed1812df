//! Console sessions: a server-side table of random tokens, each standing for the API key it was
//! opened with (docs/console.md, "Sessions").
//!
//! The cookie holds 256 random bits; the table keys on their SHA-256, so the table (and its
//! `Debug`) never holds a usable token. A session ends at sign-out, after [`IDLE`] without a
//! request, or when the process stops (sign in again). Each session has its own CSRF token, sent
//! in every form and checked on every POST.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use super::i18n::Lang;
use crate::server::Ctx;
use crate::server::auth::Caller;

/// A session ends after this long without a request.
pub(crate) const IDLE: Duration = Duration::from_secs(30 * 60);
/// The session cookie.
pub(crate) const COOKIE: &str = "yz_session";
/// The sign-in form's double-submit cookie (there is no session to hold its token yet).
pub(crate) const SIGN_IN_COOKIE: &str = "yz_sign_in";

/// The open sessions. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Sessions {
    table: Arc<Mutex<HashMap<[u8; 32], Entry>>>,
    idle: Duration,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new(IDLE)
    }
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").field("open", &self.lock().len()).field("idle", &self.idle).finish()
    }
}

struct Entry {
    session: Session,
    last_seen: Instant,
}

/// What a signed-in request knows.
#[derive(Clone)]
pub(crate) struct Session {
    /// The key the session was opened with: its name and channels.
    pub(crate) caller: Caller,
    /// The token every form of this session carries.
    pub(crate) csrf: String,
}

impl Sessions {
    /// An empty table whose sessions end after `idle` without a request.
    pub(crate) fn new(idle: Duration) -> Sessions {
        Sessions { table: Arc::default(), idle }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session for `caller`; the token to put in the cookie.
    pub(crate) fn open(&self, caller: Caller, now: Instant) -> String {
        let token = random_token();
        let session = Session { caller, csrf: random_token() };
        let mut table = self.lock();
        // Forget the sessions that expired, so the table does not grow with abandoned ones.
        table.retain(|_, e| now.saturating_duration_since(e.last_seen) < self.idle);
        table.insert(digest(&token), Entry { session, last_seen: now });
        token
    }

    /// The live session of `token`, marked as used at `now`; `None` if unknown or idle too long
    /// (then it is forgotten).
    pub(crate) fn find(&self, token: &str, now: Instant) -> Option<Session> {
        let key = digest(token);
        let mut table = self.lock();
        let entry = table.get_mut(&key)?;
        if now.saturating_duration_since(entry.last_seen) >= self.idle {
            table.remove(&key);
            return None;
        }
        entry.last_seen = now;
        Some(entry.session.clone())
    }

    /// Ends the session of `token` (sign-out).
    pub(crate) fn close(&self, token: &str) {
        self.lock().remove(&digest(token));
    }
}

impl Session {
    /// Whether `presented` is this session's CSRF token (constant time).
    pub(crate) fn csrf_matches(&self, presented: Option<&str>) -> bool {
        presented.is_some_and(|p| bool::from(p.as_bytes().ct_eq(self.csrf.as_bytes())))
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// 256 random bits as 64 hex characters.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // Without an OS random source nothing here can be secure; a page that cannot be served is
    // better than a guessable token.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// The value of cookie `name` in the request, if sent.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
}

/// Whether the browser reached us over TLS: a reverse proxy in front terminates it and says so
/// in `X-Forwarded-Proto` or `Forwarded` (the gateway itself serves plain HTTP).
fn over_tls(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok());
    let forwarded = headers.get(header::FORWARDED).and_then(|v| v.to_str().ok()).unwrap_or_default();
    forwarded_proto.is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
        || forwarded.split([';', ',']).any(|p| p.trim().eq_ignore_ascii_case("proto=https"))
}

/// A `Set-Cookie` value for the console: `HttpOnly`, `SameSite=Strict`, path `/console`,
/// `Secure` over TLS; `max_age` in seconds (`Some(0)` deletes it, `None` lasts until the
/// browser closes).
pub(crate) fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/console; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if over_tls(headers) {
        cookie.push_str("; Secure");
    }
    // Tokens are hex and names fixed: always a valid header value.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A signed-in request: its session and language. Without a live session, a page redirects to
/// the sign-in page (and back after it); a request of htmx is told to do the same.
pub(crate) struct SignedIn {
    /// The session.
    pub(crate) session: Session,
    /// The page language.
    pub(crate) lang: Lang,
}

impl FromRequestParts<Ctx> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Response> {
        let lang = Lang::from_headers(&parts.headers);
        if let Some(session) = cookie(&parts.headers, COOKIE).and_then(|t| ctx.sessions.find(t, Instant::now())) {
            return Ok(SignedIn { session, lang });
        }
        let back = parts.uri.path_and_query().map_or("/console/", |p| p.as_str());
        let to = format!(
            "/console/sign-in?next={}",
            url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
        );
        if parts.uri.path() == "/console/events" {
            return Err(StatusCode::UNAUTHORIZED.into_response());
        }
        if parts.headers.contains_key("hx-request") {
            return Err((StatusCode::UNAUTHORIZED, [("hx-redirect", to)]).into_response());
        }
        Err(Redirect::to(&to).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller { name: "ci".into(), channels: vec!["ops".into()], admin: false }
    }

    #[test]
    fn sessions_expire_when_idle_and_end_at_sign_out() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let token = sessions.open(caller(), t0);
        assert_eq!(token.len(), 64);
        let found = sessions.find(&token, t0 + Duration::from_secs(59)).expect("alive");
        assert_eq!(found.caller, caller());
        // Use keeps it alive: idle is counted from the last request.
        assert!(sessions.find(&token, t0 + Duration::from_secs(118)).is_some());
        assert!(sessions.find(&token, t0 + Duration::from_secs(178)).is_none(), "idle for 60 s");
        assert!(sessions.find(&token, t0).is_none(), "an expired session is forgotten");
        let other = sessions.open(caller(), t0);
        assert_ne!(other, token);
        sessions.close(&other);
        assert!(sessions.find(&other, t0).is_none());
        assert!(sessions.find("not-a-token", t0).is_none());
        assert!(!format!("{sessions:?}").contains(&other));
    }

    #[test]
    fn csrf_tokens_are_per_session_and_compared_whole() {
        let sessions = Sessions::new(IDLE);
        let now = Instant::now();
        let a = sessions.find(&sessions.open(caller(), now), now).expect("a");
        let b = sessions.find(&sessions.open(caller(), now), now).expect("b");
        assert_ne!(a.csrf, b.csrf);
        assert!(a.csrf_matches(Some(&a.csrf)));
        assert!(!a.csrf_matches(Some(&b.csrf)));
        assert!(!a.csrf_matches(Some(&a.csrf[..63])));
        assert!(!a.csrf_matches(Some("")));
        assert!(!a.csrf_matches(None));
    }

    #[test]
    fn cookies_are_read_and_written_strictly() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; yz_session=abc ; b=2"));
        assert_eq!(cookie(&headers, COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "yz"), None);
        let plain = set_cookie(&headers, COOKIE, "abc", None);
        assert_eq!(plain.to_str().ok(), Some("yz_session=abc; Path=/console; HttpOnly; SameSite=Strict"));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let secure = set_cookie(&headers, COOKIE, "", Some(0));
        assert_eq!(
            secure.to_str().ok(),
            Some("yz_session=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
        );
        let mut forwarded = HeaderMap::new();
        forwarded.insert(header::FORWARDED, HeaderValue::from_static("for=1.2.3.4;proto=https"));
        assert!(over_tls(&forwarded));
    }
}
