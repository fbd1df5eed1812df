//! Coalescing, the gateway's side: which dispatches may share one provider call — pure, no I/O.
//! The store keeps the merged calls (`Store::coalesce`) and the worker decides when to merge
//! (`worker::coalesce`).
//!
//! Dispatches of one channel whose messages expire at the same time get the same [`key()`] when
//! their bodies are identical except for the addressee. Which dispatches coalesce, which body
//! fields address them and the body of the merged call are the provider's
//! ([`crate::providers::coalesce_addressee`], [`crate::providers::merged_body`]): WeCom
//! `message/send` to users (`crate::providers::wecom_app::coalesce`) and Getui single pushes to
//! one cid (`crate::providers::getui::coalesce`). Every other endpoint does not coalesce.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::plan::PlannedDispatch;
use crate::providers;

/// The most recipients of one merged call (WeCom `touser`, Getui list push).
pub const MAX_USERS: usize = yizhan_wecom::recipients::MAX_USERS;

/// The body fields that address a coalescing dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addressee {
    /// Removed before bodies are compared: they differ between members.
    pub fields: &'static [&'static str],
    /// A body that has any of these does not coalesce.
    pub excluded: &'static [&'static str],
}

/// The coalesce key of `dispatch` on `channel` for a message expiring at `expires_at_ms`, or
/// `None` if it never coalesces.
pub fn key(channel: &str, dispatch: &PlannedDispatch, expires_at_ms: Option<i64>) -> Option<String> {
    // Decided from the endpoint and recipients first: every accepted dispatch passes here, and
    // only the coalescing kinds pay for parsing their body.
    let addressee = providers::coalesce_addressee(dispatch.endpoint, &dispatch.recipients)?;
    let mut body: Value = serde_json::from_slice(&dispatch.body).ok()?;
    let object = body.as_object_mut()?;
    if addressee.excluded.iter().any(|k| object.contains_key(*k)) {
        return None;
    }
    for k in addressee.fields {
        object.remove(*k)?;
    }
    let mut hash = Sha256::new();
    for part in [channel, dispatch.endpoint, &expires_at_ms.map_or_else(String::new, |e| e.to_string())] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(serde_json::to_vec(&body).ok()?);
    Some(hex::encode(hash.finalize()))
}

/// The merged call ([`crate::providers::merged_body`]) and whether a resend of it is safe, by
/// the planner's rule ([`crate::providers::resend_is_safe`]) for the call it is sent as
/// ([`crate::providers::sent_as`]): a merged Getui call is a list push, never resent after an
/// ambiguous failure; a merged WeCom call keeps the members' duplicate check.
pub fn merged_call(endpoint: &str, body: &[u8], recipients: &[String]) -> Option<yizhan_store::MergedCall> {
    let body = providers::merged_body(endpoint, body, recipients)?;
    let resend_safe = providers::resend_is_safe(providers::sent_as(endpoint, true), &body);
    Some(yizhan_store::MergedCall { resend_safe, body })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::providers::endpoint;

    fn dispatch(body: Value, recipients: &[&str]) -> PlannedDispatch {
        PlannedDispatch {
            endpoint: endpoint::WECOM_MESSAGE_SEND,
            body: serde_json::to_vec(&body).unwrap(),
            dedupe_id: None,
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
            after: None,
        }
    }

    fn text(touser: &str, content: &str) -> Value {
        json!({"touser": touser, "msgtype": "text", "agentid": 1, "text": {"content": content}, "enable_duplicate_check": 1})
    }

    #[test]
    fn the_same_content_to_other_users_has_the_same_key() {
        let a = key("ops", &dispatch(text("alice", "hi"), &["user:alice"]), None).unwrap();
        let b = key("ops", &dispatch(text("bob|carol", "hi"), &["user:bob", "user:carol"]), None).unwrap();
        assert_eq!(a, b);
        assert_ne!(Some(&a), key("ops", &dispatch(text("alice", "ho"), &["user:alice"]), None).as_ref());
        assert_ne!(Some(&a), key("ops2", &dispatch(text("alice", "hi"), &["user:alice"]), None).as_ref());
        assert_ne!(Some(&a), key("ops", &dispatch(text("alice", "hi"), &["user:alice"]), Some(1)).as_ref());
    }

    #[test]
    fn parties_tags_everybody_and_full_calls_do_not_coalesce() {
        let thousand: Vec<String> = (0..MAX_USERS).map(|i| format!("user:u{i}")).collect();
        let full: Vec<&str> = thousand.iter().map(String::as_str).collect();
        assert_eq!(key("ops", &dispatch(text("u0", "hi"), &full), None), None);
        let mut with_party = text("alice", "hi");
        with_party["toparty"] = json!("2");
        assert_eq!(key("ops", &dispatch(with_party, &["user:alice", "party:2"]), None), None);
        assert_eq!(key("ops", &dispatch(text("@all", "hi"), &["user:@all"]), None), None);
        let mut robot = dispatch(text("alice", "hi"), &["group"]);
        robot.endpoint = endpoint::WECOM_WEBHOOK_SEND;
        assert_eq!(key("ops", &robot, None), None);
    }
}
