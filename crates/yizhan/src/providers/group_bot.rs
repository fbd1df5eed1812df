//! What the webhook group bots with keywords (`dingtalk_robot`, `feishu_bot`) share: refusing,
//! when a message is accepted, content the provider would refuse for lacking a keyword.

use crate::gateway::plan::invalid;
use crate::gateway::{ApiError, MessageRequest};

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
