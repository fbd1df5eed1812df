//! [`WecomClient`]: pooled HTTPS client with the token cache, one retry after a token refresh,
//! and back-off retries for transient failures.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use crate::api::{Envelope, gettoken, message_send};
use crate::errcode;
use crate::error::Error;
use crate::message::Message;
use crate::recipients::Recipients;
use crate::transport::{self, Timeouts, provider_error, read_envelope, transport_error};
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

    /// Shares an existing connection pool instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<WecomClient, Error> {
        let http = match self.http {
            Some(client) => client,
            None => transport::http_client(Timeouts {
                connect: self.connect_timeout,
                read: self.read_timeout,
                total: self.timeout,
            })?,
        };
        Ok(WecomClient {
            inner: Arc::new(Inner {
                http,
                base_url: self.base_url,
                corp_id: self.corp_id,
                agent_id: self.agent_id,
                secret: self.secret,
                tokens: TokenCache::new(self.refresh_margin, self.clock),
                retry: self.retry,
            }),
        })
    }
}

/// A WeCom application client. Cheap to clone; clones share the connection pool and the token.
#[derive(Clone)]
pub struct WecomClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    corp_id: String,
    agent_id: i64,
    secret: SecretString,
    tokens: TokenCache,
    retry: RetryPolicy,
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
        let envelope: Envelope<message_send::Response> =
            self.call(message_send::PATH, prepared.body.clone(), prepared.resend_is_safe).await?;
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
        let envelope: Envelope<R> = self.call(path, body, resend_is_safe).await?;
        match envelope.errcode {
            0 => Ok(envelope.body),
            code => Err(provider_error(code, &envelope.errmsg, errcode::classify).into()),
        }
    }

    /// The request loop: token, one refresh-and-retry on a token error, back-off retries on
    /// transient failures. Returns the envelope of any non-retryable answer for the caller to
    /// interpret.
    async fn call<R: DeserializeOwned + Default>(
        &self,
        path: &str,
        body: Bytes,
        resend_is_safe: bool,
    ) -> Result<Envelope<R>, Error> {
        let mut attempt = 1;
        let mut refreshed = false;
        loop {
            let token = self.access_token().await?;
            let failure = match self.post_once::<R>(path, &token, body.clone()).await {
                Ok(env) if errcode::is_token_error(env.errcode) && !refreshed => {
                    tracing::debug!(path, errcode = env.errcode, "wecom token rejected; refreshing once");
                    self.inner.tokens.invalidate(&token);
                    refreshed = true;
                    continue;
                }
                Ok(env) if errcode::classify(env.errcode) == Some(FailureKind::Transient) => {
                    provider_error(env.errcode, &env.errmsg, errcode::classify)
                }
                Ok(env) => return Ok(env),
                Err(e) => e,
            };
            let retry = failure.kind == FailureKind::Transient
                && (!failure.ambiguous || resend_is_safe)
                && self.inner.retry.allows_retry_after(attempt);
            if !retry {
                return Err(failure.into());
            }
            let delay = self.inner.retry.delay(attempt);
            tracing::debug!(path, attempt, ?delay, error = %failure, "wecom transient failure; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn post_once<R: DeserializeOwned + Default>(
        &self,
        path: &str,
        token: &AccessToken,
        body: Bytes,
    ) -> Result<Envelope<R>, SendError> {
        let response = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.base_url))
            .query(&[("access_token", token.expose())])
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(e, true))?;
        read_envelope(response, true).await
    }

    /// One gettoken exchange, with transient retries (it is idempotent).
    async fn fetch_token(&self) -> Result<(SecretString, i64), Error> {
        let mut attempt = 1;
        loop {
            let failure = match self.gettoken_once().await {
                Ok(env) if env.errcode == 0 && !env.body.access_token.is_empty() => {
                    tracing::debug!(corp_id = %self.inner.corp_id, expires_in = env.body.expires_in, "wecom token fetched");
                    let expires_at_ms = self.inner.tokens.now_ms() + env.body.expires_in.saturating_mul(1000);
                    return Ok((SecretString::from(env.body.access_token), expires_at_ms));
                }
                Ok(env) if env.errcode == 0 => SendError::transport(
                    Provider::Wecom,
                    FailureKind::Transient,
                    "gettoken answered errcode 0 without an access_token",
                ),
                Ok(env) => {
                    let mut e = provider_error(env.errcode, &env.errmsg, errcode::classify_gettoken);
                    if let Some(remedy) = errcode::remedy(env.errcode) {
                        e.message = format!("gettoken failed: {} — {remedy}", e.message);
                    }
                    e
                }
                Err(e) => e,
            };
            if failure.kind != FailureKind::Transient || !self.inner.retry.allows_retry_after(attempt) {
                return Err(failure.into());
            }
            tokio::time::sleep(self.inner.retry.delay(attempt)).await;
            attempt += 1;
        }
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
