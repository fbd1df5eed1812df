//! [`GetuiClient`]: pooled HTTPS client with the token cache, one re-auth-and-retry on 10001
//! (same body, so the same `request_id`), domain switching on 301, host rotation on transport
//! failures, and back-off retries for transient failures.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use yizhan_core::shared_token::SharedTokens;
use yizhan_core::token::{AccessToken, TokenCache};
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use crate::api::{Envelope, Method, auth};
use crate::errcode::{self, CodeClass};
use crate::error::Error;

/// The real Getui REST v2 host.
pub const DEFAULT_BASE_URL: &str = "https://restapi.getui.com";
/// Default: refresh the token this long before its `expire_time` (tokens live one day).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(3600);
/// Default TCP connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout for each read of the response.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Default limit on a whole call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures a [`GetuiClient`].
#[must_use]
pub struct GetuiClientBuilder {
    app_id: String,
    app_key: String,
    master_secret: SecretString,
    base_urls: Vec<String>,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    refresh_margin: Duration,
    clock: Clock,
    http: Option<reqwest::Client>,
    shared_tokens: Option<Arc<dyn SharedTokens>>,
    proxy: Option<reqwest::Proxy>,
}

impl GetuiClientBuilder {
    /// One server (the emulator, a proxy). Replaces the default [`DEFAULT_BASE_URL`]. The app path
    /// `/v2/{appId}` is added by the client; a URL that already ends with it is accepted.
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.base_urls([url.into()])
    }

    /// Several servers, tried in order: a transport failure rotates to the next.
    pub fn base_urls<I: IntoIterator<Item = S>, S: Into<String>>(mut self, urls: I) -> Self {
        let app_id = self.app_id.clone();
        self.base_urls = urls.into_iter().map(|u| normalize_host(&u.into(), &app_id)).collect();
        self
    }

    /// TCP connect timeout. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for each read of the response. Default 15 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Limit on a whole call. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries for transient failures (code 2, 30019, transport). Default: 3 retries.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refresh the token this long before `expire_time`. Default 1 h.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The clock for signing timestamps, token expiry and quota windows. Default the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sends every call through `proxy` (see [`yizhan_core::egress::proxy`]). Ignored when
    /// [`http_client`](Self::http_client) gives the pool.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Shares an existing connection pool.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Shares the token with other instances through `store` (Redis, PostgreSQL): the whole
    /// cluster authenticates once per token lifetime and once per forced refresh.
    pub fn shared_tokens(mut self, store: Arc<dyn SharedTokens>) -> Self {
        self.shared_tokens = Some(store);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<GetuiClient, Error> {
        if self.base_urls.is_empty() {
            return Err(crate::validate::ValidationError::new("base_urls", "at least one base URL is required").into());
        }
        let http = match self.http {
            Some(client) => client,
            None => self
                .proxy
                .into_iter()
                .fold(reqwest::Client::builder(), reqwest::ClientBuilder::proxy)
                .tcp_nodelay(true)
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout)
                .timeout(self.timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("yizhan/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| transport_error(e, false))?,
        };
        let mut tokens = TokenCache::new(self.refresh_margin, self.clock.clone());
        if let Some(store) = self.shared_tokens {
            let host = self.base_urls.first().cloned().unwrap_or_default();
            tokens = tokens.with_shared(store, format!("getui:{host}#{}", self.app_id));
        }
        Ok(GetuiClient {
            inner: Arc::new(Inner {
                http,
                app_id: self.app_id,
                app_key: self.app_key,
                master_secret: self.master_secret,
                hosts: RwLock::new(Hosts { list: self.base_urls, current: 0 }),
                tokens,
                clock: self.clock,
                retry: self.retry,
            }),
        })
    }
}

/// A Getui app client. Cheap to clone; clones share the pool, the hosts and the token.
#[derive(Clone)]
pub struct GetuiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    app_id: String,
    app_key: String,
    master_secret: SecretString,
    hosts: RwLock<Hosts>,
    tokens: TokenCache,
    clock: Clock,
    retry: RetryPolicy,
}

struct Hosts {
    list: Vec<String>,
    current: usize,
}

impl std::fmt::Debug for GetuiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetuiClient")
            .field("app_id", &self.inner.app_id)
            .field("app_key", &self.inner.app_key)
            .field("master_secret", &"[redacted]")
            .field("host", &self.host())
            .finish()
    }
}

/// Whether resending a request whose answer was lost can deliver twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Idempotent, or deduplicated by Getui (a push carrying its `request_id`).
    Safe,
    /// May act twice: report an ambiguous failure instead of resending.
    Unsafe,
}

impl GetuiClient {
    /// A builder for app `app_id`, signing with `app_key` and `master_secret`.
    pub fn builder(
        app_id: impl Into<String>,
        app_key: impl Into<String>,
        master_secret: SecretString,
    ) -> GetuiClientBuilder {
        let app_id = app_id.into();
        GetuiClientBuilder {
            base_urls: vec![normalize_host(DEFAULT_BASE_URL, &app_id)],
            app_id,
            app_key: app_key.into(),
            master_secret,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            clock: Clock::System,
            http: None,
            shared_tokens: None,
            proxy: None,
        }
    }

    /// The app id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The host currently in use (changes on rotation and on 301).
    pub fn host(&self) -> String {
        let hosts = self.inner.hosts.read().unwrap_or_else(|e| e.into_inner());
        hosts.list.get(hosts.current).cloned().unwrap_or_default()
    }

    /// How long ago the cached access token was fetched; `None` when none is cached.
    pub fn token_age(&self) -> Option<std::time::Duration> {
        self.inner.tokens.age_ms().map(|ms| std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }

    /// The client's clock (used for validation of `schedule_time` and quota waits).
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// A valid token, fetched at most once across concurrent callers.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.inner.tokens.get(|| self.authenticate()).await
    }

    /// Drops `token` from the cache if it is still the cached one.
    pub(crate) async fn forget_token(&self, token: &AccessToken) {
        self.inner.tokens.invalidate_everywhere(token).await;
    }

    /// Sends one request with the token; see the module doc for the retry rules. Returns `data`
    /// of a code-0 answer (absent for async calls and for endpoints without data).
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        resend: Resend,
    ) -> Result<Option<T>, Error> {
        let reauthenticated = AtomicBool::new(false);
        let redirected = AtomicBool::new(false);
        let safe = resend == Resend::Safe;
        self.inner
            .retry
            .run(path, safe, || self.call_once(method, path, body.clone(), resend, &reauthenticated, &redirected))
            .await
    }

    /// One attempt of [`call`](Self::call): re-authenticates at most once and follows a domain
    /// redirect at most once per call.
    async fn call_once<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        resend: Resend,
        reauthenticated: &AtomicBool,
        redirected: &AtomicBool,
    ) -> Result<Result<Option<T>, Error>, SendError> {
        loop {
            let token = match self.access_token().await {
                Ok(token) => token,
                Err(e) => return Ok(Err(e)),
            };
            let failure = match self.send_once(method, path, Some(&token), body.clone(), resend).await {
                Ok(env) if env.code == 0 => match decode_data(env.data) {
                    Ok(data) => return Ok(Ok(data)),
                    Err(e) => e,
                },
                Ok(env) => match errcode::class(env.code) {
                    Some(CodeClass::Token) if !reauthenticated.swap(true, Ordering::Relaxed) => {
                        tracing::debug!(path, "getui token rejected (10001); re-authenticating once");
                        self.inner.tokens.invalidate_everywhere(&token).await;
                        continue;
                    }
                    Some(CodeClass::Redirect)
                        if !redirected.load(Ordering::Relaxed) && self.switch_domains(env.data.as_ref()) =>
                    {
                        redirected.store(true, Ordering::Relaxed);
                        continue;
                    }
                    _ => self.provider_error(env.code, &env.msg),
                },
                Err(e) => e,
            };
            return Err(self.after_failure(failure));
        }
    }

    /// Moves to the next host after a failure that never reached Getui.
    fn after_failure(&self, failure: SendError) -> SendError {
        if failure.code.is_none() && !failure.ambiguous {
            self.rotate_host();
        }
        failure
    }

    /// `POST /auth`, signed with a fresh timestamp, with the client's retries on transient
    /// failures.
    async fn authenticate(&self) -> Result<(SecretString, i64), Error> {
        self.inner.retry.run(auth::PATH, true, || self.authenticate_once()).await
    }

    async fn authenticate_once(&self) -> Result<Result<(SecretString, i64), Error>, SendError> {
        let timestamp_ms = self.inner.clock.now_ms();
        let request =
            auth::Request::signed(&self.inner.app_key, self.inner.master_secret.expose_secret(), timestamp_ms);
        let body = match serde_json::to_vec(&request) {
            Ok(body) => Bytes::from(body),
            Err(e) => return Ok(Err(encode_error(e).into())),
        };
        let failure = match self.send_once(Method::Post, auth::PATH, None, Some(body), Resend::Safe).await {
            Ok(env) if env.code == 0 => match decode_data::<auth::Response>(env.data) {
                Ok(Some(data)) if !data.token.is_empty() => {
                    tracing::debug!(app_id = %self.inner.app_id, expire_time = data.expire_time, "getui token fetched");
                    return Ok(Ok((SecretString::from(data.token), data.expire_time)));
                }
                Ok(_) => SendError::transport(
                    Provider::Getui,
                    FailureKind::Transient,
                    "auth answered code 0 without a token",
                ),
                Err(e) => e,
            },
            Ok(env) => {
                let mut e = self.provider_error(env.code, &env.msg);
                if e.kind == FailureKind::TokenExpired || env.code == 20001 {
                    e.kind = FailureKind::Permanent;
                    e.message = format!("auth failed: {} — check app_id, app_key and master_secret", e.message);
                }
                e
            }
            Err(e) => e,
        };
        Err(self.after_failure(failure))
    }

    /// One HTTP exchange. Bodies of 4xx answers are decoded like 200 ones: Getui sends its
    /// business codes with 400/401/403.
    async fn send_once(
        &self,
        method: Method,
        path: &str,
        token: Option<&AccessToken>,
        body: Option<Bytes>,
        resend: Resend,
    ) -> Result<Envelope<serde_json::Value>, SendError> {
        let url = format!("{}/v2/{}{path}", self.host(), self.inner.app_id);
        let http_method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut request = self.inner.http.request(http_method, url);
        if let Some(token) = token {
            request = request.header("token", token.expose());
        }
        if let Some(body) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, "application/json;charset=UTF-8").body(body);
        }
        let may_have_effect = resend == Resend::Unsafe || method != Method::Get;
        let response = request.send().await.map_err(|e| transport_error(e, may_have_effect))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport_error(e, may_have_effect))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, Envelope<serde_json::Value>>(&mut de) {
            // A 5xx whose body carries no documented code is a server failure, retried like any
            // 5xx (Getui REST v2 docs: return codes; transport errors, HTTP 5xx/408/429, 30019
            // and code 2 are retried).
            Ok(env) if status.is_server_error() && errcode::describe(env.code).is_none() => Err(SendError::provider(
                Provider::Getui,
                FailureKind::Transient,
                env.code,
                format!("HTTP {status}: {}", if env.msg.is_empty() { "server error" } else { env.msg.as_str() }),
            )
            .with_ambiguous(may_have_effect)),
            Ok(env) => Ok(env),
            Err(decode) => {
                let (kind, ambiguous) = match status.as_u16() {
                    200..=299 => (FailureKind::Transient, may_have_effect),
                    429 => (FailureKind::RateLimited { retry_after: None }, false),
                    408 => (FailureKind::Transient, false),
                    s if s >= 500 => (FailureKind::Transient, may_have_effect),
                    _ => (FailureKind::Permanent, false),
                };
                let snippet = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
                Err(SendError::transport(
                    Provider::Getui,
                    kind,
                    format!("HTTP {status}, undecodable body ({decode}): {snippet}"),
                )
                .with_ambiguous(ambiguous))
            }
        }
    }

    fn provider_error(&self, code: i64, msg: &str) -> SendError {
        let kind = errcode::classify(code, self.inner.clock.now_ms()).unwrap_or(FailureKind::Permanent);
        let message =
            if msg.is_empty() { errcode::describe(code).unwrap_or("unknown error").to_owned() } else { msg.to_owned() };
        SendError::provider(Provider::Getui, kind, code, message)
    }

    fn rotate_host(&self) {
        let mut hosts = self.inner.hosts.write().unwrap_or_else(|e| e.into_inner());
        if hosts.list.len() > 1 {
            hosts.current = (hosts.current + 1) % hosts.list.len();
            tracing::info!(host = %hosts.list[hosts.current], "getui transport failure; rotating host");
        }
    }

    /// Applies a 301 answer's `host_list[0].domain_list`. False when it carries none.
    fn switch_domains(&self, data: Option<&serde_json::Value>) -> bool {
        let domains: Vec<String> = data
            .and_then(|d| d.get("host_list"))
            .and_then(|l| l.get(0))
            .and_then(|h| h.get("domain_list"))
            .and_then(|l| l.as_array())
            .map(|list| list.iter().filter_map(|d| d.as_str()).map(|d| normalize_host(d, &self.inner.app_id)).collect())
            .unwrap_or_default();
        if domains.is_empty() {
            return false;
        }
        tracing::info!(?domains, "getui answered 301; switching data-centre domains");
        let mut hosts = self.inner.hosts.write().unwrap_or_else(|e| e.into_inner());
        *hosts = Hosts { list: domains, current: 0 };
        true
    }
}

/// Makes `https://host[/v2[/appId]][/]` into `https://host`.
fn normalize_host(url: &str, app_id: &str) -> String {
    let mut host = url.trim().trim_end_matches('/').to_owned();
    if !host.contains("://") {
        host = format!("https://{host}");
    }
    for suffix in [format!("/v2/{app_id}"), "/v2".to_owned()] {
        if let Some(stripped) = host.strip_suffix(&suffix) {
            host = stripped.to_owned();
        }
    }
    host
}

/// Decodes the `data` of a code-0 answer. A success we cannot read is ambiguous: Getui acted.
fn decode_data<T: DeserializeOwned>(data: Option<serde_json::Value>) -> Result<Option<T>, SendError> {
    match data {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => serde_path_to_error::deserialize(value).map(Some).map_err(|e| {
            SendError::transport(Provider::Getui, FailureKind::Transient, format!("undecodable response data: {e}"))
                .with_ambiguous(true)
        }),
    }
}

fn encode_error(e: serde_json::Error) -> SendError {
    SendError::transport(Provider::Getui, FailureKind::Permanent, format!("cannot serialize request: {e}"))
}

/// A transport error of a call, classified once for every provider (see
/// [`yizhan_core::transport::transport_error`]).
fn transport_error(error: reqwest::Error, may_have_effect: bool) -> SendError {
    yizhan_core::transport::transport_error(Provider::Getui, error, may_have_effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("https://restapi.getui.com/v2/app1/", "app1"), "https://restapi.getui.com");
        assert_eq!(normalize_host("http://127.0.0.1:9400", "app1"), "http://127.0.0.1:9400");
        assert_eq!(normalize_host("cncrestapi.getui.com/v2/", "app1"), "https://cncrestapi.getui.com");
    }
}
