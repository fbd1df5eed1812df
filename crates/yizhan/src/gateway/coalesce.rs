//! Coalescing, the gateway's side: which dispatches may share one provider call, and the body of
//! the shared call — pure, no I/O. The store keeps the merged calls (`Store::coalesce`) and the
//! worker decides when to merge (`worker::coalesce`).
//!
//! Two kinds of dispatch coalesce; dispatches of one channel whose messages expire at the same
//! time get the same [`key()`] when their bodies are identical except for the addressee:
//!
//! - WeCom `message/send` to users (bodies equal but for `touser`: the same content, `safe`,
//!   duplicate-check settings and agent). The merged call sends that body with `touser` set to
//!   the merged users, `|`-joined, at most 1000 ([`MAX_USERS`]). Dispatches that are full
//!   already (1000 users), to parties, tags or `@all` do not coalesce.
//! - Getui single pushes to one cid (bodies equal but for `request_id` and `audience`). The
//!   merged call is one Getui list task: its persisted body is a [`ListPushBody`] (the shared
//!   message with a `request_id` of its own, and the ≤1000 cids), which the worker sends as
//!   `/push/list/message` (one taskid) and `/push/list/cid` with that taskid
//!   ([`endpoint::GETUI_PUSH_LIST`]). Alias pushes do not coalesce (a list push by alias reports
//!   per cid, not per alias, so outcomes could not be told apart).
//!
//! Every other endpoint does not coalesce.
//!
//! Duplicate check: WeCom's `enable_duplicate_check` drops a request whose JSON is identical to
//! one sent within the interval. A merged body differs from every member's own body and from
//! every other merged body (its `touser` differs), so merging never makes WeCom drop a message
//! that would have been delivered alone, and a retry of a merged call resends the identical
//! persisted body, which WeCom recognises. Only messages with disjoint user lists share a call,
//! so every user gets each message exactly as often as without coalescing.
//!
//! Getui: a single push is deduplicated by its `request_id`; the list push of a merged call is
//! not known to be (Getui documents no dedupe for `/push/list/cid`; the emulator records a
//! repeat twice). A merged Getui call whose list push times out after it was written is resent
//! (its `message` carries a `request_id`, so the task is not created twice), and a cid can then
//! get the notification twice — the same at-least-once limit as a list push requested directly
//! (docs/shaping.md). `[shaping] coalesce_getui = false` keeps single pushes single.

use serde_json::Value;
use sha2::{Digest, Sha256};
use yizhan_getui::push::{Audience, PushRequest, RequestId};

use super::getui::ListPushBody;
use super::plan::{PlannedDispatch, endpoint};
use crate::providers::Recipient;

/// The most users of one `message/send` call.
pub const MAX_USERS: usize = yizhan_wecom::recipients::MAX_USERS;

/// The coalesce key of `dispatch` on `channel` for a message expiring at `expires_at_ms`, or
/// `None` if it never coalesces.
pub fn key(channel: &str, dispatch: &PlannedDispatch, expires_at_ms: Option<i64>) -> Option<String> {
    // Decided from the endpoint and recipients first: every accepted dispatch passes here, and
    // only the two coalescing kinds pay for parsing their body.
    let (addressee, other_addressees): (&[&str], &[&str]) = match dispatch.endpoint {
        endpoint::WECOM_MESSAGE_SEND => {
            let users_only =
                dispatch.recipients.iter().all(|r| Recipient::parse(r).user().is_some_and(|u| u != "@all"));
            // A full call (1000 users) has no room for anybody else.
            if !users_only || dispatch.recipients.is_empty() || dispatch.recipients.len() >= MAX_USERS {
                return None;
            }
            (&["touser"], &["toparty", "totag"])
        }
        endpoint::GETUI_PUSH_SINGLE_CID => {
            if dispatch.recipients.len() != 1 || Recipient::parse(&dispatch.recipients[0]).cid().is_none() {
                return None;
            }
            (&["audience", "request_id"], &[])
        }
        _ => return None,
    };
    let mut body: Value = serde_json::from_slice(&dispatch.body).ok()?;
    let object = body.as_object_mut()?;
    if other_addressees.iter().any(|k| object.contains_key(*k)) {
        return None;
    }
    for k in addressee {
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

/// The body of the merged call of dispatches to `endpoint` like `body` (a member's) for all of
/// `recipients`: see [`merged_wecom_body`] and [`merged_getui_body`].
pub fn merged_body(endpoint: &str, body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    match endpoint {
        endpoint::WECOM_MESSAGE_SEND => merged_wecom_body(body, recipients),
        endpoint::GETUI_PUSH_SINGLE_CID => merged_getui_body(body, recipients),
        _ => None,
    }
}

/// The merged call ([`merged_body`]) and whether a resend of it is safe, by the planner's rule
/// ([`super::plan::resend_safe`]) for the call it is sent as: a merged Getui call is a list push
/// ([`endpoint::GETUI_MERGED_LIST`]), never resent after an ambiguous failure; a merged WeCom
/// call keeps the members' duplicate check.
pub fn merged_call(endpoint: &str, body: &[u8], recipients: &[String]) -> Option<yizhan_store::MergedCall> {
    let body = merged_body(endpoint, body, recipients)?;
    let sent_as = if endpoint == endpoint::GETUI_PUSH_SINGLE_CID { endpoint::GETUI_MERGED_LIST } else { endpoint };
    Some(yizhan_store::MergedCall { resend_safe: super::plan::resend_safe(sent_as, &body), body })
}

/// The [`ListPushBody`] of a merged Getui call: `body` (a member's single push) without its
/// audience and with a fresh `request_id`, to the cids of `recipients` (`cid:<id>` each).
/// `None` if `body` is not a push body or a recipient is not a cid.
pub fn merged_getui_body(body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    let single: PushRequest = serde_json::from_slice(body).ok()?;
    let cids: Option<Vec<String>> = recipients.iter().map(|r| Recipient::parse(r).cid().map(str::to_owned)).collect();
    let message = PushRequest { audience: None, request_id: RequestId::random(), ..single };
    serde_json::to_vec(&ListPushBody { message, audience: Audience::Cid(cids?) }).ok()
}

/// The body of a merged WeCom call: `body` (a member's) with `touser` set to `recipients`
/// (`user:<id>` each). `None` if `body` is not a JSON object or a recipient is not a user.
pub fn merged_wecom_body(body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    let mut json: Value = serde_json::from_slice(body).ok()?;
    let users: Option<Vec<&str>> = recipients.iter().map(|r| Recipient::parse(r).user()).collect();
    json.as_object_mut()?.insert("touser".to_owned(), Value::String(users?.join("|")));
    serde_json::to_vec(&json).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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

    #[test]
    fn the_merged_body_names_every_user_once_joined_by_bars() {
        let merged = merged_wecom_body(
            &serde_json::to_vec(&text("alice", "hi")).unwrap(),
            &["user:alice".to_owned(), "user:bob".to_owned()],
        )
        .unwrap();
        let merged: Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(merged["touser"], "alice|bob");
        assert_eq!(merged["text"]["content"], "hi");
        assert_eq!(merged_wecom_body(b"{}", &["party:1".to_owned()]), None);
    }
}
