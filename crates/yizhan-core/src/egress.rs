//! Egress proxies: a provider's calls can leave through an HTTP or SOCKS5 proxy, so that they
//! come from the fixed address a provider's IP allowlist names (WeCom's 企业可信IP, error
//! 60020). See docs/gateway.md, "Egress proxy".
//!
//! Only proxies without credentials in the URL are accepted: reqwest keeps a proxy's URL,
//! password included, in its client's `Debug` output, and yizhan never lets a secret reach
//! `Debug`. Allow the gateway's address on the proxy instead.

use crate::validate::ValidationError;

/// The schemes a proxy URL may have: `http`/`https` (CONNECT for https targets, absolute-form
/// requests for http ones) and `socks5`/`socks5h` (`h`: the proxy resolves host names).
pub const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

/// The reqwest proxy for every request of a client, or why `url` (reported as `field`) cannot
/// be one. The problem never repeats a password.
pub fn proxy(field: &str, url: &str) -> Result<reqwest::Proxy, ValidationError> {
    let bad = |problem: String| ValidationError::new(field, problem);
    let parsed =
        reqwest::Url::parse(url).map_err(|e| bad(format!("is not a URL ({e}); expected e.g. http://10.0.0.5:3128")))?;
    if !PROXY_SCHEMES.contains(&parsed.scheme()) {
        return Err(bad(format!("scheme {:?} is not one of {}", parsed.scheme(), PROXY_SCHEMES.join(", "))));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host".to_owned()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "must not carry a user name or password; allow the gateway's address on the proxy instead".to_owned()
        ));
    }
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
        return Err(bad("must be scheme://host:port, without a path or query".to_owned()));
    }
    reqwest::Proxy::all(parsed.as_str()).map_err(|e| bad(format!("is not usable as a proxy: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_socks5_proxies_are_accepted() {
        for url in
            ["http://127.0.0.1:3128", "https://proxy.internal:443/", "socks5://10.0.0.5:1080", "socks5h://p:1080"]
        {
            assert!(proxy("proxy", url).is_ok(), "{url}");
        }
    }

    #[test]
    fn credentials_paths_and_other_schemes_are_refused_without_echoing_a_password() {
        let refused = |url: &str| proxy("channels[0].proxy", url).expect_err(url).to_string();
        let creds = refused("http://user:hunter2@127.0.0.1:3128");
        assert!(creds.contains("channels[0].proxy") && creds.contains("user name or password"), "{creds}");
        assert!(!creds.contains("hunter2"), "{creds}");
        assert!(refused("ftp://127.0.0.1:21").contains("scheme \"ftp\""));
        assert!(refused("127.0.0.1:3128").contains("scheme") || refused("127.0.0.1:3128").contains("URL"));
        assert!(refused("http://127.0.0.1:3128/x").contains("without a path"));
    }
}
