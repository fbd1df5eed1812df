//! [`WecomClient`]: pooled HTTPS client with the token cache, one retry after a token refresh,
//! and back-off retries for transient failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use crate::api::media_upload;
use crate::api::{Envelope, gettoken, message_send};
use crate::errcode;
use crate::error::Error;
use crate::media::MediaFile;
use crate::media::download::{DEFAULT_DOWNLOAD_TIMEOUT, DownloadPolicy};
use crate::media_cache::{DEFAULT_MEDIA_TTL, MediaCache};
use crate::message::Message;
use crate::recipients::Recipients;
use crate::transport::{self, Timeouts, provider_error, read_envelope, transport_error};
use yizhan_core::shared_token::SharedTokens;
use yizhan_core::token::{AccessToken, TokenCache};

/// The real WeCom API.
pub const DEFAULT_BASE_URL: &str = "https://qyapi.weixin.qq.com";
/// Default TCP connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout for each read of the response.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// Default: refresh the token this long before its announced expiry.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
/// Default limit on a whole call, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit on one media upload attempt (files reach 20 MiB).
pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// Configures a [`WecomClient`].
#[must_use]
pub struct WecomClientBuilder {
    corp_id: String,
    agent_id: i64,
    secret: SecretString,
    base_url: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    refresh_margin: Duration,
    clock: Clock,
    http: Option<reqwest::Client>,
    upload_timeout: Duration,
    media_cache: Option<MediaCache>,
    allow_private_urls: bool,
    allow_http_urls: bool,
    download_timeout: Duration,
    max_download_bytes: Option<u64>,
    shared_tokens: Option<Arc<dyn SharedTokens>>,
    proxy: Option<reqwest::Proxy>,
}

impl WecomClientBuilder {
    /// Points the client at another server (the emulator). Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// TCP connect timeout. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for each read of the response. Default 15 s. A read timeout after the request
    /// was written is reported as ambiguous.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Limit on a whole call. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries for transient failures (-1, 45033, connection failures). Default: 3 retries,
    /// 200 ms doubling, 50 % jitter. [`RetryPolicy::none`] turns them off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Refresh the token this long before its announced expiry. Default 300 s.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The clock for token expiry. Default the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Sends every API call through `proxy` (see [`yizhan_core::egress::proxy`]); media
    /// downloads from URLs stay direct. Ignored when [`http_client`](Self::http_client) gives
    /// the pool.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Shares an existing connection pool instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Shares the token with other instances through `store` (Redis, PostgreSQL): the whole
    /// cluster calls gettoken once per token lifetime and once per forced refresh.
    pub fn shared_tokens(mut self, store: Arc<dyn SharedTokens>) -> Self {
        self.shared_tokens = Some(store);
        self
    }

    /// Limit on one media upload attempt. Default 120 s.
    pub fn upload_timeout(mut self, timeout: Duration) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// Shares a media cache (e.g. one per process). Default: a new cache reusing uploads for
    /// [`DEFAULT_MEDIA_TTL`] (2.5 days) on this builder's clock.
    pub fn media_cache(mut self, cache: MediaCache) -> Self {
        self.media_cache = Some(cache);
        self
    }

    /// Lets media URLs resolve to private, loopback, link-local, CGNAT, unique-local … addresses
    /// ([`media::address::is_public`](crate::media::address::is_public)). Default false: such
    /// URLs are refused before any connection. Tests against a local server set it.
    pub fn allow_private_urls(mut self, allow: bool) -> Self {
        self.allow_private_urls = allow;
        self
    }

    /// Lets media URLs use plain `http://`. Default false (`https://` only).
    pub fn allow_http_urls(mut self, allow: bool) -> Self {
        self.allow_http_urls = allow;
        self
    }

    /// Limit on one media download, DNS to last byte. Default 60 s.
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// Cap on a media download. Default: the media type's upload limit (never more).
    pub fn max_download_bytes(mut self, max: u64) -> Self {
        self.max_download_bytes = Some(max);
        self
    }

    /// Builds the client. `Error::Invalid` when `base_url` is not an absolute http(s) URL.
    pub fn build(self) -> Result<WecomClient, Error> {
        transport::check_base_url(&self.base_url)?;
        let http = match self.http {
            Some(client) => client,
            None => transport::http_client(
                Timeouts { connect: self.connect_timeout, read: self.read_timeout, total: self.timeout },
                self.proxy,
            )?,
        };
        let download = DownloadPolicy {
            allow_http: self.allow_http_urls,
            allow_private: self.allow_private_urls,
            timeout: self.download_timeout,
            connect_timeout: self.connect_timeout,
            max_bytes: self.max_download_bytes,
            user_agent: USER_AGENT.to_owned(),
        };
        let media_cache = self.media_cache.unwrap_or_else(|| MediaCache::new(DEFAULT_MEDIA_TTL, self.clock.clone()));
        let identity = format!("{}#{}#{}", self.base_url, self.corp_id, self.agent_id);
        let mut tokens = TokenCache::new(self.refresh_margin, self.clock);
        if let Some(store) = self.shared_tokens {
            tokens = tokens.with_shared(store, format!("wecom:{identity}"));
        }
        Ok(WecomClient {
            inner: Arc::new(Inner {
                http,
                identity,
                base_url: self.base_url,
                corp_id: self.corp_id,
                agent_id: self.agent_id,
                secret: self.secret,
                tokens,
                retry: self.retry,
                upload_timeout: self.upload_timeout,
                media_cache,
                download,
            }),
        })
    }
}

const USER_AGENT: &str = concat!("yizhan/", env!("CARGO_PKG_VERSION"));

/// A WeCom application client. Cheap to clone; clones share the connection pool, the token and
/// the media cache.
#[derive(Clone)]
pub struct WecomClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    /// `base_url#corp_id#agent_id`: the media cache key's identity.
    pub(crate) identity: String,
    base_url: String,
    corp_id: String,
    agent_id: i64,
    secret: SecretString,
    tokens: TokenCache,
    retry: RetryPolicy,
    upload_timeout: Duration,
    pub(crate) media_cache: MediaCache,
    pub(crate) download: DownloadPolicy,
}

/// What one attempt sends. A multipart form cannot be cloned, so it is built anew from the
/// file for every attempt (the bytes are shared, not copied).
pub(crate) enum Payload<'a> {
    /// No body: the call is a `GET` with query parameters only.
    None,
    /// A JSON body, sent unchanged on every attempt.
    Json(Bytes),
    /// A `multipart/form-data` body with the file in part `media`.
    Multipart(&'a MediaFile),
}

/// One business request as the retry loop sends it.
pub(crate) struct Call<'a> {
    pub(crate) path: &'a str,
    /// Query parameters besides `access_token`.
    pub(crate) query: &'a [(&'a str, &'a str)],
    pub(crate) payload: Payload<'a>,
    /// True when a resend after an ambiguous failure cannot do harm.
    pub(crate) resend_is_safe: bool,
}

impl std::fmt::Debug for WecomClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomClient")
            .field("base_url", &self.inner.base_url)
            .field("corp_id", &self.inner.corp_id)
            .field("agent_id", &self.inner.agent_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A validated, serialized message/send body: what the gateway persists and resends unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSend {
    /// The exact JSON body.
    pub body: Bytes,
    /// True when the body enables duplicate check, so an ambiguous failure may be resent.
    pub resend_is_safe: bool,
}

impl WecomClient {
    /// A builder for the application `agent_id` of `corp_id`, authenticated by its `secret`.
    pub fn builder(corp_id: impl Into<String>, agent_id: i64, secret: SecretString) -> WecomClientBuilder {
        WecomClientBuilder {
            corp_id: corp_id.into(),
            agent_id,
            secret,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            clock: Clock::System,
            http: None,
            upload_timeout: DEFAULT_UPLOAD_TIMEOUT,
            media_cache: None,
            allow_private_urls: false,
            allow_http_urls: false,
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
            max_download_bytes: None,
            shared_tokens: None,
            proxy: None,
        }
    }

    /// The corp id.
    pub fn corp_id(&self) -> &str {
        &self.inner.corp_id
    }

    /// The application's agent id.
    pub fn agent_id(&self) -> i64 {
        self.inner.agent_id
    }

    /// How long ago the cached access token was fetched; `None` when none is cached.
    pub fn token_age(&self) -> Option<Duration> {
        self.inner.tokens.age_ms().map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// A valid access token, fetched at most once across concurrent callers.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.inner.tokens.get(|| self.fetch_token()).await
    }

    /// Sends `message` to `recipients` from this client's application, with no optional flag.
    pub async fn send_message(
        &self,
        recipients: &Recipients,
        message: Message,
    ) -> Result<message_send::Receipt, Error> {
        self.send(&message_send::Request::new(self.agent_id(), recipients, message)).await
    }

    /// Validates and sends a message/send request.
    ///
    /// Errcode 81013 (every recipient invalid) is [`Error::Rejected`] with the lists. Partial
    /// invalidity is a success whose receipt lists the rejected recipients.
    pub async fn send(&self, request: &message_send::Request) -> Result<message_send::Receipt, Error> {
        self.send_prepared(&Self::prepare(request)?).await
    }

    /// Validates and serializes a request once, so that every retry sends identical bytes.
    pub fn prepare(request: &message_send::Request) -> Result<PreparedSend, Error> {
        request.validate()?;
        let body = serde_json::to_vec(request).map_err(|e| {
            SendError::transport(Provider::Wecom, FailureKind::Permanent, format!("cannot serialize request: {e}"))
        })?;
        Ok(PreparedSend { body: Bytes::from(body), resend_is_safe: request.is_deduplicated() })
    }

    /// Sends a prepared body unchanged.
    pub async fn send_prepared(&self, prepared: &PreparedSend) -> Result<message_send::Receipt, Error> {
        let envelope: Envelope<message_send::Response> = self
            .call(Call {
                path: message_send::PATH,
                query: &[],
                payload: Payload::Json(prepared.body.clone()),
                resend_is_safe: prepared.resend_is_safe,
            })
            .await?;
        match envelope.errcode {
            0 => Ok(envelope.body.into()),
            81013 => Err(Error::Rejected {
                error: provider_error(envelope.errcode, &envelope.errmsg, errcode::classify),
                receipt: Box::new(envelope.body.into()),
            }),
            code => Err(provider_error(code, &envelope.errmsg, errcode::classify).into()),
        }
    }

    /// POSTs a JSON body to a business endpoint and returns the decoded body on errcode 0.
    pub async fn post<R: DeserializeOwned + Default>(
        &self,
        path: &str,
        body: Bytes,
        resend_is_safe: bool,
    ) -> Result<R, Error> {
        self.call_ok(Call { path, query: &[], payload: Payload::Json(body), resend_is_safe }).await
    }

    /// [`call`](Self::call), then the body on errcode 0 and the classified error otherwise.
    pub(crate) async fn call_ok<R: DeserializeOwned + Default>(&self, call: Call<'_>) -> Result<R, Error> {
        let envelope: Envelope<R> = self.call(call).await?;
        match envelope.errcode {
            0 => Ok(envelope.body),
            code => Err(provider_error(code, &envelope.errmsg, errcode::classify).into()),
        }
    }

    /// One business request: token, one refresh-and-resend on a token error, and the client's
    /// retry policy on transient failures (none for the gateway's clients). Returns the
    /// envelope of any non-retryable answer for the caller to interpret.
    async fn call<R: DeserializeOwned + Default>(&self, call: Call<'_>) -> Result<Envelope<R>, Error> {
        let refreshed = AtomicBool::new(false);
        self.inner.retry.run(call.path, call.resend_is_safe, || self.call_once(&call, &refreshed)).await
    }

    /// One attempt of [`call`](Self::call); the token is refreshed at most once per call.
    async fn call_once<R: DeserializeOwned + Default>(
        &self,
        call: &Call<'_>,
        refreshed: &AtomicBool,
    ) -> Result<Result<Envelope<R>, Error>, SendError> {
        loop {
            let token = match self.access_token().await {
                Ok(token) => token,
                Err(e) => return Ok(Err(e)),
            };
            match self.send_once::<R>(call, &token).await? {
                env if errcode::is_token_error(env.errcode) && !refreshed.swap(true, Ordering::Relaxed) => {
                    tracing::debug!(path = call.path, errcode = env.errcode, "wecom token rejected; refreshing once");
                    self.inner.tokens.invalidate_everywhere(&token).await;
                }
                env if errcode::classify(env.errcode) == Some(FailureKind::Transient) => {
                    return Err(provider_error(env.errcode, &env.errmsg, errcode::classify));
                }
                env => return Ok(Ok(env)),
            }
        }
    }

    async fn send_once<R: DeserializeOwned + Default>(
        &self,
        call: &Call<'_>,
        token: &AccessToken,
    ) -> Result<Envelope<R>, SendError> {
        let url = format!("{}{}", self.inner.base_url, call.path);
        let http = &self.inner.http;
        let request = match &call.payload {
            Payload::None => http.get(url),
            Payload::Json(_) | Payload::Multipart(_) => http.post(url),
        }
        .query(&[("access_token", token.expose())])
        .query(call.query);
        let request = match &call.payload {
            Payload::None => request,
            Payload::Json(body) => {
                request.header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8").body(body.clone())
            }
            Payload::Multipart(file) => request.multipart(multipart_form(file)?).timeout(self.inner.upload_timeout),
        };
        let response = request.send().await.map_err(|e| transport_error(e, true))?;
        read_envelope(response, true).await
    }

    /// One gettoken exchange, with the client's retries on transient failures (it is
    /// idempotent).
    async fn fetch_token(&self) -> Result<(SecretString, i64), Error> {
        self.inner.retry.run(gettoken::PATH, true, || self.fetch_token_once()).await
    }

    async fn fetch_token_once(&self) -> Result<Result<(SecretString, i64), Error>, SendError> {
        let env = self.gettoken_once().await?;
        if env.errcode == 0 && !env.body.access_token.is_empty() {
            tracing::debug!(corp_id = %self.inner.corp_id, expires_in = env.body.expires_in, "wecom token fetched");
            let expires_at_ms = self.inner.tokens.now_ms() + env.body.expires_in.saturating_mul(1000);
            return Ok(Ok((SecretString::from(env.body.access_token), expires_at_ms)));
        }
        let failure = if env.errcode == 0 {
            SendError::transport(
                Provider::Wecom,
                FailureKind::Transient,
                "gettoken answered errcode 0 without an access_token",
            )
        } else {
            let mut e = provider_error(env.errcode, &env.errmsg, errcode::classify_gettoken);
            if let Some(remedy) = errcode::remedy(env.errcode) {
                e.message = format!("gettoken failed: {} — {remedy}", e.message);
            }
            e
        };
        if failure.kind == FailureKind::Transient { Err(failure) } else { Ok(Err(failure.into())) }
    }

    async fn gettoken_once(&self) -> Result<Envelope<gettoken::Response>, SendError> {
        let response = self
            .inner
            .http
            .get(format!("{}{}", self.inner.base_url, gettoken::PATH))
            .query(&[("corpid", self.inner.corp_id.as_str()), ("corpsecret", self.inner.secret.expose_secret())])
            .send()
            .await
            .map_err(|e| transport_error(e, false))?;
        read_envelope(response, false).await
    }
}

/// The upload form: one part `media` with the file name and content type.
fn multipart_form(file: &MediaFile) -> Result<reqwest::multipart::Form, SendError> {
    let part = reqwest::multipart::Part::stream_with_length(file.bytes.clone(), file.len())
        .file_name(file.filename.clone())
        .mime_str(&file.content_type)
        .map_err(|e| {
            SendError::transport(
                Provider::Wecom,
                FailureKind::Permanent,
                format!("invalid content type {:?}: {e}", file.content_type),
            )
        })?;
    Ok(reqwest::multipart::Form::new().part(media_upload::PART_NAME, part))
}
