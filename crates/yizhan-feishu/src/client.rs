//! [`FeishuClient`]: posts prepared bot messages through one bot's webhook, signing each
//! request (in the body) when the bot checks signatures.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use crate::bot_hook::{self, Response};
use crate::message::Message;
use crate::{DEFAULT_BASE_URL, Error, MAX_BODY_BYTES, ValidationError, errcode, sign};

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of an unexpected answer is quoted in the error.
const SNIPPET_BYTES: usize = 200;
/// What replaces the token or the secret wherever either could show up in text.
const REDACTED: &str = "[redacted]";

/// Configures a [`FeishuClient`].
#[must_use]
pub struct FeishuClientBuilder {
    hook_id: SecretString,
    secret: Option<SecretString>,
    base_url: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    clock: Clock,
}

impl FeishuClientBuilder {
    /// Signs every request with this secret (签名校验). Default: unsigned.
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Points the client at another server: Lark ([`crate::LARK_BASE_URL`]) or the emulator.
    /// Default [`DEFAULT_BASE_URL`] (Feishu).
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

    /// Retries of transient failures that cannot have been delivered (a bot post has no
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
    pub fn build(self) -> Result<FeishuClient, Error> {
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
            .map_err(|e| yizhan_core::transport::transport_error(Provider::Feishu, e, false))?;
        let inner = Inner {
            http,
            base_url: self.base_url,
            hook_id: self.hook_id,
            secret: self.secret,
            retry: self.retry,
            clock: self.clock,
        };
        Ok(FeishuClient { inner: Arc::new(inner) })
    }
}

/// A client of one Feishu or Lark custom bot. Cheap to clone; clones share the connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), yizhan_feishu::Error> {
/// use yizhan_feishu::{FeishuClient, Message};
///
/// let bot = FeishuClient::builder("yizhan-demo-feishu".to_owned().into())
///     .secret("yizhan-demo-feishu-secret".to_owned().into())
///     .base_url("http://127.0.0.1:9400") // the emulator; omit for Feishu, or LARK_BASE_URL
///     .build()?;
/// bot.send(&Message::text("deploy done")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FeishuClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    hook_id: SecretString,
    secret: Option<SecretString>,
    retry: RetryPolicy,
    clock: Clock,
}

impl std::fmt::Debug for FeishuClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeishuClient")
            .field("base_url", &self.inner.base_url)
            .field("hook_id", &REDACTED)
            .field("signed", &self.inner.secret.is_some())
            .finish()
    }
}

impl FeishuClient {
    /// A builder for the bot whose webhook URL ends in `/hook/<hook_id>`.
    pub fn builder(hook_id: SecretString) -> FeishuClientBuilder {
        FeishuClientBuilder {
            hook_id,
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

    /// Validates and serializes a message: the exact body [`FeishuClient::send`] posts.
    pub fn prepare(message: &Message) -> Result<Bytes, Error> {
        message.validate()?;
        let body = serde_json::to_vec(message)
            .map_err(|e| ValidationError::new("message", format_args!("cannot be serialized: {e}")))?;
        if body.len() > MAX_BODY_BYTES {
            let problem = format!("the body is {} bytes; Feishu takes at most {MAX_BODY_BYTES}", body.len());
            return Err(ValidationError::new(message.msg_type(), problem).into());
        }
        Ok(Bytes::from(body))
    }

    /// Validates and posts `message`.
    pub async fn send(&self, message: &Message) -> Result<(), Error> {
        self.send_prepared(Self::prepare(message)?).await
    }

    /// Posts a body from [`FeishuClient::prepare`] unchanged, signed afresh on every attempt,
    /// with the client's retry policy (none for the gateway's clients).
    pub async fn send_prepared(&self, body: Bytes) -> Result<(), Error> {
        self.inner.retry.run(bot_hook::PATH, false, || self.send_once(body.clone())).await
    }

    async fn send_once(&self, body: Bytes) -> Result<Result<(), Error>, SendError> {
        let inner = &self.inner;
        let body = match &inner.secret {
            Some(secret) => match signed(&body, secret.expose_secret(), inner.clock.now_ms().div_euclid(1000)) {
                Some(signed) => signed,
                None => {
                    let e = ValidationError::new("message", "the prepared body is not a JSON object");
                    return Ok(Err(e.into()));
                }
            },
            None => body,
        };
        let response = inner
            .http
            .post(format!("{}{}{}", inner.base_url, bot_hook::PATH, inner.hook_id.expose_secret()))
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| transport(e, true))?;
        let answer = self.read(response).await?;
        let code = match answer.result() {
            Some(0) => return Ok(Ok(())),
            Some(code) => code,
            None => {
                let message = format!("answer without code or StatusCode: {}", self.redact(answer.text()));
                return Err(
                    SendError::transport(Provider::Feishu, FailureKind::Transient, message).with_ambiguous(true)
                );
            }
        };
        let kind = errcode::classify(code).unwrap_or(FailureKind::Permanent);
        let message = self.redact(answer.text());
        let message =
            if message.is_empty() { errcode::describe(code).unwrap_or("unknown error").to_owned() } else { message };
        Err(SendError::provider(Provider::Feishu, kind, code, message))
    }

    /// Decodes an answer; anything but a JSON answer after HTTP 200 is a failure, ambiguous
    /// when Feishu may have posted the message.
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
            return Err(SendError::transport(Provider::Feishu, kind, format!("HTTP {status}: {snippet}"))
                .with_ambiguous(ambiguous));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            SendError::transport(Provider::Feishu, FailureKind::Transient, format!("undecodable answer: {e}"))
                .with_ambiguous(true)
        })
    }

    /// `text` with the token and the secret replaced.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let secrets = [Some(&self.inner.hook_id), self.inner.secret.as_ref()];
        for secret in secrets.into_iter().flatten().map(ExposeSecret::expose_secret) {
            if !secret.is_empty() {
                text = text.replace(secret, REDACTED);
            }
        }
        text
    }
}

/// `body` (a JSON object) with the top-level `timestamp` (a string, as in Feishu's example) and
/// `sign` of `timestamp_secs`; `None` when `body` is not an object.
fn signed(body: &[u8], secret: &str, timestamp_secs: i64) -> Option<Bytes> {
    let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    object.insert("timestamp".to_owned(), timestamp_secs.to_string().into());
    object.insert("sign".to_owned(), sign::sign(secret, timestamp_secs).into());
    serde_json::to_vec(&object).ok().map(Bytes::from)
}

/// A transport failure, classified once for every provider.
fn transport(error: reqwest::Error, may_have_effect: bool) -> SendError {
    yizhan_core::transport::transport_error(Provider::Feishu, error, may_have_effect)
}
