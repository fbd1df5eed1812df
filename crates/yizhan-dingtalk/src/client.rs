//! [`DingtalkClient`]: posts prepared robot messages through one robot's webhook, signing each
//! request when the robot has a 加签 secret.

use std::sync::Arc;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::webhook::{REDACTED, Webhook, WebhookSettings, redact};
use yizhan_core::{FailureKind, Provider, SendError};

use crate::message::Message;
use crate::robot_send::{self, Response};
use crate::{DEFAULT_BASE_URL, Error, MAX_BODY_BYTES, ValidationError, errcode, sign};

/// Configures a [`DingtalkClient`].
#[must_use]
pub struct DingtalkClientBuilder {
    access_token: SecretString,
    secret: Option<SecretString>,
    settings: WebhookSettings,
}

impl DingtalkClientBuilder {
    /// Signs every request with this 加签 secret (`SEC…`). Default: unsigned (keyword or IP
    /// mode).
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Changes the settings: server (default [`DEFAULT_BASE_URL`]), timeouts, retries, clock.
    pub fn settings(mut self, change: impl FnOnce(WebhookSettings) -> WebhookSettings) -> Self {
        self.settings = change(self.settings);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<DingtalkClient, Error> {
        let webhook = self.settings.connect(Provider::Dingtalk)?;
        let inner = Inner { webhook, access_token: self.access_token, secret: self.secret };
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
///     .settings(|s| s.base_url("http://127.0.0.1:9400")) // the emulator; omit for the real DingTalk
///     .build()?;
/// robot.send(&Message::markdown("deploy", "### deploy done")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DingtalkClient {
    inner: Arc<Inner>,
}

struct Inner {
    webhook: Webhook,
    access_token: SecretString,
    secret: Option<SecretString>,
}

impl std::fmt::Debug for DingtalkClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DingtalkClient")
            .field("base_url", &self.base_url())
            .field("access_token", &REDACTED)
            .field("signed", &self.inner.secret.is_some())
            .finish()
    }
}

impl DingtalkClient {
    /// A builder for the robot whose webhook URL holds `access_token`.
    pub fn builder(access_token: SecretString) -> DingtalkClientBuilder {
        DingtalkClientBuilder { access_token, secret: None, settings: WebhookSettings::new(DEFAULT_BASE_URL) }
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.webhook.settings().base_url
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
        let retry = self.inner.webhook.settings().retry;
        retry.run(robot_send::PATH, false, || self.send_once(body.clone())).await
    }

    async fn send_once(&self, body: Bytes) -> Result<Result<(), Error>, SendError> {
        let inner = &self.inner;
        let mut query = vec![("access_token", inner.access_token.expose_secret().to_owned())];
        if let Some(secret) = &inner.secret {
            let now = inner.webhook.settings().clock.now_ms();
            query.push(("timestamp", now.to_string()));
            // The raw Base64: the query builder encodes it once.
            query.push(("sign", sign::sign(secret.expose_secret(), now)));
        }
        let redact = |text: &str| self.redact(text);
        let bytes = inner.webhook.post_json(robot_send::PATH, &query, body, &redact).await?;
        let answer: Response = serde_json::from_slice(&bytes).map_err(|e| inner.webhook.undecodable(e))?;
        if answer.errcode == 0 {
            return Ok(Ok(()));
        }
        let kind = errcode::classify(answer.errcode, &answer.errmsg).unwrap_or(FailureKind::Permanent);
        let message = match self.redact(&answer.errmsg) {
            m if m.is_empty() => errcode::describe(answer.errcode).unwrap_or("unknown error").to_owned(),
            m => m,
        };
        Err(SendError::provider(Provider::Dingtalk, kind, answer.errcode, message))
    }

    /// `text` with the token and the secret replaced.
    fn redact(&self, text: &str) -> String {
        let secret = self.inner.secret.as_ref().map_or("", |s| s.expose_secret());
        redact(text, &[self.inner.access_token.expose_secret(), secret])
    }
}
