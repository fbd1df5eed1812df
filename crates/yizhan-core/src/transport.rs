//! How a failed HTTP exchange (no provider answer) becomes a [`SendError`], the same for
//! every provider client.

use crate::{FailureKind, Provider, SendError};

/// Classifies a transport error of a call to `provider`. The URL (which may hold a token, a
/// secret or a webhook key) is removed first. A request that could not be built never left
/// (permanent, never ambiguous); a failure to connect never reached the server; anything later
/// may have acted when `may_have_effect` says the call is not idempotent (ambiguous).
pub fn transport_error(provider: Provider, error: reqwest::Error, may_have_effect: bool) -> SendError {
    let error = error.without_url();
    let built = !error.is_builder();
    let ambiguous = built && may_have_effect && !error.is_connect();
    let mut message = describe(&error);
    if ambiguous {
        message.push_str(" (the request may have been processed)");
    }
    let kind = if built { FailureKind::Transient } else { FailureKind::Permanent };
    SendError::transport(provider, kind, message).with_ambiguous(ambiguous).with_source(error)
}

/// `error` and its causes, joined with `: ` (strip the URL first: see
/// `reqwest::Error::without_url`).
pub fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_is_transient_and_never_ambiguous() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        let error =
            reqwest::Client::new().post(format!("http://{addr}/x?key=secret")).send().await.expect_err("refused");
        let e = transport_error(Provider::Wecom, error, true);
        assert_eq!((e.kind, e.ambiguous), (FailureKind::Transient, false));
        assert!(!e.message.contains("secret"), "the URL is removed: {}", e.message);
    }

    #[tokio::test]
    async fn an_unbuildable_request_is_permanent() {
        let error = reqwest::Client::new().get("no-scheme/x").send().await.expect_err("not built");
        let e = transport_error(Provider::Getui, error, true);
        assert_eq!((e.kind, e.ambiguous), (FailureKind::Permanent, false));
    }
}
