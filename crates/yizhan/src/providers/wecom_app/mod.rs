//! The `wecom_app` provider: a WeCom (企业微信) self-built application (docs/wecom-client.md).
//!
//! Everything the gateway needs from it: planning ([`plan`]), executing a dispatch
//! ([`execute`]), the duplicate check ([`dedupe`]), coalescing ([`coalesce`]), quota units
//! ([`quota`]), recall and template-card updates ([`recall`], [`card`]) and its client
//! ([`client`]). The gateway reaches them through the boundary in [`crate::providers`].

pub mod card;
pub mod check;
pub(crate) mod cli;
pub mod client;
pub mod coalesce;
pub mod dedupe;
pub mod execute;
pub mod plan;
pub mod quota;
pub mod recall;

use serde_json::Value;

use crate::gateway::Content;
use crate::providers::Endpoint;

/// WeCom application `text` and `markdown` (`message/send`, `appchat/send`): 2048 bytes.
pub const TEXT_LIMIT: usize = 2048;

/// The byte limit of `content` that `options.overflow` handles: text and markdown.
pub fn text_limit(content: &Content) -> Option<usize> {
    matches!(content, Content::Text(_) | Content::Markdown(_)).then_some(TEXT_LIMIT)
}

/// Whether resending the persisted `body` after an ambiguous failure is deduplicated by WeCom:
/// `message/send` with `enable_duplicate_check = 1`. `appchat/send` has no dedupe.
pub fn resend_is_safe(endpoint: Endpoint, json: &Value) -> bool {
    endpoint == Endpoint::WecomMessageSend && json.get("enable_duplicate_check").and_then(Value::as_u64) == Some(1)
}
