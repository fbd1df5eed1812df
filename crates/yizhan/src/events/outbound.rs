//! The HTTP side of webhook deliveries: one POST, guarded and bounded (docs/events.md,
//! "Webhooks"). Two pooled clients: one whose DNS resolver refuses every address the media
//! download guard refuses (private, loopback, link-local, …; [`yizhan_wecom::media::address`]),
//! for subscriptions without `allow_private_urls`, and one without that check. A URL whose host
//! is an address literal is checked before the request. Neither client follows a redirect (a
//! 3xx is a failed attempt, as the Standard Webhooks specification asks) or uses a proxy; a
//! call is limited to [`TIMEOUT`] and at most [`MAX_ANSWER`] bytes of the answer are read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::subscription::{private_refusal, refused_address};

/// Limit on one delivery attempt, connection included (the specification recommends 15–30 s).
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// Limit on connecting.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of a receiver's answer that are read (the rest is dropped unread).
pub const MAX_ANSWER: usize = 64 * 1024;

/// One signed POST to make.
#[derive(Debug)]
pub struct Post<'a> {
    /// Where.
    pub url: &'a str,
    /// The exact body.
    pub body: &'a [u8],
    /// `(name, value)` headers besides `content-type`.
    pub headers: &'a [(&'static str, String)],
    /// Whether the URL may reach a private address.
    pub allow_private: bool,
}

/// What an attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<u64>,
    /// What went wrong (a non-2xx status, a refused address, a transport error), if anything.
    pub error: Option<String>,
    /// How long the attempt took.
    pub elapsed: Duration,
}

/// The two delivery clients. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbound {
    guarded: reqwest::Client,
    open: reqwest::Client,
}

impl Outbound {
    /// Builds both clients.
    pub fn new() -> Result<Outbound, String> {
        let build = |guard: bool| {
            let mut b = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .connect_timeout(CONNECT_TIMEOUT)
                .timeout(TIMEOUT)
                .user_agent(concat!("yizhan-webhooks/", env!("CARGO_PKG_VERSION")));
            if guard {
                b = b.dns_resolver(PublicOnly);
            }
            b.build().map_err(|e| format!("cannot build the webhook client: {e}"))
        };
        Ok(Outbound { guarded: build(true)?, open: build(false)? })
    }

    /// Makes one POST; never fails, the answer says what happened.
    pub async fn post(&self, post: Post<'_>) -> Answer {
        let started = Instant::now();
        let failed =
            |error: String| Answer { status: None, retry_after: None, error: Some(error), elapsed: started.elapsed() };
        let url = match super::subscription::check_url(post.url) {
            Ok(url) => url,
            Err(e) => return failed(format!("the webhook URL {e}")),
        };
        if !post.allow_private
            && matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)))
            && let Some(ip) = refused_address(&url).await
        {
            return failed(private_refusal(ip));
        }
        let client = if post.allow_private { &self.open } else { &self.guarded };
        let mut request = client.post(url).header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in post.headers {
            request = request.header(*name, value);
        }
        let mut response = match request.body(post.body.to_vec()).send().await {
            Ok(r) => r,
            Err(e) => return failed(describe(&e)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        // Read a bounded part of the answer (so the connection can be reused), never more.
        let mut read = 0usize;
        while read < MAX_ANSWER {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        let error = (!status.is_success()).then(|| {
            if status.is_redirection() {
                format!("the receiver answered HTTP {} (a redirect is not followed; update the URL)", status.as_u16())
            } else {
                format!("the receiver answered HTTP {}", status.as_u16())
            }
        });
        Answer { status: Some(status.as_u16()), retry_after, error, elapsed: started.elapsed() }
    }
}

/// A transport error with its causes, without the URL (it may hold a token).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        format!("the receiver did not answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "the receiver could not be reached".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A resolver that answers only public addresses and refuses a name with any other.
#[derive(Debug, Clone, Copy)]
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = found.iter().find(|a| !yizhan_wecom::media::address::is_public(a.ip())) {
                return Err(private_refusal(bad.ip()).into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}
