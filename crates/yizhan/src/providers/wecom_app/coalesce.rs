//! Coalescing `message/send` to users: bodies equal but for `touser` (the same content, `safe`,
//! duplicate-check settings and agent) share one call, which sends that body with `touser` set
//! to the merged users, `|`-joined, at most 1000. Dispatches that are full already (1000
//! users), to parties, tags or `@all` do not coalesce; neither does `appchat/send`.
//!
//! Duplicate check: WeCom's `enable_duplicate_check` drops a request whose JSON is identical to
//! one sent within the interval. A merged body differs from every member's own body and from
//! every other merged body (its `touser` differs), so merging never makes WeCom drop a message
//! that would have been delivered alone, and a retry of a merged call resends the identical
//! persisted body, which WeCom recognises. Only messages with disjoint user lists share a call,
//! so every user gets each message exactly as often as without coalescing.

use serde_json::Value;
use yizhan_wecom::recipients::MAX_USERS;

use crate::gateway::coalesce::Addressee;
use crate::providers::{Endpoint, Recipient};

/// Which body fields address a `message/send` to `recipients`, if it may coalesce.
pub fn addressee(endpoint: Endpoint, recipients: &[String]) -> Option<Addressee> {
    if endpoint != Endpoint::WecomMessageSend {
        return None;
    }
    let users_only = recipients.iter().all(|r| Recipient::parse(r).user().is_some_and(|u| u != "@all"));
    // A full call (1000 users) has no room for anybody else.
    if !users_only || recipients.is_empty() || recipients.len() >= MAX_USERS {
        return None;
    }
    Some(Addressee { fields: &["touser"], excluded: &["toparty", "totag"] })
}

/// The body of a merged WeCom call: `body` (a member's) with `touser` set to `recipients`
/// (`user:<id>` each). `None` if `body` is not a JSON object or a recipient is not a user.
pub fn merged_body(body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    let mut json: Value = serde_json::from_slice(body).ok()?;
    let users: Option<Vec<&str>> = recipients.iter().map(|r| Recipient::parse(r).user()).collect();
    json.as_object_mut()?.insert("touser".to_owned(), Value::String(users?.join("|")));
    serde_json::to_vec(&json).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn text(touser: &str, content: &str) -> Value {
        json!({"touser": touser, "msgtype": "text", "agentid": 1, "text": {"content": content}, "enable_duplicate_check": 1})
    }

    #[test]
    fn the_merged_body_names_every_user_once_joined_by_bars() {
        let merged = merged_body(
            &serde_json::to_vec(&text("alice", "hi")).unwrap(),
            &["user:alice".to_owned(), "user:bob".to_owned()],
        )
        .unwrap();
        let merged: Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(merged["touser"], "alice|bob");
        assert_eq!(merged["text"]["content"], "hi");
        assert_eq!(merged_body(b"{}", &["party:1".to_owned()]), None);
    }
}
