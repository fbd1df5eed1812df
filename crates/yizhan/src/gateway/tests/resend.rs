//! Resend safety, decided once when a message is planned and stored with each dispatch.

use serde_json::json;

use super::super::coalesce::merged_call;
use super::super::plan::resend_safe;
use super::*;

/// `(endpoint, resend_safe)` of each planned dispatch, as stored.
fn safety(request: Value) -> Vec<(String, bool)> {
    let plan = try_plan(request).unwrap();
    let stored = plan.new_dispatches(None);
    assert_eq!(plan.dispatches.iter().map(PlannedDispatch::resend_safe).collect::<Vec<_>>(), {
        stored.iter().map(|d| d.resend_safe).collect::<Vec<_>>()
    });
    stored.into_iter().map(|d| (d.endpoint, d.resend_safe)).collect()
}

fn one(endpoint: &str, safe: bool) -> Vec<(String, bool)> {
    vec![(endpoint.to_owned(), safe)]
}

#[test]
fn each_endpoint_is_resent_only_with_the_providers_dedupe() {
    let text = json!({"text": "hi"});
    let ops = json!({"channel": "ops", "to": {"users": ["a"]}, "content": text});
    assert_eq!(safety(ops), one(endpoint::WECOM_MESSAGE_SEND, true), "enable_duplicate_check = 1");
    let nodup = json!({"channel": "ops-nodup", "to": {"users": ["a"]}, "content": text});
    assert_eq!(safety(nodup), one(endpoint::WECOM_MESSAGE_SEND, false), "duplicate_check = false");
    let chat = json!({"channel": "ops", "to": {"chatid": "chat1"}, "content": text});
    assert_eq!(safety(chat), one(endpoint::WECOM_APPCHAT_SEND, false));
    let bot = json!({"channel": "bot", "content": text});
    assert_eq!(safety(bot), one(endpoint::WECOM_WEBHOOK_SEND, false));

    let push = |to: Value| json!({"channel": "app", "to": to, "content": notification()});
    assert_eq!(safety(push(json!({"cids": ["c1"]}))), one(endpoint::GETUI_PUSH_SINGLE_CID, true));
    assert_eq!(safety(push(json!({"aliases": ["a1"]}))), one(endpoint::GETUI_PUSH_SINGLE_ALIAS, true));
    assert_eq!(safety(push(json!({"all": true}))), one(endpoint::GETUI_PUSH_ALL, true));
    let tag = json!({"tag_conditions": [{"key": "region", "values": ["11000000"], "opt_type": "or"}]});
    assert_eq!(safety(push(tag)), one(endpoint::GETUI_PUSH_TAG, true));
    let list = safety(push(json!({"cids": ["c1", "c2"]})));
    let want = [(endpoint::GETUI_PUSH_LIST_MESSAGE, true), (endpoint::GETUI_PUSH_LIST_CID, false)];
    assert_eq!(list, want.map(|(e, s)| (e.to_owned(), s)), "a chunk has no request_id");
    let aliases = safety(push(json!({"aliases": ["a1", "a2"]})));
    assert_eq!(aliases[1], (endpoint::GETUI_PUSH_LIST_ALIAS.to_owned(), false));
}

#[test]
fn merged_calls_keep_wecoms_duplicate_check_and_never_resend_a_getui_list_push() {
    let users = ["user:a".to_owned(), "user:b".to_owned()];
    let wecom = |check: u8| format!(r#"{{"touser":"a","msgtype":"text","enable_duplicate_check":{check}}}"#);
    let merged = merged_call(endpoint::WECOM_MESSAGE_SEND, wecom(1).as_bytes(), &users).unwrap();
    assert!(merged.resend_safe);
    assert!(!merged_call(endpoint::WECOM_MESSAGE_SEND, wecom(0).as_bytes(), &users).unwrap().resend_safe);
    let single = try_plan(json!({"channel": "app", "to": {"cids": ["c1"]}, "content": notification()})).unwrap();
    assert!(single.dispatches[0].resend_safe());
    let cids = ["cid:c1".to_owned(), "cid:c2".to_owned()];
    let merged = merged_call(endpoint::GETUI_PUSH_SINGLE_CID, &single.dispatches[0].body, &cids).unwrap();
    assert!(!merged.resend_safe, "the list push of a merged Getui call");
}

#[test]
fn the_rule_reads_the_dedupe_identity_of_the_body() {
    assert!(resend_safe(endpoint::WECOM_MESSAGE_SEND, br#"{"enable_duplicate_check":1}"#));
    assert!(!resend_safe(endpoint::WECOM_MESSAGE_SEND, br#"{"enable_duplicate_check":0}"#));
    assert!(!resend_safe(endpoint::WECOM_MESSAGE_SEND, br#"{}"#));
    assert!(resend_safe(endpoint::GETUI_PUSH_SINGLE_CID, br#"{"request_id":"abc"}"#));
    assert!(!resend_safe(endpoint::GETUI_PUSH_SINGLE_CID, br#"{"request_id":""}"#));
    assert!(resend_safe(endpoint::GETUI_PUSH_LIST, br#"{"message":{"request_id":"abc"},"audience":{}}"#));
    assert!(!resend_safe(endpoint::GETUI_MERGED_LIST, br#"{"message":{"request_id":"abc"},"audience":{}}"#));
    assert!(!resend_safe(endpoint::WECOM_WEBHOOK_SEND, br#"{"enable_duplicate_check":1}"#));
    assert!(!resend_safe(endpoint::WECOM_APPCHAT_SEND, br#"{"enable_duplicate_check":1}"#));
    assert!(!resend_safe(endpoint::WECOM_MESSAGE_SEND, b"not json"));
}
