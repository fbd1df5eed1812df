//! What a webhook subscription asks for, checked once wherever it comes from (`[[webhooks]]`,
//! a channel's `forward_url`, `POST /v1/webhooks`): its event type patterns ([`TypePattern`]:
//! a type, `prefix.*` or `*`), its URL (http or https, a host, no credentials; without
//! `allow_private_urls` no private or loopback address, [`refused_address`]) and its secret
//! ([`super::signature::SigningKey`]).

use std::net::IpAddr;
use std::time::Duration;

use yizhan_store::{EventRecord, WebhookRecord, kind};

/// How long the URL check waits for DNS.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// One event type pattern: an exact type, every type under a prefix (`message.*`) or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypePattern {
    /// Every type.
    Any,
    /// Types starting with this prefix and a `.`.
    Prefix(String),
    /// This type.
    Exact(String),
}

impl TypePattern {
    /// The pattern `text`, if it names at least one known event type.
    pub fn parse(text: &str) -> Result<TypePattern, String> {
        let known = kind::ALL.join(", ");
        if text == "*" {
            return Ok(TypePattern::Any);
        }
        if let Some(prefix) = text.strip_suffix(".*") {
            let dotted = format!("{prefix}.");
            if kind::ALL.iter().any(|k| k.starts_with(&dotted)) {
                return Ok(TypePattern::Prefix(dotted));
            }
            return Err(format!("{text:?} matches no event type; known: {known}"));
        }
        if kind::ALL.contains(&text) {
            Ok(TypePattern::Exact(text.to_owned()))
        } else {
            Err(format!(
                "unknown event type {text:?}; use a type, a prefix such as \"message.*\", or \"*\"; known: {known}"
            ))
        }
    }

    /// Whether the event type `kind` matches.
    pub fn matches(&self, kind: &str) -> bool {
        match self {
            TypePattern::Any => true,
            TypePattern::Prefix(p) => kind.starts_with(p.as_str()),
            TypePattern::Exact(t) => t == kind,
        }
    }
}

/// Whether `event` is one `hook` asks for (its channels and its type patterns).
pub fn wants(hook: &WebhookRecord, event: &EventRecord) -> bool {
    (hook.channels.is_empty() || hook.channels.contains(&event.channel))
        && hook.event_types.iter().any(|p| TypePattern::parse(p).is_ok_and(|p| p.matches(&event.kind)))
}

/// Checks every pattern of `types` (at least one).
pub fn check_types(types: &[String]) -> Result<(), String> {
    if types.is_empty() {
        return Err("list at least one event type (\"*\" for every type)".to_owned());
    }
    types.iter().try_for_each(|t| TypePattern::parse(t).map(drop))
}

/// The shape of a webhook URL: http or https, a host, no user or password (a credential in a
/// URL ends up in logs). Returns the parsed URL.
pub fn check_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} refused; use https:// (or http://)", url.scheme()));
    }
    if url.host().is_none() {
        return Err("has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not carry a user or password; put credentials in the receiver's check of the signature".to_owned()
        );
    }
    Ok(url)
}

/// The first address of the URL's host that a subscription without `allow_private_urls` may
/// not reach (private, loopback, link-local, …: the media download guard's table), resolving
/// a name first. A name that does not resolve now is not refused here: each delivery checks
/// the addresses it connects to.
pub async fn refused_address(url: &url::Url) -> Option<IpAddr> {
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match url.host()? {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => {
            match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => Vec::new(),
            }
        }
    };
    addrs.into_iter().find(|ip| !yizhan_wecom::media::address::is_public(*ip))
}

/// The message of a refused private address.
pub fn private_refusal(ip: IpAddr) -> String {
    format!("refused: {ip} is not a public address (set allow_private_urls to allow it)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_types_prefixes_and_everything() {
        let message = TypePattern::parse("message.*").unwrap();
        assert!(message.matches("message.delivered"));
        assert!(!message.matches("recipient.outcome"));
        assert!(!message.matches("messages.x"));
        assert!(TypePattern::parse("*").unwrap().matches("card.clicked"));
        assert!(TypePattern::parse("card.clicked").unwrap().matches("card.clicked"));
        assert!(!TypePattern::parse("card.clicked").unwrap().matches("wecom.callback"));
        assert!(TypePattern::parse("message.deliverd").unwrap_err().contains("unknown event type"));
        assert!(TypePattern::parse("nothing.*").unwrap_err().contains("matches no event type"));
        assert!(check_types(&[]).is_err());
    }

    #[test]
    fn urls_need_http_a_host_and_no_credentials() {
        assert!(check_url("https://example.com/hook").is_ok());
        assert!(check_url("ftp://example.com/").unwrap_err().contains("scheme"));
        assert!(check_url("https://user:pw@example.com/").unwrap_err().contains("user or password"));
        assert!(check_url("not a url").is_err());
    }

    #[tokio::test]
    async fn private_addresses_are_found_without_a_connection() {
        let url = check_url("http://127.0.0.1:9/hook").unwrap();
        assert_eq!(refused_address(&url).await, Some("127.0.0.1".parse().unwrap()));
        let url = check_url("http://[::1]:9/hook").unwrap();
        assert!(refused_address(&url).await.is_some());
        let url = check_url("https://93.184.215.14/hook").unwrap();
        assert_eq!(refused_address(&url).await, None);
    }
}
