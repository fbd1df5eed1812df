//! What the webhook group bots (`dingtalk_robot`, `feishu_bot`) share: their client settings,
//! the classification of their failures, the quota scope of their credential, the checks of
//! their configuration, and refusing, when a message is accepted, content the provider would
//! refuse for lacking a keyword.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use yizhan_core::RetryPolicy;
use yizhan_core::webhook::{BotError, WebhookSettings};

use super::outcome::Failed;
use crate::gateway::plan::invalid;
use crate::gateway::{ApiError, MessageRequest};

/// A bot takes at most 10 keywords (DingTalk and Feishu alike).
pub(super) const MAX_KEYWORDS: usize = 10;

/// The client settings of a channel: its `base_url` and egress `proxy` (if set), the retry
/// policy and, if given, a limit on each request.
pub(super) fn settings(
    base_url: Option<&str>,
    proxy: Option<reqwest::Proxy>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
) -> impl FnOnce(WebhookSettings) -> WebhookSettings {
    move |mut s| {
        if let Some(url) = base_url {
            s = s.base_url(url);
        }
        if let Some(timeout) = timeout {
            s = s.timeout(timeout);
        }
        s.proxy = proxy;
        s.retry_policy(retry)
    }
}

/// A failed bot call, classified.
pub(super) fn failure(e: BotError) -> Failed {
    let failed = Failed {
        kind: e.kind(),
        code: e.code(),
        message: e.provider_message().map_or_else(|| e.to_string(), str::to_owned),
        ambiguous: e.is_ambiguous(),
    };
    crate::worker::local::or_local(failed, &e)
}

/// The quota scope of a bot: `<prefix>:<first 16 hex of SHA-256(credential)>`, never the
/// credential itself.
pub(super) fn scope(prefix: &str, credential: &SecretString) -> String {
    let digest = Sha256::digest(credential.expose_secret().as_bytes());
    format!("{prefix}:{}", hex::encode(&digest[..8]))
}

/// The problems of a bot's credential (`key`, the part of its webhook URL named by `part`) and
/// keywords, never echoing a secret.
pub(super) fn problems(
    key: &'static str,
    credential: &SecretString,
    part: &str,
    keywords: &[String],
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let value = credential.expose_secret();
    if value.trim().is_empty() || value.contains(|ch: char| ch.is_whitespace() || "&#?/=%".contains(ch)) {
        let message = format!(
            "is empty or contains spaces, '&', '#', '?', '/', '=' or '%': copy only the part after {part} of the \
             webhook URL"
        );
        problems.push((key, message));
    }
    if keywords.len() > MAX_KEYWORDS {
        problems.push(("keywords", format!("has {} keywords; a bot takes at most {MAX_KEYWORDS}", keywords.len())));
    }
    if keywords.iter().any(|k| k.trim().is_empty()) {
        problems.push(("keywords", "must not hold an empty keyword".to_owned()));
    }
    problems
}

/// Refuses a message one of whose `texts` (provider field, text) holds none of `keywords`,
/// naming the request field; nothing to check without keywords.
pub(super) fn check_keywords<S: AsRef<str>>(
    texts: Vec<(String, S)>,
    keywords: &[String],
    request: &MessageRequest,
) -> Result<(), ApiError> {
    if keywords.is_empty() {
        return Ok(());
    }
    match texts.into_iter().find(|(_, text)| !keywords.iter().any(|k| text.as_ref().contains(k.as_str()))) {
        Some((field, _)) => {
            let problem = format!("must hold one of the channel's keywords ({})", keywords.join(", "));
            Err(invalid(&field, &problem, request))
        }
        None => Ok(()),
    }
}
