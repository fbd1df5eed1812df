//! Checks across keys, once the configuration deserialized: names, limits, URLs, and what the
//! API keys refer to. Every problem is reported, each with its key path.

use std::collections::BTreeSet;

use secrecy::ExposeSecret;

use super::load::Problem;
use super::locate::join;
use super::{ChannelConfig, Config};

impl Config {
    /// Every problem across keys, in file order.
    pub(super) fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for (channel, at) in self.channels.iter().zip(&self.paths.channels) {
            let name = channel.name();
            let mut bad = |key: &str, message: String| problems.push(Problem::new(join(at, key), message));
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                bad("name", format!("{name:?}: use letters, digits, '-', '_' or '.'"));
            }
            if !seen.insert(name) {
                bad("name", format!("{name:?} is used twice"));
            }
            if let Some(Err(e)) = channel.proxy().map(|url| yizhan_core::egress::proxy("proxy", url)) {
                bad("proxy", e.problem);
            }
            match channel {
                ChannelConfig::WecomApp(c) => {
                    if let Some(interval) = c.duplicate_check_interval.filter(|v| !(1..=14_400).contains(v)) {
                        bad("duplicate_check_interval", format!("is {interval}; it must be 1 to 14400 seconds"));
                    }
                    if c.agent_id <= 0 {
                        bad("agent_id", "must be a positive AgentId".to_owned());
                    }
                    if let Some(callback) = &c.callback
                        && let Some(url) = &callback.forward_url
                    {
                        url_problem(url).into_iter().for_each(|m| bad("callback.forward_url", m));
                    }
                    if let Some(secret) = c.callback.as_ref().and_then(|cb| cb.forward_secret.as_ref())
                        && let Err(e) = crate::events::signature::SigningKey::parse(secret.expose_secret())
                    {
                        bad("callback.forward_secret", e);
                    }
                }
                ChannelConfig::WecomRobot(c) => {
                    let key = c.key.expose_secret();
                    if key.trim().is_empty() || key.contains(|ch: char| ch.is_whitespace() || "&#?/".contains(ch)) {
                        // Never echo the value: it is a secret.
                        bad(
                            "key",
                            "is empty or contains spaces, '&', '#', '?' or '/': copy only the part after key= of \
                             the robot's webhook URL"
                                .to_owned(),
                        );
                    }
                }
                ChannelConfig::DingtalkRobot(c) => {
                    crate::providers::dingtalk_robot::config_problems(c).into_iter().for_each(|(k, m)| bad(k, m));
                }
                ChannelConfig::FeishuBot(c) => {
                    crate::providers::feishu_bot::config_problems(c).into_iter().for_each(|(k, m)| bad(k, m));
                }
                ChannelConfig::Email(c) => {
                    crate::providers::email::config_problems(c).into_iter().for_each(|(k, m)| bad(k, m));
                }
                ChannelConfig::Getui(c) => {
                    if c.app_id.is_empty() || c.app_id.contains(['/', '?', '#']) {
                        bad("app_id", format!("{:?} is not a Getui AppID", c.app_id));
                    }
                    if c.base_url.is_some() && !c.base_urls.is_empty() {
                        bad("base_urls", "set base_url or base_urls, not both".to_owned());
                    }
                    for (i, url) in c.base_urls.iter().enumerate() {
                        url_problem(url).into_iter().for_each(|m| bad(&format!("base_urls[{i}]"), m));
                    }
                }
            }
            if let Some(url) = channel.base_url() {
                url_problem(url).into_iter().for_each(|m| bad("base_url", m));
            }
        }
        let w = &self.worker;
        for (key, value) in [
            ("concurrency", w.concurrency as u64),
            ("lease_secs", w.lease_secs),
            ("max_attempts", w.max_attempts.into()),
        ] {
            if value == 0 {
                problems.push(Problem::new(format!("worker.{key}"), "must be at least 1"));
            }
        }
        if w.request_timeout_ms == 0 {
            problems.push(Problem::new("worker.request_timeout_ms", "must be at least 1"));
        }
        let longest = w.longest_call_ms();
        if w.lease_secs > 0 && w.lease_secs.saturating_mul(1000) < longest {
            problems.push(Problem::new(
                "worker.lease_secs",
                format!(
                    "is {} s, shorter than the longest provider call ({:.1} s: request_timeout_ms {} × {} requests \
                     + {:.1} s margin); set it to at least {} or lower request_timeout_ms",
                    w.lease_secs,
                    longest as f64 / 1000.0,
                    w.request_timeout_ms,
                    super::CALL_REQUESTS,
                    super::LEASE_MARGIN_MS as f64 / 1000.0,
                    longest.div_ceil(1000),
                ),
            ));
        }
        if w.horizon_secs > 14_400 {
            problems.push(Problem::new(
                "worker.horizon_secs",
                format!("is {}; above 14400 s a WeCom resend may fall outside the duplicate check", w.horizon_secs),
            ));
        }
        let known = |name: &str| self.channel(name).is_some() || self.unavailable.iter().any(|u| u.name == name);
        for (key, at) in self.api_keys.iter().zip(&self.paths.api_keys) {
            if key.sha256.len() != 64 || !key.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                problems.push(Problem::new(join(at, "sha256"), "must be 64 hex characters (the SHA-256 of the key)"));
            }
            if key.admin && !key.channels.is_empty() {
                problems.push(Problem::new(
                    join(at, "channels"),
                    "must be empty on an admin key (admin = true already gives every channel)",
                ));
            }
            for (i, unknown) in key.channels.iter().enumerate().filter(|(_, c)| !known(c)) {
                let names: Vec<&str> = self.channels.iter().map(ChannelConfig::name).collect();
                let mut message = format!("names unknown channel {unknown:?}; configured: {}", names.join(", "));
                if let Some(near) = super::locate::nearest(unknown, names.iter().copied()) {
                    message.push_str(&format!(" (did you mean `{near}`?)"));
                }
                problems.push(Problem::new(format!("{at}.channels[{i}]"), message));
            }
        }
        let webhooks: Vec<_> = self.webhooks.iter().zip(&self.paths.webhooks).collect();
        problems.extend(super::webhooks::problems(self, &webhooks));
        problems
    }
}

/// Why `url` cannot be a provider or forward URL: it must be absolute `http://` or `https://`
/// with a host. Nothing else is retried on every send for hours, so it is a configuration error.
fn url_problem(url: &str) -> Option<String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => None,
        Ok(u) if !matches!(u.scheme(), "http" | "https") && !url.contains("://") => {
            Some(format!("{url:?} has no scheme: write it as http://{url} or https://{url}"))
        }
        Ok(u) => Some(format!("{url:?}: the scheme must be http or https, not {:?}", u.scheme())),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            Some(format!("{url:?} has no scheme: write it as http://{url} or https://{url}"))
        }
        Err(e) => Some(format!("{url:?} is not a URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::url_problem;

    #[test]
    fn provider_urls_need_a_scheme_and_a_host() {
        assert_eq!(url_problem("http://127.0.0.1:9400"), None);
        assert_eq!(url_problem("https://qyapi.weixin.qq.com/"), None);
        for bad in ["127.0.0.1:9400", "localhost:9400", "qyapi.weixin.qq.com", "ftp://x", "http://"] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
        assert!(url_problem("127.0.0.1:9400").is_some_and(|m| m.contains("http://127.0.0.1:9400")));
    }
}
