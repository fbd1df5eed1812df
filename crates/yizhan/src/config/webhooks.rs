//! `[[webhooks]]`: subscriptions kept in the configuration (docs/gateway.md, "Webhooks"), and
//! their checks. They are written to the store at start (`Store::sync_webhooks`), next to the
//! subscriptions created through `POST /v1/webhooks`; a channel's `callback.forward_url`
//! becomes one too ([`forward_url_subscriptions`]).

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use yizhan_store::{WebhookRecord, WebhookSource, kind};

use super::load::Problem;
use super::locate::join;
use super::{ChannelConfig, Config};
use crate::events::signature::SigningKey;
use crate::events::subscription::{check_types, check_url};

/// One `[[webhooks]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Its id: letters, digits, `-`, `_`, `.`; unique; shown in `GET /v1/webhooks`.
    pub name: String,
    /// Where deliveries are POSTed (http or https).
    pub url: String,
    /// Event types: a type (`message.delivered`), a prefix (`message.*`) or `*` (default).
    #[serde(default = "every_type")]
    pub events: Vec<String>,
    /// Only events of these channels; default every channel.
    #[serde(default)]
    pub channels: Vec<String>,
    /// The signing secret, `whsec_` + Base64 of 24 to 64 bytes. Use `${ENV_VAR}`.
    pub secret: SecretString,
    /// Let the URL reach private, loopback or link-local addresses. Default false.
    #[serde(default)]
    pub allow_private_urls: bool,
}

fn every_type() -> Vec<String> {
    vec!["*".to_owned()]
}

impl WebhookConfig {
    /// The subscription as stored (cursor and time are the store's).
    pub fn record(&self, now_ms: i64) -> WebhookRecord {
        WebhookRecord {
            id: self.name.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
            event_types: self.events.clone(),
            channels: self.channels.clone(),
            secret: self.secret.expose_secret().to_owned(),
            allow_private_urls: self.allow_private_urls,
            source: WebhookSource::Config,
            api_key: None,
            after_pos: 0,
            created_at_ms: now_ms,
        }
    }
}

/// The implicit subscription of every `callback.forward_url`: `card.clicked` and
/// `wecom.callback` of its channel, id `forward_url.<channel>`, signed with
/// `callback.forward_secret` (a fresh random secret without one: the receiver then cannot
/// verify, as before the forward became a webhook).
pub fn forward_url_subscriptions(config: &Config, now_ms: i64) -> Vec<WebhookRecord> {
    config
        .channels
        .iter()
        .filter_map(|c| {
            let app = c.wecom_app()?;
            let callback = app.callback.as_ref()?;
            let url = callback.forward_url.clone()?;
            let secret = match &callback.forward_secret {
                Some(s) => s.expose_secret().to_owned(),
                None => SigningKey::generate().ok()?,
            };
            Some(WebhookRecord {
                id: format!("forward_url.{}", app.name),
                name: format!("forward_url of {}", app.name),
                url,
                event_types: vec![kind::CARD_CLICKED.to_owned(), kind::WECOM_CALLBACK.to_owned()],
                channels: vec![app.name.clone()],
                secret,
                allow_private_urls: true,
                source: WebhookSource::ForwardUrl,
                api_key: None,
                after_pos: 0,
                created_at_ms: now_ms,
            })
        })
        .collect()
}

/// Every problem of the `[[webhooks]]` entries (at their key paths `at`).
pub(super) fn problems(config: &Config, entries: &[(&WebhookConfig, &String)]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (hook, at) in entries {
        let mut bad = |key: &str, message: String| problems.push(Problem::new(join(at, key), message));
        let name = hook.name.as_str();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            bad("name", format!("{name:?}: use letters, digits, '-', '_' or '.'"));
        } else if name.starts_with("wh_") || name.starts_with("forward_url.") {
            bad("name", format!("{name:?}: names starting with wh_ or forward_url. are the gateway's own"));
        }
        if !seen.insert(name) {
            bad("name", format!("{name:?} is used twice"));
        }
        if let Err(e) = check_url(&hook.url) {
            bad("url", format!("{:?} {e}", hook.url));
        }
        if let Err(e) = check_types(&hook.events) {
            bad("events", e);
        }
        for (i, channel) in hook.channels.iter().enumerate() {
            if config.channel(channel).is_none() && !config.unavailable.iter().any(|u| &u.name == channel) {
                let names: Vec<&str> = config.channels.iter().map(ChannelConfig::name).collect();
                bad(
                    &format!("channels[{i}]"),
                    format!("names unknown channel {channel:?}; configured: {}", names.join(", ")),
                );
            }
        }
        // Never quote the secret.
        if let Err(e) = SigningKey::parse(hook.secret.expose_secret()) {
            bad("secret", e);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::{Config, ConfigError};

    const CHANNEL: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\n";

    fn problems(webhooks: &str) -> Vec<String> {
        match Config::parse(&format!("{CHANNEL}{webhooks}"), "t.toml", &HashMap::new()) {
            Ok(_) => Vec::new(),
            Err(ConfigError::Invalid { problems, .. }) => problems,
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn webhooks_parse_with_defaults_and_a_hidden_secret() {
        let text = format!(
            "{CHANNEL}[[webhooks]]\nname = \"bridge\"\nurl = \"https://hooks.example.com/y\"\n\
             secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n"
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).unwrap();
        let hook = &config.webhooks[0];
        assert_eq!(hook.events, ["*"]);
        assert!(hook.channels.is_empty() && !hook.allow_private_urls);
        assert!(!format!("{config:?}").contains("MfKQ9r8"), "the secret is never in Debug output");
        assert_eq!(hook.record(5).secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn every_webhook_problem_is_located_without_quoting_the_secret() {
        let found = problems(
            "[[webhooks]]\nname = \"wh_x\"\nurl = \"ftp://x\"\nevents = [\"message.delivred\"]\n\
             channels = [\"opz\"]\nsecret = \"whsec_c2hvcnQ=\"\n",
        );
        let all = found.join("\n");
        for expected in [
            "webhooks[0].name",
            "webhooks[0].url",
            "webhooks[0].events",
            "webhooks[0].channels[0]",
            "webhooks[0].secret",
        ] {
            assert!(all.contains(expected), "{expected} missing in:\n{all}");
        }
        assert!(all.contains("unknown event type \"message.delivred\""), "{all}");
        assert!(!all.contains("c2hvcnQ"), "{all}");
        assert!(problems("[[webhooks]]\nname = \"a\"\nurl = \"https://x.example\"\n").join("").contains("secret"));
    }
}
