//! Unit tests of planning: splitting, dedupe settings, Getui shapes and every 422 path.

use serde_json::{Value, json};

use super::plan::api_field;
use super::*;
use crate::config::Config;

mod overflow;
mod refusals;
mod resend;

/// 2026-11-23T08:00:00+08:00.
const NOW: i64 = 1_795_392_000_000;

const CONFIG: &str = "
[[channels]]
name = \"ops\"
kind = \"wecom_app\"
corp_id = \"ww\"
agent_id = 1000002
secret = \"s\"

[[channels]]
name = \"ops-600\"
kind = \"wecom_app\"
corp_id = \"ww\"
agent_id = 1000002
secret = \"s\"
duplicate_check_interval = 600

[[channels]]
name = \"ops-nodup\"
kind = \"wecom_app\"
corp_id = \"ww\"
agent_id = 1000002
secret = \"s\"
duplicate_check = false

[[channels]]
name = \"bot\"
kind = \"wecom_robot\"
key = \"k\"

[[channels]]
name = \"app\"
kind = \"getui\"
app_id = \"yizhandemo\"
app_key = \"k\"
master_secret = \"m\"
";

fn try_plan(request: Value) -> Result<Plan, ApiError> {
    let config = Config::parse(CONFIG, "test", &Default::default()).unwrap();
    let request: MessageRequest = serde_json::from_value(request).unwrap();
    plan(&request, config.channel(&request.channel).unwrap(), NOW)
}

fn body(plan: &Plan, i: usize) -> Value {
    serde_json::from_slice(&plan.dispatches[i].body).unwrap()
}

fn notification() -> Value {
    json!({"getui": {"notification": {"title": "t", "body": "b", "click_type": "startapp"}}})
}

#[test]
fn users_are_sent_1000_per_call_with_parties_and_tags_in_the_first() {
    let users: Vec<String> = (0..2500).map(|i| format!("u{i}")).collect();
    let plan = try_plan(json!({"channel": "ops", "to": {"users": users, "parties": ["1"], "tags": ["2"]},
        "content": {"text": "hi"}}))
    .unwrap();
    let sizes: Vec<usize> = (0..3).map(|i| body(&plan, i)["touser"].as_str().unwrap().split('|').count()).collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    assert_eq!((body(&plan, 0)["toparty"].clone(), body(&plan, 0)["totag"].clone()), (json!("1"), json!("2")));
    assert!(body(&plan, 1).get("toparty").is_none() && body(&plan, 2).get("totag").is_none());
    assert_eq!(body(&plan, 2)["touser"].as_str().unwrap().split('|').next(), Some("u2000"));
    assert_eq!(plan.dispatches[0].recipients.len(), 1002);
    assert_eq!(plan.dispatches[0].recipients[1000..], ["party:1", "tag:2"]);
    assert!(plan.dispatches.iter().all(|d| d.endpoint == endpoint::WECOM_MESSAGE_SEND && d.dedupe_id.is_none()));
}

#[test]
fn duplicate_check_covers_the_retry_horizon_unless_configured() {
    let interval = |channel: &str, options: Value| {
        let plan =
            try_plan(json!({"channel": channel, "to": {"all": true}, "content": {"text": "x"}, "options": options}))
                .unwrap();
        let b = body(&plan, 0);
        assert_eq!(b["touser"], "@all");
        (b.get("enable_duplicate_check").cloned(), b.get("duplicate_check_interval").cloned())
    };
    assert_eq!(interval("ops", json!({})), (Some(json!(1)), Some(json!(14400))));
    assert_eq!(interval("ops-600", json!({})), (Some(json!(1)), Some(json!(600))));
    assert_eq!(interval("ops-600", json!({"duplicate_check_interval": 60})), (Some(json!(1)), Some(json!(60))));
    assert_eq!(interval("ops-nodup", json!({})), (None, None));
}

#[test]
fn neutral_content_becomes_wecom_payloads() {
    let content = |content: Value| {
        let safe = content.get("image").is_some();
        let plan =
            try_plan(json!({"channel": "ops", "to": {"users": ["a"]}, "content": content, "options": {"safe": safe}}));
        body(&plan.unwrap(), 0)
    };
    let b =
        content(json!({"card": {"title": "T", "description": "D", "url": "https://x.invalid", "button_text": "Go"}}));
    assert_eq!(b["textcard"], json!({"title": "T", "description": "D", "url": "https://x.invalid", "btntxt": "Go"}));
    let b = content(json!({"image": {"media_id": "M"}}));
    assert_eq!(
        (b["msgtype"].clone(), b["image"]["media_id"].clone(), b["safe"].clone()),
        (json!("image"), json!("M"), json!(1))
    );
    let b = content(json!({"wecom": {"msgtype": "file", "file": {"media_id": "F"}}}));
    assert_eq!(b["file"]["media_id"], "F");
    let plan = try_plan(json!({"channel": "ops", "to": {"users": ["a"]},
        "content": {"news": {"articles": [{"title": "T", "url": "https://x.invalid", "picurl": "https://x.invalid/p.png"}]}}}))
    .unwrap();
    assert_eq!(body(&plan, 0)["news"]["articles"][0]["picurl"], "https://x.invalid/p.png");
}

#[test]
fn a_chatid_goes_to_appchat_send() {
    let plan = try_plan(json!({"channel": "ops", "to": {"chatid": "chat1"}, "content": {"text": "hi"}})).unwrap();
    assert_eq!(plan.dispatches[0].endpoint, endpoint::WECOM_APPCHAT_SEND);
    assert_eq!(body(&plan, 0), json!({"chatid": "chat1", "msgtype": "text", "text": {"content": "hi"}}));
    assert_eq!(plan.dispatches[0].recipients, ["chat:chat1"]);
}

#[test]
fn robot_text_carries_mentions() {
    let plan = try_plan(json!({"channel": "bot", "to": {"mentions": ["alice"], "mention_mobiles": ["13800000000"]},
        "content": {"text": "disk full"}}))
    .unwrap();
    assert_eq!(plan.dispatches.len(), 1);
    assert_eq!(plan.dispatches[0].endpoint, endpoint::WECOM_WEBHOOK_SEND);
    assert_eq!(
        body(&plan, 0),
        json!({"msgtype": "text", "text": {"content": "disk full", "mentioned_list": ["alice"],
            "mentioned_mobile_list": ["13800000000"]}})
    );
}

#[test]
fn getui_single_list_tag_and_all() {
    let single = try_plan(json!({"channel": "app", "to": {"cids": ["c1"]}, "content": notification()})).unwrap();
    let d = &single.dispatches[0];
    assert_eq!((d.endpoint, d.recipients.clone()), (endpoint::GETUI_PUSH_SINGLE_CID, vec!["cid:c1".to_owned()]));
    let b = body(&single, 0);
    assert_eq!(b["audience"], json!({"cid": ["c1"]}));
    assert_eq!(Some(b["request_id"].as_str().unwrap()), d.dedupe_id.as_deref());

    let alias = try_plan(json!({"channel": "app", "to": {"aliases": ["alice"]}, "content": notification()})).unwrap();
    assert_eq!(alias.dispatches[0].endpoint, endpoint::GETUI_PUSH_SINGLE_ALIAS);

    let cids: Vec<String> = (0..1500).map(|i| format!("cid{i}")).collect();
    let list = try_plan(json!({"channel": "app", "to": {"cids": cids}, "content": {"getui": {"transmission": "{}"}},
        "options": {"request_id": "fixed-request-1"}}))
    .unwrap();
    let create = &list.dispatches[0];
    assert_eq!((list.dispatches.len(), create.endpoint, create.after), (3, endpoint::GETUI_PUSH_LIST_MESSAGE, None));
    assert!(create.recipients.is_empty());
    let b = body(&list, 0);
    assert_eq!(b["request_id"], "fixed-request-1");
    assert!(b.get("audience").is_none());
    assert_eq!(create.dedupe_id.as_deref(), Some("fixed-request-1"));
    for (i, len) in [(1, 1000), (2, 500)] {
        let chunk = &list.dispatches[i];
        assert_eq!(
            (chunk.endpoint, chunk.after, chunk.dedupe_id.as_deref()),
            (endpoint::GETUI_PUSH_LIST_CID, Some(0), None)
        );
        assert_eq!(chunk.recipients.len(), len);
        let b = body(&list, i);
        assert_eq!(b["taskid"], "");
        let first = (i - 1) * 1000;
        assert_eq!(b["audience"]["cid"][0], format!("cid{first}"));
        assert_eq!(chunk.recipients[0], format!("cid:cid{first}"));
    }
    let aliases =
        try_plan(json!({"channel": "app", "to": {"aliases": ["a1", "a2"]}, "content": notification()})).unwrap();
    assert_eq!(aliases.dispatches[1].endpoint, endpoint::GETUI_PUSH_LIST_ALIAS);
    assert_eq!(body(&aliases, 1)["audience"], json!({"alias": ["a1", "a2"]}));

    let all = try_plan(json!({"channel": "app", "to": {"all": true}, "content": notification()})).unwrap();
    assert_eq!(
        (all.dispatches[0].endpoint, body(&all, 0)["audience"].clone()),
        (endpoint::GETUI_PUSH_ALL, json!("all"))
    );

    let tag = try_plan(json!({"channel": "app", "to": {"tag_conditions": [{"key": "region", "values": ["11000000"], "opt_type": "not"}]},
        "content": notification()}))
    .unwrap();
    assert_eq!(tag.dispatches[0].endpoint, endpoint::GETUI_PUSH_TAG);
    assert_eq!(body(&tag, 0)["audience"]["tag"][0]["opt_type"], "not");
    assert_eq!(tag.dispatches[0].recipients, ["tag_condition:region:not:11000000"]);

    let again = try_plan(json!({"channel": "app", "to": {"cids": ["c1"]}, "content": notification()})).unwrap();
    assert_ne!(again.dispatches[0].dedupe_id, single.dispatches[0].dedupe_id, "a new message gets a new request_id");
}

#[test]
fn send_at_and_expires_at_are_parsed_with_their_offsets() {
    let at = |options: Value| {
        try_plan(json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": "x"}, "options": options}))
    };
    assert_eq!(at(json!({"send_at": "2026-11-23T09:00:00+08:00"})).unwrap().send_at_ms, NOW + 3_600_000);
    assert_eq!(at(json!({"send_at": "2026-11-23T01:00:00Z"})).unwrap().send_at_ms, NOW + 3_600_000);
    assert_eq!(at(json!({"send_at": "2026-11-22T20:00:00-05:00"})).unwrap().send_at_ms, NOW + 3_600_000);
    assert_eq!(at(json!({"send_at": "2020-01-01T00:00:00Z"})).unwrap().send_at_ms, NOW, "a past time means now");
    assert_eq!(at(json!({})).unwrap().send_at_ms, NOW);
    let plan = at(json!({"expires_at": "2026-11-23T10:00:00+08:00", "exact": true})).unwrap();
    assert_eq!((plan.expires_at_ms, plan.exact), (Some(NOW + 7_200_000), true));
}

#[test]
fn provider_fields_map_to_request_fields() {
    let text = Content::Text("x".into());
    assert_eq!(api_field("touser", &text), "to.users");
    assert_eq!(api_field("audience.cid[3]", &text), "to.cids[3]");
    assert_eq!(api_field("text.content", &text), "content.text");
    assert_eq!(api_field("totally", &text), "content.text");
    let card =
        Content::Card(model::Card { title: "t".into(), description: "d".into(), url: "u".into(), button_text: None });
    assert_eq!(api_field("textcard.btntxt", &card), "content.card.button_text");
    assert_eq!(api_field("textcard.title", &card), "content.card.title");
}

#[test]
fn requests_round_trip_through_json() {
    let original = json!({
        "channel": "ops",
        "to": {"users": ["alice", "bob"], "parties": ["1"], "tag_conditions": [{"key": "k", "values": ["v"], "opt_type": "and"}]},
        "content": {"markdown": "**disk** full on `db-3`"},
        "options": {"send_at": "2026-11-23T09:00:00+08:00", "overflow": "split", "safe": true, "duplicate_check_interval": 60}
    });
    let request: MessageRequest = serde_json::from_value(original.clone()).unwrap();
    assert_eq!(serde_json::to_value(&request).unwrap(), original);
    for content in [
        notification(),
        json!({"wecom": {"msgtype": "text", "text": {"content": "x"}}}),
        json!({"wecom_robot": {"msgtype": "markdown_v2", "markdown_v2": {"content": "x"}}}),
        json!({"image": {"media_id": "m"}}),
    ] {
        let request: MessageRequest = serde_json::from_value(json!({"channel": "c", "content": content})).unwrap();
        let back: MessageRequest = serde_json::from_value(serde_json::to_value(&request).unwrap()).unwrap();
        assert_eq!(back, request);
    }
    let typo = serde_json::from_value::<MessageRequest>(
        json!({"channel": "c", "content": {"text": "x"}, "options": {"sendat": "x"}}),
    );
    assert!(typo.unwrap_err().to_string().contains("sendat"));
}
