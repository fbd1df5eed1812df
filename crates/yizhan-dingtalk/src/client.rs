//! [`DingtalkClient`]: posts prepared robot messages through one robot's webhook, signing each
//! request when the robot has a 加签 secret.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use crate::message::Message;
use crate::robot_send::{self, Response};
use crate::{DEFAULT_BASE_URL, Error, MAX_BODY_BYTES, ValidationError, errcode, sign};

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of an unexpected answer is quoted in the error.
const SNIPPET_BYTES: usize = 200;
/// What replaces the token or the secret wherever either could show up in text.
const REDACTED: &str = "[redacted]";

/// Configures a [`DingtalkClient`].
#[must_use]
pub struct DingtalkClientBuilder {
    access_token: SecretString,
    secret: Option<SecretString>,
    base_url: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Clock,
}

impl DingtalkClientBuilder {
    /// Signs every request with this 加签 secret (`SEC…`). Default: unsigned (keyword or IP
    /// mode).
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

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

    /// Timeout of each read of the answer. Default 15 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Limit on a whole call. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries of transient failures that cannot have been delivered (a robot post has no
    /// dedupe, so an ambiguous failure is never resent). Default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock that stamps signatures. Default the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<DingtalkClient, Error> {
        match reqwest::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                let problem = format!("{:?} is not an http:// or https:// URL with a host", self.base_url);
                return Err(ValidationError::new("base_url", problem).into());
            }
        }
        let http = reqwest::Client::builder()
            .tcp_nodelay(true)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .timeout(self.timeout)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .user_agent(concat!("yizhan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| yizhan_core::transport::transport_error(Provider::Dingtalk, e, false))?;
        let inner = Inner {
            http,
            base_url: self.base_url,
            access_token: self.access_token,
            secret: self.secret,
            retry: self.retry,
            clock: self.clock,
        };
        Ok(DingtalkClient { inner: Arc::new(inner) })
    }
}

/// A client of one DingTalk custom robot. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), yizhan_dingtalk::Error> {
/// use yizhan_dingtalk::{DingtalkClient, Message};
///
/// let robot = DingtalkClient::builder("yizhan-demo-dingtalk".to_owned().into())
///     .secret("SECyizhan-demo-dingtalk-secret".to_owned().into())
///     .base_url("http://127.0.0.1:9400") // the emulator; omit for the real DingTalk
///     .build()?;
/// robot.send(&Message::markdown("deploy", "### deploy done")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DingtalkClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    access_token: SecretString,
    secret: Option<SecretString>,
    retry: RetryPolicy,
    clock: Clock,
}

impl std::fmt::Debug for DingtalkClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DingtalkClient")
            .field("base_url", &self.inner.base_url)
            .field("access_token", &REDACTED)
            .field("signed", &self.inner.secret.is_some())
            .finish()
    }
}

impl DingtalkClient {
    /// A builder for the robot whose webhook URL holds `access_token`.
    pub fn builder(access_token: SecretString) -> DingtalkClientBuilder {
        DingtalkClientBuilder {
            access_token,
            secret: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            clock: Clock::System,
        }
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether requests are signed.
    pub fn is_signed(&self) -> bool {
        self.inner.secret.is_some()
    }

    /// Validates and serializes a message: the exact body [`DingtalkClient::send`] posts.
    pub fn prepare(message: &Message) -> Result<Bytes, Error> {
        message.validate()?;
        let body = serde_json::to_vec(message)
            .map_err(|e| ValidationError::new("message", format_args!("cannot be serialized: {e}")))?;
        if body.len() > MAX_BODY_BYTES {
            let problem = format!("the body is {} bytes; DingTalk takes at most {MAX_BODY_BYTES}", body.len());
            return Err(ValidationError::new(message.msgtype(), problem).into());
        }
        Ok(Bytes::from(body))
    }

    /// Validates and posts `message`.
    pub async fn send(&self, message: &Message) -> Result<(), Error> {
        self.send_prepared(Self::prepare(message)?).await
    }

    /// Posts a body from [`DingtalkClient::prepare`] unchanged, signed afresh on every attempt,
    /// with the client's retry policy (none for the gateway's clients).
    pub async fn send_prepared(&self, body: Bytes) -> Result<(), Error> {
        self.inner.retry.run(robot_send::PATH, false, || self.send_once(body.clone())).await
    }

    async fn send_once(&self, body: Bytes) -> Result<Result<(), Error>, SendError> {
        let inner = &self.inner;
        let mut query = vec![("access_token", inner.access_token.expose_secret().to_owned())];
        if let Some(secret) = &inner.secret {
            let now = inner.clock.now_ms();
            query.push(("timestamp", now.to_string()));
            // The raw Base64: the query builder encodes it once.
            query.push(("sign", sign::sign(secret.expose_secret(), now)));
        }
        let response = inner
            .http
            .post(format!("{}{}", inner.base_url, robot_send::PATH))
            .query(&query)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| transport(e, true))?;
        let answer = self.read(response).await?;
        if answer.errcode == 0 {
            return Ok(Ok(()));
        }
        let message = self.redact(&answer.errmsg);
        let kind = errcode::classify(answer.errcode, &answer.errmsg).unwrap_or(FailureKind::Permanent);
        let message = if message.is_empty() {
            errcode::describe(answer.errcode).unwrap_or("unknown error").to_owned()
        } else {
            message
        };
        Err(SendError::provider(Provider::Dingtalk, kind, answer.errcode, message))
    }

    /// Decodes an answer; anything but a JSON errcode after HTTP 200 is a failure, ambiguous
    /// when DingTalk may have posted the message.
    async fn read(&self, response: reqwest::Response) -> Result<Response, SendError> {
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| transport(e, true))?;
        if !status.is_success() {
            let (kind, ambiguous) = match status.as_u16() {
                429 => (FailureKind::RateLimited { retry_after: None }, false),
                408 => (FailureKind::Transient, false),
                s if s >= 500 => (FailureKind::Transient, true),
                _ => (FailureKind::Permanent, false),
            };
            let snippet = self.redact(&String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET_BYTES)]));
            return Err(SendError::transport(Provider::Dingtalk, kind, format!("HTTP {status}: {snippet}"))
                .with_ambiguous(ambiguous));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            SendError::transport(Provider::Dingtalk, FailureKind::Transient, format!("undecodable answer: {e}"))
                .with_ambiguous(true)
        })
    }

    /// `text` with the token and the secret replaced.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let secrets = [Some(&self.inner.access_token), self.inner.secret.as_ref()];
        for secret in secrets.into_iter().flatten().map(ExposeSecret::expose_secret) {
            if !secret.is_empty() {
                text = text.replace(secret, REDACTED);
            }
        }
        text
    }
}

/// A transport failure, classified once for every provider.
fn transport(error: reqwest::Error, may_have_effect: bool) -> SendError {
    yizhan_core::transport::transport_error(Provider::Dingtalk, error, may_have_effect)
}
