//! HTTP plumbing shared by [`WecomClient`](crate::WecomClient) and
//! [`RobotClient`](crate::robot::RobotClient): the pooled reqwest client, response decoding and
//! the classification of transport failures. Nothing here ever sees a secret in clear text: URLs
//! are stripped from reqwest errors before they are kept.

use std::time::Duration;

use serde::de::DeserializeOwned;
use yizhan_core::{FailureKind, Provider, SendError};

use crate::api::Envelope;
use crate::errcode;

/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of a non-2xx body is quoted in the error.
const SNIPPET_BYTES: usize = 200;

/// Timeouts of a pooled client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// TCP connect timeout.
    pub(crate) connect: Duration,
    /// Timeout of each read of the response.
    pub(crate) read: Duration,
    /// Limit on a whole call.
    pub(crate) total: Duration,
}

/// The proxy the client's calls go through (docs: yizhan_core::egress); `None`: direct, or
/// what `HTTPS_PROXY`/`ALL_PROXY` name.
pub(crate) type Egress = Option<reqwest::Proxy>;

/// A pooled HTTPS client with `TCP_NODELAY`, the given timeouts and the yizhan user agent.
pub(crate) fn http_client(timeouts: Timeouts, egress: Egress) -> Result<reqwest::Client, SendError> {
    let mut builder = reqwest::Client::builder();
    if let Some(proxy) = egress {
        builder = builder.proxy(proxy);
    }
    builder
        .tcp_nodelay(true)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .timeout(timeouts.total)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .user_agent(concat!("yizhan/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| transport_error(e, false))
}

/// Reads and decodes a response. `may_have_effect` marks failures after the request was
/// written as ambiguous (only for non-idempotent calls).
pub(crate) async fn read_envelope<R: DeserializeOwned + Default>(
    response: reqwest::Response,
    may_have_effect: bool,
) -> Result<Envelope<R>, SendError> {
    let status = response.status();
    let bytes = response.bytes().await.map_err(|e| transport_error(e, may_have_effect))?;
    if !status.is_success() {
        let (kind, ambiguous) = match status.as_u16() {
            429 => (FailureKind::RateLimited { retry_after: None }, false),
            408 => (FailureKind::Transient, false),
            s if s >= 500 => (FailureKind::Transient, may_have_effect),
            _ => (FailureKind::Permanent, false),
        };
        let snippet = String::from_utf8_lossy(&bytes[..bytes.len().min(SNIPPET_BYTES)]).into_owned();
        return Err(
            SendError::transport(Provider::Wecom, kind, format!("HTTP {status}: {snippet}")).with_ambiguous(ambiguous)
        );
    }
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        SendError::transport(Provider::Wecom, FailureKind::Transient, format!("undecodable response: {e}"))
            .with_ambiguous(may_have_effect)
    })
}

/// A classified provider error from an errcode and errmsg. An empty errmsg is replaced by the
/// meaning of the code from [`errcode::describe`].
pub(crate) fn provider_error(code: i64, errmsg: &str, classify: fn(i64) -> Option<FailureKind>) -> SendError {
    let kind = classify(code).unwrap_or(FailureKind::Permanent);
    let message = if errmsg.is_empty() {
        errcode::describe(code).unwrap_or("unknown error").to_owned()
    } else {
        errmsg.to_owned()
    };
    SendError::provider(Provider::Wecom, kind, code, message)
}

/// A transport error of a call, classified once for every provider (see
/// [`yizhan_core::transport::transport_error`]).
pub(crate) fn transport_error(error: reqwest::Error, may_have_effect: bool) -> SendError {
    yizhan_core::transport::transport_error(Provider::Wecom, error, may_have_effect)
}

/// Checks a client's `base_url`: an absolute `http://` or `https://` URL with a host. Anything
/// else would fail every request (and a URL without a scheme used to look transient).
pub(crate) fn check_base_url(url: &str) -> Result<(), crate::validate::ValidationError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(crate::validate::ValidationError::new(
            "base_url",
            format!("{url:?} is not an http:// or https:// URL with a host (write the scheme, e.g. http://{url})"),
        )),
    }
}

#[cfg(test)]
mod builder_tests {
    use super::*;

    #[test]
    fn a_request_that_cannot_be_built_is_permanent_and_not_ambiguous() {
        let error = reqwest::Client::new().get("127.0.0.1:9400/cgi-bin/gettoken").build().expect_err("no scheme");
        let failure = transport_error(error, true);
        assert_eq!((failure.kind, failure.ambiguous), (FailureKind::Permanent, false));
        assert!(check_base_url("127.0.0.1:9400").is_err());
        assert!(check_base_url("http://127.0.0.1:9400").is_ok());
    }
}
