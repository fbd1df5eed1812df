//! [`FeishuClient`]: posts prepared bot messages through one bot's webhook, signing each
//! request (in the body) when the bot checks signatures.

use std::sync::Arc;

use bytes::Bytes;
use secrecy::{ExposeSecret, SecretString};
use yizhan_core::webhook::{REDACTED, Webhook, WebhookSettings, redact};
use yizhan_core::{FailureKind, Provider, SendError};

use crate::bot_hook::{self, Response};
use crate::message::Message;
use crate::{DEFAULT_BASE_URL, Error, MAX_BODY_BYTES, ValidationError, errcode, sign};

/// Configures a [`FeishuClient`].
#[must_use]
pub struct FeishuClientBuilder {
    hook_id: SecretString,
    secret: Option<SecretString>,
    settings: WebhookSettings,
}

impl FeishuClientBuilder {
    /// Signs every request with this secret (签名校验). Default: unsigned.
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Changes the settings: server (default [`DEFAULT_BASE_URL`], Feishu; Lark is
    /// [`crate::LARK_BASE_URL`]), timeouts, retries, clock.
    pub fn settings(mut self, change: impl FnOnce(WebhookSettings) -> WebhookSettings) -> Self {
        self.settings = change(self.settings);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<FeishuClient, Error> {
        let webhook = self.settings.connect(Provider::Feishu)?;
        let path = format!("{}{}", bot_hook::PATH, self.hook_id.expose_secret());
        let inner = Inner { webhook, path: path.into(), hook_id: self.hook_id, secret: self.secret };
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
///     .settings(|s| s.base_url("http://127.0.0.1:9400")) // the emulator; omit for Feishu, or LARK_BASE_URL
///     .build()?;
/// bot.send(&Message::text("deploy done")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FeishuClient {
    inner: Arc<Inner>,
}

struct Inner {
    webhook: Webhook,
    /// The hook's path, which holds the hook id: a secret.
    path: SecretString,
    hook_id: SecretString,
    secret: Option<SecretString>,
}

impl std::fmt::Debug for FeishuClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeishuClient")
            .field("base_url", &self.base_url())
            .field("hook_id", &REDACTED)
            .field("signed", &self.inner.secret.is_some())
            .finish()
    }
}

impl FeishuClient {
    /// A builder for the bot whose webhook URL ends in `/hook/<hook_id>`.
    pub fn builder(hook_id: SecretString) -> FeishuClientBuilder {
        FeishuClientBuilder { hook_id, secret: None, settings: WebhookSettings::new(DEFAULT_BASE_URL) }
    }

    /// The server this client talks to.
    pub fn base_url(&self) -> &str {
        &self.inner.webhook.settings().base_url
    }

    /// Whether requests are signed.
    pub fn is_signed(&self) -> bool {
        self.inner.secret.is_some()
    }

    /// Validates and serializes a message: the exact body [`FeishuClient::send`] posts (before
    /// its signature).
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

    /// Posts a body from [`FeishuClient::prepare`], signed afresh on every attempt, with the
    /// client's retry policy (none for the gateway's clients).
    pub async fn send_prepared(&self, body: Bytes) -> Result<(), Error> {
        let retry = self.inner.webhook.settings().retry;
        retry.run(bot_hook::PATH, false, || self.send_once(body.clone())).await
    }

    async fn send_once(&self, body: Bytes) -> Result<Result<(), Error>, SendError> {
        let inner = &self.inner;
        let body = match &inner.secret {
            Some(secret) => {
                let now = inner.webhook.settings().clock.now_ms().div_euclid(1000);
                match signed(&body, secret.expose_secret(), now) {
                    Some(signed) => signed,
                    None => return Ok(Err(ValidationError::new("message", "is not a JSON object").into())),
                }
            }
            None => body,
        };
        let redact = |text: &str| self.redact(text);
        let bytes = inner.webhook.post_json(inner.path.expose_secret(), &[], body, &redact).await?;
        let answer: Response = serde_json::from_slice(&bytes).map_err(|e| inner.webhook.undecodable(e))?;
        let code = match answer.result() {
            Some(0) => return Ok(Ok(())),
            Some(code) => code,
            None => return Err(inner.webhook.undecodable(format!("no code: {}", self.redact(answer.text())))),
        };
        let kind = errcode::classify(code).unwrap_or(FailureKind::Permanent);
        let message = match self.redact(answer.text()) {
            m if m.is_empty() => errcode::describe(code).unwrap_or("unknown error").to_owned(),
            m => m,
        };
        Err(SendError::provider(Provider::Feishu, kind, code, message))
    }

    /// `text` with the hook id and the secret replaced.
    fn redact(&self, text: &str) -> String {
        let secret = self.inner.secret.as_ref().map_or("", |s| s.expose_secret());
        redact(text, &[self.inner.hook_id.expose_secret(), secret])
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
