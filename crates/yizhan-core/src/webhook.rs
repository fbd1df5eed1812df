//! What the clients of webhook group bots (DingTalk robots, Feishu/Lark bots) share: their
//! settings ([`WebhookSettings`]: server, timeouts, retries, clock), the pooled HTTP client that
//! posts a JSON body and reads the answer ([`Webhook`]), their error type ([`BotError`]) and
//! the redaction of their credentials from provider texts ([`redact`]).
//!
//! A bot's credential is part of its URL (a token or a hook id) and its signing secret is
//! never sent; neither is kept in the error of a failed call: reqwest errors lose their URL
//! ([`crate::transport::transport_error`]) and provider texts pass through [`redact`].

use std::time::Duration;

use bytes::Bytes;

use crate::validate::ValidationError;
use crate::{Clock, FailureKind, Provider, RetryPolicy, SendError};

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of an unexpected answer is quoted in the error.
const SNIPPET_BYTES: usize = 200;
/// What replaces a credential wherever it could show up in text.
pub const REDACTED: &str = "[redacted]";

/// The settings of a webhook client; every field has a default.
#[derive(Debug, Clone)]
#[must_use]
pub struct WebhookSettings {
    /// The server, without a trailing `/`.
    pub base_url: String,
    /// TCP connect timeout. Default 5 s.
    pub connect_timeout: Duration,
    /// Timeout of each read of the answer. Default 15 s.
    pub read_timeout: Duration,
    /// Limit on a whole call. Default 30 s.
    pub timeout: Duration,
    /// Retries of transient failures that cannot have been delivered (a webhook post has no
    /// dedupe, so an ambiguous failure is never resent). Default [`RetryPolicy::default`].
    pub retry: RetryPolicy,
    /// The clock that stamps signatures. Default the system clock.
    pub clock: Clock,
    /// The proxy every call goes through ([`crate::egress::proxy`]). Default none: direct, or
    /// what `HTTPS_PROXY`/`ALL_PROXY` name.
    pub proxy: Option<reqwest::Proxy>,
}

impl WebhookSettings {
    /// The defaults for the server at `base_url`.
    pub fn new(base_url: &str) -> WebhookSettings {
        WebhookSettings {
            base_url: base_url.trim_end_matches('/').to_owned(),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            clock: Clock::System,
            proxy: None,
        }
    }

    /// Another server (the emulator; Lark instead of Feishu).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// The limit on a whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The client-side retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock that stamps signatures.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The pooled client of `provider` with these settings; refuses a `base_url` that is not
    /// an absolute `http://` or `https://` URL with a host.
    pub fn connect(self, provider: Provider) -> Result<Webhook, BotError> {
        match reqwest::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                let problem = format!("{:?} is not an http:// or https:// URL with a host", self.base_url);
                return Err(ValidationError::new("base_url", problem).into());
            }
        }
        let http = self
            .proxy
            .iter()
            .cloned()
            .fold(reqwest::Client::builder(), reqwest::ClientBuilder::proxy)
            .tcp_nodelay(true)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .timeout(self.timeout)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .user_agent(concat!("yizhan/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::transport::transport_error(provider, e, false))?;
        Ok(Webhook { provider, http, settings: self })
    }
}

/// A pooled HTTP client of one provider's webhooks.
#[derive(Debug, Clone)]
pub struct Webhook {
    provider: Provider,
    http: reqwest::Client,
    settings: WebhookSettings,
}

impl Webhook {
    /// The settings it was built with.
    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    /// POSTs the JSON `body` to `base_url + path` with `query`, and returns the answer's body
    /// after HTTP 2xx. Failures are classified: 429 rate limited, 408 transient, 5xx transient
    /// and ambiguous, other statuses permanent; a transport failure after the request was
    /// written is ambiguous. `redact` cleans the quoted answer of credentials.
    pub async fn post_json(
        &self,
        path: &str,
        query: &[(&str, String)],
        body: Bytes,
        redact: &(dyn Fn(&str) -> String + Sync),
    ) -> Result<Bytes, SendError> {
        let provider = self.provider;
        let transport = |e| crate::transport::transport_error(provider, e, true);
        let response = self
            .http
            .post(format!("{}{path}", self.settings.base_url))
            .query(query)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return Ok(bytes);
        }
        let (kind, ambiguous) = match status.as_u16() {
            429 => (FailureKind::RateLimited { retry_after: None }, false),
            408 => (FailureKind::Transient, false),
            s if s >= 500 => (FailureKind::Transient, true),
            _ => (FailureKind::Permanent, false),
        };
        let snippet = redact(&String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET_BYTES)]));
        Err(SendError::transport(provider, kind, format!("HTTP {status}: {snippet}")).with_ambiguous(ambiguous))
    }

    /// An answer that is not what the provider sends: transient, and ambiguous since the
    /// provider may have posted the message.
    pub fn undecodable(&self, what: impl std::fmt::Display) -> SendError {
        SendError::transport(self.provider, FailureKind::Transient, format!("undecodable answer: {what}"))
            .with_ambiguous(true)
    }
}

/// Why a webhook bot call failed. No variant ever holds a token, a hook id or a secret.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// The request was refused before sending; it names the field and the limit.
    #[error("invalid request: {0}")]
    Invalid(#[from] ValidationError),
    /// A classified provider or transport failure.
    #[error(transparent)]
    Send(#[from] SendError),
}

impl BotError {
    /// What the failure means for the next attempt.
    pub fn kind(&self) -> FailureKind {
        match self {
            BotError::Invalid(_) => FailureKind::Permanent,
            BotError::Send(e) => e.kind,
        }
    }

    /// The provider's code, when there was one.
    pub fn code(&self) -> Option<i64> {
        match self {
            BotError::Invalid(_) => None,
            BotError::Send(e) => e.code,
        }
    }

    /// The provider's message or the transport description; `None` for a refusal before sending.
    pub fn provider_message(&self) -> Option<&str> {
        match self {
            BotError::Invalid(_) => None,
            BotError::Send(e) => Some(&e.message),
        }
    }

    /// True when the request may have been processed although no answer was read.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, BotError::Send(e) if e.ambiguous)
    }
}

/// `text` with every non-empty one of `secrets` replaced by [`REDACTED`].
pub fn redact(text: &str, secrets: &[&str]) -> String {
    secrets.iter().filter(|s| !s.is_empty()).fold(text.to_owned(), |text, secret| text.replace(secret, REDACTED))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_every_secret_and_a_bad_base_url_is_refused() {
        assert_eq!(redact("a tok-1 b sec-2 tok-1", &["tok-1", "", "sec-2"]), "a [redacted] b [redacted] [redacted]");
        let e = WebhookSettings::new("127.0.0.1:9400").connect(Provider::Dingtalk).expect_err("no scheme");
        assert!(matches!(e, BotError::Invalid(ref v) if v.field == "base_url"), "{e}");
        assert_eq!(WebhookSettings::new("http://h/").base_url, "http://h");
    }
}
