//! [`RobotClient`]: posts [`RobotMessage`]s through one group robot's webhook, keeping the
//! robot's 20-messages-per-minute budget in view.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::{Clock, FailureKind, Provider, RetryPolicy, SendError};

use super::limiter::{Refused, SendWindow};
use super::limits;
use super::message::RobotMessage;
use crate::api::{Envelope, webhook_send};
use crate::client::{DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT};
use crate::errcode;
use crate::error::Error;
use crate::transport::{self, Timeouts, provider_error, read_envelope, transport_error};

/// The errcode of "api freq out of limit".
const RATE_LIMITED: i64 = 45009;
/// What replaces the key wherever it could show up in text.
const REDACTED: &str = "[redacted]";

/// Configures a [`RobotClient`].
#[must_use]
pub struct RobotClientBuilder {
    key: SecretString,
    base_url: String,
    timeouts: Timeouts,
    retry: RetryPolicy,
    clock: Clock,
    http: Option<reqwest::Client>,
    local_limit: Option<u32>,
    proxy: Option<reqwest::Proxy>,
}

impl RobotClientBuilder {
    /// Points the client at another server (the emulator). Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// TCP connect timeout. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.connect = timeout;
        self
    }

    /// Timeout for each read of the response. Default 15 s.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.read = timeout;
        self
    }

    /// Limit on a whole call. Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.total = timeout;
        self
    }

    /// Retries for failures the error table calls transient (-1, 45033, connection failures)
    /// when the message cannot have been delivered. Webhook sends carry no dedupe identity, so
    /// an ambiguous failure is never resent. Default: [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock that stamps sends for the rate-limit window. Default the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Pre-emptive limiting: refuse locally, without a request, once `limit` messages were sent
    /// in the last minute. Default `Some(20)` (WeCom's limit); `None` sends anyway and relies on
    /// WeCom's 45009, which still blocks the robot for the rest of the window.
    pub fn local_rate_limit(mut self, limit: Option<u32>) -> Self {
        self.local_limit = limit;
        self
    }

    /// Shares an existing connection pool instead of building one.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sends every call through `proxy` (see [`yizhan_core::egress::proxy`]). Ignored when
    /// [`http_client`](Self::http_client) gives the pool.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<RobotClient, Error> {
        transport::check_base_url(&self.base_url)?;
        let http = match self.http {
            Some(client) => client,
            None => transport::http_client(self.timeouts, self.proxy)?,
        };
        Ok(RobotClient {
            inner: Arc::new(Inner {
                http,
                base_url: self.base_url,
                key: self.key,
                retry: self.retry,
                clock: self.clock,
                window: Mutex::new(SendWindow::new(self.local_limit, limits::RATE_WINDOW)),
            }),
        })
    }
}

/// A group robot (群机器人 / 消息推送) client for one webhook key. Cheap to clone; clones share the
/// connection pool and the rate-limit record. Two clients built for the same key do not share
/// the record: build one per robot.
///
/// ```no_run
/// # async fn demo() -> Result<(), yizhan_wecom::Error> {
/// use yizhan_wecom::robot::{RobotClient, RobotMessage, RobotText};
///
/// let robot = RobotClient::builder("yizhan-demo-robot-key".to_owned().into())
///     .base_url("http://127.0.0.1:9400") // the emulator; omit for the real WeCom
///     .build()?;
/// robot.send(&RobotText::new("deploy done").mention(["alice"]).into()).await?;
/// robot.send(&RobotMessage::markdown("**db-3** disk <font color=\"warning\">98%</font>")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RobotClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    key: SecretString,
    retry: RetryPolicy,
    clock: Clock,
    window: Mutex<SendWindow>,
}

impl std::fmt::Debug for RobotClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RobotClient").field("base_url", &self.inner.base_url).field("key", &REDACTED).finish()
    }
}

impl RobotClient {
    /// A client for the robot with webhook `key` (the `key=` of its webhook URL), with the
    /// defaults: the real WeCom, 5/15/30 s timeouts, pre-emptive limiting at 20 per minute.
    pub fn new(key: SecretString) -> Result<RobotClient, Error> {
        Self::builder(key).build()
    }

    /// A builder for the robot with webhook `key`.
    pub fn builder(key: SecretString) -> RobotClientBuilder {
        RobotClientBuilder {
            key,
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeouts: Timeouts { connect: DEFAULT_CONNECT_TIMEOUT, read: DEFAULT_READ_TIMEOUT, total: DEFAULT_TIMEOUT },
            retry: RetryPolicy::default(),
            clock: Clock::System,
            http: None,
            local_limit: Some(limits::MESSAGES_PER_WINDOW),
            proxy: None,
        }
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Messages this client sent (or tried to) in the last minute, by its own record.
    pub fn sent_in_window(&self) -> usize {
        let now = self.inner.clock.now_ms();
        self.window().in_window(now)
    }

    /// Validates and serializes a message: the exact body [`RobotClient::send`] posts.
    pub fn prepare(message: &RobotMessage) -> Result<Bytes, Error> {
        message.validate()?;
        let body = serde_json::to_vec(message).map_err(|e| {
            SendError::transport(Provider::Wecom, FailureKind::Permanent, format!("cannot serialize message: {e}"))
        })?;
        Ok(Bytes::from(body))
    }

    /// Validates and posts `message` to the robot's group.
    ///
    /// Errors: [`Error::Invalid`] before sending; `RateLimited { retry_after }` when the local
    /// limit is reached (no request) or WeCom answers 45009 (`retry_after` = the rest of the
    /// minute by this client's record); 93000/93004/93008 and other refusals are `Permanent`.
    pub async fn send(&self, message: &RobotMessage) -> Result<(), Error> {
        self.send_prepared(Self::prepare(message)?).await
    }

    /// Posts a body from [`RobotClient::prepare`] unchanged, with the client's retry policy on
    /// transient failures (none for the gateway's clients). A robot post has no dedupe identity,
    /// so an ambiguous failure is never resent.
    pub async fn send_prepared(&self, body: Bytes) -> Result<(), Error> {
        self.inner.retry.run(webhook_send::PATH, false, || self.send_once(body.clone())).await
    }

    /// One attempt of [`send_prepared`](Self::send_prepared), counted against the local limit.
    async fn send_once(&self, body: Bytes) -> Result<Result<(), Error>, SendError> {
        let stamped = self.inner.clock.now_ms();
        if let Err(refused) = self.window().acquire(stamped) {
            return Ok(Err(local_limit_error(refused).into()));
        }
        let failure = match self.post_once(body).await {
            Ok(env) if env.errcode == 0 => return Ok(Ok(())),
            Ok(env) if env.errcode == RATE_LIMITED => {
                let wait = {
                    let mut window = self.window();
                    window.release(stamped);
                    window.rate_limited(self.inner.clock.now_ms())
                };
                let kind = FailureKind::RateLimited { retry_after: Some(wait) };
                let message = self.redact(&env.errmsg);
                return Ok(Err(SendError::provider(Provider::Wecom, kind, RATE_LIMITED, message).into()));
            }
            Ok(env) => provider_error(env.errcode, &self.redact(&env.errmsg), errcode::classify_webhook),
            Err(e) => {
                if never_reached_server(&e) {
                    self.window().release(stamped);
                }
                e
            }
        };
        Err(failure)
    }

    async fn post_once(&self, body: Bytes) -> Result<Envelope<webhook_send::Response>, SendError> {
        let response = self
            .inner
            .http
            .post(format!("{}{}", self.inner.base_url, webhook_send::PATH))
            .query(&[("key", self.inner.key.expose_secret())])
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(e, true))?;
        read_envelope(response, true).await
    }

    /// The URL of `path` and the query with the key, for the upload module.
    pub(super) fn request(&self, path: &str) -> reqwest::RequestBuilder {
        self.inner.http.post(format!("{}{path}", self.inner.base_url)).query(&[("key", self.inner.key.expose_secret())])
    }

    pub(super) fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// `text` with every occurrence of the key replaced, for provider texts that end up in errors.
    pub(super) fn redact(&self, text: &str) -> String {
        let key = self.inner.key.expose_secret();
        if key.is_empty() { text.to_owned() } else { text.replace(key, REDACTED) }
    }

    fn window(&self) -> MutexGuard<'_, SendWindow> {
        self.inner.window.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The local record refused a send: nothing was sent.
fn local_limit_error(refused: Refused) -> SendError {
    let wait = refused.wait();
    let why = match refused {
        Refused::Blocked(_) => "group robot blocked after WeCom answered 45009 (api freq out of limit)",
        Refused::Full(_) => "group robot limit of messages per minute reached",
    };
    SendError::transport(
        Provider::Wecom,
        FailureKind::RateLimited { retry_after: Some(wait) },
        format!("{why}; not sent (client-side), next slot in {:.1} s", wait.as_secs_f64()),
    )
}

/// True when the failure was a connection that never opened: WeCom saw nothing.
fn never_reached_server(error: &SendError) -> bool {
    error.code.is_none()
        && error
            .source
            .as_deref()
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .is_some_and(reqwest::Error::is_connect)
}
