//! Downloads media from a URL under the policy described in [`super`]: scheme, resolved
//! addresses, pinning, redirects, size cap and timeout.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::BytesMut;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;

use super::{MediaFile, address, extension_for};
use crate::api::media_upload::{MediaType, describe_limit, extension};
use crate::error::Error;
use crate::validate::ValidationError;

/// Default limit on a whole download, DNS to last byte.
pub const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// Redirects followed (each one checked like the first URL).
pub const MAX_REDIRECTS: usize = 3;

/// What a download may do.
#[derive(Debug, Clone)]
pub(crate) struct DownloadPolicy {
    /// Allow `http://` as well as `https://`.
    pub(crate) allow_http: bool,
    /// Allow private, loopback, link-local … addresses (see [`address::is_public`]).
    pub(crate) allow_private: bool,
    /// Limit on the whole download.
    pub(crate) timeout: Duration,
    /// TCP connect timeout (also bounds the DNS lookup).
    pub(crate) connect_timeout: Duration,
    /// Cap on the body; `None` = the media type's upload limit. Never above that limit.
    pub(crate) max_bytes: Option<u64>,
    /// The User-Agent header.
    pub(crate) user_agent: String,
}

/// Where a checked URL may connect.
struct Target {
    /// The host name to pin, when the URL names one (not for IP literals).
    domain: Option<String>,
    addr: SocketAddr,
}

/// Downloads `url` as media of `media_type`.
pub(crate) async fn download(url: &str, media_type: MediaType, policy: &DownloadPolicy) -> Result<MediaFile, Error> {
    let cap = policy.max_bytes.map_or(media_type.max_bytes(), |m| m.min(media_type.max_bytes()));
    let origin = display(url);
    let work = fetch(url, media_type, cap, policy);
    match tokio::time::timeout(policy.timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(failure(&origin, format!("timed out after {:?}", policy.timeout), true)),
    }
}

async fn fetch(url: &str, media_type: MediaType, cap: u64, policy: &DownloadPolicy) -> Result<MediaFile, Error> {
    let mut current = Url::parse(url).map_err(|e| invalid(format_args!("{}: {e}", display(url))))?;
    for _hop in 0..=MAX_REDIRECTS {
        let target = check(&current, policy).await?;
        let client = client_for(&target, policy).map_err(|e| failure(&display(current.as_str()), e, false))?;
        let response = client.get(current.clone()).send().await.map_err(|e| transport(&current, e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                failure(&display(current.as_str()), format!("HTTP {status} without a usable Location"), false)
            })?;
            current = current.join(location).map_err(|e| invalid(format_args!("redirect to {location:?}: {e}")))?;
            tracing::debug!(to = %display(current.as_str()), "media download redirected; checking the new URL");
            continue;
        }
        if !status.is_success() {
            return Err(failure(&display(current.as_str()), format!("HTTP {status}"), status.is_server_error()));
        }
        return read_body(&current, response, media_type, cap).await;
    }
    Err(failure(&display(url), format!("more than {MAX_REDIRECTS} redirects"), false))
}

/// Checks the scheme and every address of the host, before any connection.
async fn check(url: &Url, policy: &DownloadPolicy) -> Result<Target, Error> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        other => {
            return Err(invalid(format_args!(
                "{}: scheme {other:?} refused; use https:// (http:// only when allow_http_urls is set)",
                display(url.as_str())
            )));
        }
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let (domain, addrs) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (None, vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(url::Host::Ipv6(ip)) => (None, vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(url::Host::Domain(name)) => (Some(name.to_owned()), resolve(name, port, policy).await?),
        None => return Err(invalid(format_args!("{}: no host", display(url.as_str())))),
    };
    if !policy.allow_private
        && let Some(bad) = addrs.iter().find(|a| !address::is_public(a.ip()))
    {
        return Err(invalid(format_args!(
            "{}: refused: {} is not a public address (set allow_private_urls to allow it)",
            display(url.as_str()),
            bad.ip()
        )));
    }
    let addr = addrs.first().copied().ok_or_else(|| invalid(format_args!("{}: no address", display(url.as_str()))))?;
    Ok(Target { domain, addr })
}

async fn resolve(name: &str, port: u16, policy: &DownloadPolicy) -> Result<Vec<SocketAddr>, Error> {
    let lookup = tokio::net::lookup_host((name, port));
    match tokio::time::timeout(policy.connect_timeout, lookup).await {
        Ok(Ok(addrs)) => Ok(addrs.collect()),
        Ok(Err(e)) => Err(failure(name, format!("cannot resolve: {e}"), true)),
        Err(_) => Err(failure(name, "DNS lookup timed out", true)),
    }
}

/// A one-off client that can only reach the checked address: DNS pinned, no proxy, no redirect.
fn client_for(target: &Target, policy: &DownloadPolicy) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .connect_timeout(policy.connect_timeout)
        .user_agent(&policy.user_agent);
    if let Some(domain) = &target.domain {
        builder = builder.resolve(domain, target.addr);
    }
    builder.build().map_err(|e| format!("cannot build the download client: {e}"))
}

async fn read_body(
    url: &Url,
    mut response: reqwest::Response,
    media_type: MediaType,
    cap: u64,
) -> Result<MediaFile, Error> {
    let too_big = || {
        invalid(format_args!(
            "{}: the download exceeds the {} limit for {media_type}; aborted",
            display(url.as_str()),
            describe_limit(cap)
        ))
    };
    if response.content_length().is_some_and(|len| len > cap) {
        return Err(too_big());
    }
    let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(url, e))? {
        if body.len() as u64 + chunk.len() as u64 > cap {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    let filename = filename_for(url, content_type.as_deref(), media_type);
    let mut file = MediaFile::new(filename, body.freeze());
    if file.content_type == "application/octet-stream"
        && let Some(ct) = content_type
    {
        file.content_type = ct;
    }
    Ok(file)
}

/// The last path segment (percent-decoded), with an extension from the Content-Type when the
/// name has none the media type accepts.
fn filename_for(url: &Url, content_type: Option<&str>, media_type: MediaType) -> String {
    let segment = url.path_segments().and_then(|mut s| s.next_back()).filter(|s| !s.is_empty()).unwrap_or("download");
    let mut name = percent_decode(segment);
    if (!media_type.accepts_filename(&name) || extension(&name).is_none())
        && let Some(ext) = content_type.and_then(extension_for)
    {
        name.push('.');
        name.push_str(ext);
    }
    name
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The URL without query and fragment, for messages (a query may hold a signature).
pub(crate) fn display(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

fn invalid(problem: impl std::fmt::Display) -> Error {
    Error::Invalid(ValidationError::new("url", problem))
}

fn failure(origin: &str, message: impl Into<String>, transient: bool) -> Error {
    Error::Media { origin: display(origin), message: message.into(), transient }
}

fn transport(url: &Url, error: reqwest::Error) -> Error {
    failure(url.as_str(), yizhan_core::transport::describe(&error.without_url()), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn filenames_come_from_the_path_and_the_content_type() {
        assert_eq!(filename_for(&url("https://a.example/img/chart.png?x=1"), None, MediaType::Image), "chart.png");
        assert_eq!(filename_for(&url("https://a.example/avatar"), Some("image/png"), MediaType::Image), "avatar.png");
        assert_eq!(filename_for(&url("https://a.example/"), Some("image/jpeg"), MediaType::Image), "download.jpg");
        assert_eq!(filename_for(&url("https://a.example/%E6%8A%A5%E5%91%8A.pdf"), None, MediaType::File), "报告.pdf");
        assert_eq!(
            filename_for(&url("https://a.example/report"), Some("application/pdf"), MediaType::File),
            "report.pdf"
        );
        assert_eq!(filename_for(&url("https://a.example/x.bin"), None, MediaType::File), "x.bin");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn display_drops_the_query() {
        assert_eq!(display("https://a.example/x.png?sig=secret#f"), "https://a.example/x.png");
    }

    fn policy() -> DownloadPolicy {
        DownloadPolicy {
            allow_http: false,
            allow_private: false,
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            max_bytes: None,
            user_agent: "test".into(),
        }
    }

    /// IP literals only: these checks resolve nothing and connect nowhere.
    #[tokio::test]
    async fn scheme_and_literal_addresses_are_checked_before_connecting() {
        let e = check(&url("http://8.8.8.8/x.png"), &policy()).await.err().unwrap();
        assert!(e.to_string().contains("allow_http_urls"), "{e}");
        let e = check(&url("ftp://8.8.8.8/x.png"), &policy()).await.err().unwrap();
        assert!(e.to_string().contains("scheme"), "{e}");
        let e = check(&url("https://127.0.0.1:9/x.png"), &policy()).await.err().unwrap();
        assert!(e.to_string().contains("127.0.0.1 is not a public address"), "{e}");
        let e = check(&url("https://[::ffff:169.254.169.254]/latest"), &policy()).await.err().unwrap();
        assert!(e.to_string().contains("not a public address"), "{e}");
        // Other spellings of loopback are normalised by the URL parser, then refused.
        for other in ["https://2130706433/x.png", "https://0x7f.1/x.png", "https://0177.0.0.1/x.png"] {
            let e = check(&url(other), &policy()).await.err().unwrap();
            assert!(e.to_string().contains("127.0.0.1 is not a public address"), "{other}: {e}");
        }
        let ok = check(&url("https://8.8.8.8/x.png"), &policy()).await.unwrap();
        assert_eq!((ok.domain, ok.addr), (None, "8.8.8.8:443".parse().unwrap()));
        let allowed = DownloadPolicy { allow_http: true, allow_private: true, ..policy() };
        let ok = check(&url("http://127.0.0.1:8080/x"), &allowed).await.unwrap();
        assert_eq!(ok.addr, "127.0.0.1:8080".parse().unwrap());
    }
}
