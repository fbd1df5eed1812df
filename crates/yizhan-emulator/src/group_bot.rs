//! What the DingTalk and Feishu group bots share (`docs/dingtalk-feishu.md`): IP allow-lists,
//! HMAC-SHA256 signatures in Base64, keyword matching, sliding windows and inbox labels.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use serde_json::Value;
use sha2::Sha256;

use crate::inbox::{Outcome, Record};

/// Most keywords or allow-list entries one bot may have (both providers document 10).
pub(crate) const MAX_SECURITY_ENTRIES: usize = 10;

/// Why a bot refused a call: the provider's code and message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// DingTalk `errcode` or Feishu `code`.
    pub(crate) code: i64,
    /// DingTalk `errmsg` or Feishu `msg`.
    pub(crate) text: Cow<'static, str>,
}

impl Rejection {
    /// A rejection with this code and text.
    pub(crate) fn new(code: i64, text: impl Into<Cow<'static, str>>) -> Self {
        Self { code, text: text.into() }
    }
}

/// The inbox entry of a message a bot accepted (bots return no message id).
pub(crate) fn delivered(
    provider: &'static str,
    app: &std::sync::Arc<str>,
    recipient: String,
    msgtype: &'static str,
    content: Value,
    at_ms: i64,
) -> Record {
    Record {
        provider,
        app: app.clone(),
        recipient: recipient.into(),
        msgtype,
        content: std::sync::Arc::new(content),
        msgid: "".into(),
        outcome: Outcome::Delivered,
        at_ms,
        request_id: None,
        status: None,
    }
}

/// Standard Base64 (with padding) of HMAC-SHA256 of `message` under `key`.
pub(crate) fn hmac_sha256_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC takes keys of any length; an empty answer would never match a signature anyway.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// One allow-list entry: an IPv4 network (`1.2.3.4`, `1.2.3.*`, `1.2.*.*` or `1.2.3.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv4Net {
    network: u32,
    prefix: u8,
}

impl Ipv4Net {
    /// Parses an entry; `None` for anything else (IPv6 is not supported by either provider).
    pub(crate) fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim();
        if let Some((addr, prefix)) = entry.split_once('/') {
            let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
            let addr: Ipv4Addr = addr.parse().ok()?;
            return Some(Self::new(u32::from(addr), prefix));
        }
        let octets: Vec<&str> = entry.split('.').collect();
        if octets.len() != 4 {
            return None;
        }
        let fixed = octets.iter().take_while(|o| **o != "*").count();
        if fixed == 0 || octets[fixed..].iter().any(|o| *o != "*") {
            return None;
        }
        let mut bytes = [0u8; 4];
        for (byte, octet) in bytes.iter_mut().zip(&octets[..fixed]) {
            if octet.is_empty() || octet.len() > 3 {
                return None;
            }
            *byte = octet.parse().ok()?;
        }
        let prefix = u8::try_from(fixed * 8).ok()?;
        Some(Self::new(u32::from_be_bytes(bytes), prefix))
    }

    fn new(address: u32, prefix: u8) -> Self {
        Self { network: address & Self::mask(prefix), prefix }
    }

    fn mask(prefix: u8) -> u32 {
        u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
    }

    /// True when `ip` (IPv4, or IPv4 mapped into IPv6) lies in this network.
    pub(crate) fn contains(self, ip: IpAddr) -> bool {
        let v4 = match ip {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4,
                None => return false,
            },
        };
        u32::from(v4) & Self::mask(self.prefix) == self.network
    }
}

/// True when `ip` lies in any of `allowlist`.
pub(crate) fn allowed(allowlist: &[Ipv4Net], ip: IpAddr) -> bool {
    allowlist.iter().any(|net| net.contains(ip))
}

/// The peer address as the providers print it (IPv4-mapped IPv6 shown as IPv4).
pub(crate) fn display_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// True when the Content-Type is `application/json` (any parameters, any case).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json")))
}

/// True when some keyword occurs in `text` (case-sensitive, as a plain substring).
pub(crate) fn has_keyword(keywords: &[String], text: &str) -> bool {
    keywords.iter().any(|k| text.contains(k.as_str()))
}

/// Accepted calls of one bot, for limits counted over a sliding span.
#[derive(Debug, Default)]
pub(crate) struct SlidingWindow {
    times: VecDeque<i64>,
}

impl SlidingWindow {
    /// Forgets calls at or before `now_ms - keep_ms`.
    pub(crate) fn forget_before(&mut self, now_ms: i64, keep_ms: i64) {
        while self.times.front().is_some_and(|&t| t <= now_ms - keep_ms) {
            self.times.pop_front();
        }
    }

    /// Calls in the last `span_ms` (after `now_ms - span_ms`).
    pub(crate) fn count_within(&self, now_ms: i64, span_ms: i64) -> usize {
        self.times.iter().rev().take_while(|&&t| t > now_ms - span_ms).count()
    }

    /// Counts a call at `now_ms`.
    pub(crate) fn push(&mut self, now_ms: i64) {
        self.times.push_back(now_ms);
    }
}

/// `abcd…`: enough to tell bots apart in the inbox without showing the token.
pub(crate) fn label(token: &str) -> String {
    let mut label: String = token.chars().take(4).collect();
    label.push('…');
    label
}

/// Checks the security entries shared by both providers' configurations.
pub(crate) fn check_security_lists(who: &str, keywords: &[String], allowlist: &[String]) -> Result<(), String> {
    if keywords.len() > MAX_SECURITY_ENTRIES || allowlist.len() > MAX_SECURITY_ENTRIES {
        return Err(format!(
            "{who}: at most {MAX_SECURITY_ENTRIES} keywords and {MAX_SECURITY_ENTRIES} ip_allowlist entries"
        ));
    }
    if keywords.iter().any(|k| k.trim().is_empty()) {
        return Err(format!("{who}: keywords must not be empty"));
    }
    if let Some(bad) = allowlist.iter().find(|e| Ipv4Net::parse(e).is_none()) {
        return Err(format!(
            "{who}: ip_allowlist entry {bad:?} is not an IPv4 address, `a.b.c.*` or `a.b.c.d/n` (IPv6 is not supported)"
        ));
    }
    Ok(())
}

/// True when `toml` parses but is refused as inconsistent (for the configuration tests).
#[cfg(test)]
pub(crate) fn config_refused(toml: &str) -> bool {
    matches!(crate::EmulatorConfig::from_toml(toml), Err(crate::ConfigError::Invalid(_)))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn allowlist_entries() {
        let exact = Ipv4Net::parse("127.0.0.1").unwrap();
        assert!(exact.contains(ip("127.0.0.1")) && !exact.contains(ip("127.0.0.2")));
        let star = Ipv4Net::parse("123.12.1.*").unwrap();
        assert!(star.contains(ip("123.12.1.200")) && !star.contains(ip("123.12.2.1")));
        let two = Ipv4Net::parse("10.1.*.*").unwrap();
        assert!(two.contains(ip("10.1.9.9")) && !two.contains(ip("10.2.0.0")));
        let cidr = Ipv4Net::parse("123.1.1.1/24").unwrap();
        assert!(cidr.contains(ip("123.1.1.77")) && !cidr.contains(ip("123.1.2.1")));
        assert!(Ipv4Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        let mapped = IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped());
        assert!(exact.contains(mapped));
        assert!(!Ipv4Net::parse("0.0.0.0/0").unwrap().contains(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        for bad in ["", "1.2.3", "1.*.3.4", "*.*.*.*", "1.2.3.4/33", "::1", "1.2.3.256", "1.2.3.4.5", "01234.1.1.1"] {
            assert_eq!(Ipv4Net::parse(bad), None, "{bad}");
        }
        assert_eq!(display_ip(mapped), "127.0.0.1");
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = hmac_sha256_base64(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(mac, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }

    #[test]
    fn sliding_window_counts_and_forgets() {
        let mut w = SlidingWindow::default();
        for t in [0, 500, 999, 1_000] {
            w.push(t);
        }
        assert_eq!(w.count_within(1_000, 1_000), 3, "0 is out of (0, 1000]");
        assert_eq!(w.count_within(1_000, 60_000), 4);
        w.forget_before(60_500, 60_000);
        assert_eq!(w.count_within(60_500, 60_000), 2);
        assert_eq!(label("机器人钥匙很长"), "机器人钥…");
    }
}
