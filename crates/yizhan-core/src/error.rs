//! Failure classification shared by every provider.

use std::fmt;
use std::time::Duration;

/// The provider a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// WeCom (企业微信) server API: application messages, appchat, robots.
    Wecom,
    /// Getui (个推) REST v2.
    Getui,
    /// DingTalk (钉钉) custom group robots.
    Dingtalk,
    /// Feishu (飞书) and Lark custom group bots.
    Feishu,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Provider::Wecom => "wecom",
            Provider::Getui => "getui",
            Provider::Dingtalk => "dingtalk",
            Provider::Feishu => "feishu",
        })
    }
}

/// What a failed delivery means for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Will never succeed as sent: bad recipient, invalid payload, wrong credentials, app
    /// disabled. Dead-letter now.
    Permanent,
    /// Might succeed later: timeout, 5xx, "system busy". Back off; counts as an attempt.
    Transient,
    /// Credentials went stale even after one refresh. Refresh, then retry soon.
    TokenExpired,
    /// The provider asked us to slow down. Reschedule at `retry_after` when known; this is not a
    /// failed attempt.
    RateLimited {
        /// How long to wait before the next call, when the provider's rules tell us.
        retry_after: Option<Duration>,
    },
}

impl FailureKind {
    /// True when trying again later can succeed.
    pub fn is_retryable(self) -> bool {
        !matches!(self, FailureKind::Permanent)
    }

    /// True for [`FailureKind::Permanent`].
    pub fn is_permanent(self) -> bool {
        matches!(self, FailureKind::Permanent)
    }

    /// A stable lower-case name, for logs, metrics and the HTTP API.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Permanent => "permanent",
            FailureKind::Transient => "transient",
            FailureKind::TokenExpired => "token_expired",
            FailureKind::RateLimited { .. } => "rate_limited",
        }
    }
}

/// A classified delivery failure.
///
/// The message is the provider's `errmsg` or a description of a transport failure. Callers must
/// never put a secret into it: provider clients redact URLs (no `access_token`, no `corpsecret`)
/// before building one.
#[derive(Debug, thiserror::Error)]
#[error("{provider} {}: {message}{}", kind.as_str(), code.map(|c| format!(" (errcode {c})")).unwrap_or_default())]
pub struct SendError {
    /// Which provider failed.
    pub provider: Provider,
    /// What the failure means for the next attempt.
    pub kind: FailureKind,
    /// The provider's error code, verbatim, when there was one.
    pub code: Option<i64>,
    /// The provider's error message or a transport description. Contains no secret.
    pub message: String,
    /// True when the request may have reached the provider although no answer was read (a read
    /// timeout or a reset after the body was written). Such a request may only be resent with the
    /// same dedupe identity.
    pub ambiguous: bool,
    /// The underlying cause, when there was one (already stripped of secrets).
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SendError {
    /// A failure reported by the provider with an error code.
    pub fn provider(provider: Provider, kind: FailureKind, code: i64, message: impl Into<String>) -> Self {
        SendError { provider, kind, code: Some(code), message: message.into(), ambiguous: false, source: None }
    }

    /// A failure with no provider code (transport, decoding, HTTP status).
    pub fn transport(provider: Provider, kind: FailureKind, message: impl Into<String>) -> Self {
        SendError { provider, kind, code: None, message: message.into(), ambiguous: false, source: None }
    }

    /// Marks the failure as ambiguous: the request may have been processed.
    pub fn with_ambiguous(mut self, ambiguous: bool) -> Self {
        self.ambiguous = ambiguous;
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_provider_kind_and_code() {
        let e = SendError::provider(Provider::Wecom, FailureKind::Transient, -1, "system busy");
        assert_eq!(e.to_string(), "wecom transient: system busy (errcode -1)");
        let e = SendError::transport(Provider::Getui, FailureKind::Permanent, "HTTP 404");
        assert_eq!(e.to_string(), "getui permanent: HTTP 404");
    }

    #[test]
    fn only_permanent_is_not_retryable() {
        assert!(!FailureKind::Permanent.is_retryable());
        assert!(FailureKind::Transient.is_retryable());
        assert!(FailureKind::TokenExpired.is_retryable());
        assert!(FailureKind::RateLimited { retry_after: None }.is_retryable());
    }
}
