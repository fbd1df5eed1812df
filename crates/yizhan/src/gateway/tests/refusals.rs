//! Every refusal of [`super::super::plan()`] is a 422 naming the request field it concerns.

use serde_json::{Value, json};

use super::{notification, try_plan};

#[test]
fn every_refusal_is_a_422_naming_its_field() {
    let long = "x".repeat(2049);
    let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"channel": "ops", "content": {"text": "x"}}), "to"),
        (json!({"channel": "ops", "to": {"users": ["a b"]}, "content": {"text": "x"}}), "to.users"),
        (json!({"channel": "ops", "to": {"parties": many}, "content": {"text": "x"}}), "to.parties"),
        (json!({"channel": "ops", "to": {"users": ["a"], "all": true}, "content": {"text": "x"}}), "to.all"),
        (json!({"channel": "ops", "to": {"cids": ["c"]}, "content": {"text": "x"}}), "to.cids"),
        (json!({"channel": "ops", "to": {"chatid": "c", "users": ["a"]}, "content": {"text": "x"}}), "to.chatid"),
        (json!({"channel": "ops", "to": {"chatid": "c-1"}, "content": {"text": "x"}}), "to.chatid"),
        (json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": ""}}), "content.text"),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": long}, "options": {"overflow": "reject"}}),
            "content.text",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"markdown": long}, "options": {"overflow": "reject"}}),
            "content.markdown",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"card": {"title": "t", "description": "d", "url": "ftp://x"}}}),
            "content.card.url",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"image": {"url": "https://x.invalid/a.png"}}}),
            "content.image.url",
        ),
        (json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"file": {}}}), "content.file"),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"news": {"articles": []}}}),
            "content.news.articles",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"wecom": {"msgtype": "text", "text": {"content": ""}}}}),
            "content.wecom.text.content",
        ),
        (json!({"channel": "ops", "to": {"users": ["a"]}, "content": notification()}), "content"),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"markdown": "x"}, "options": {"safe": true}}),
            "options.safe",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": "x"}, "options": {"duplicate_check_interval": 20000}}),
            "options.duplicate_check_interval",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": "x"}, "options": {"request_id": "r-0123456789"}}),
            "options.request_id",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": "x"}, "options": {"send_at": "tomorrow"}}),
            "options.send_at",
        ),
        (
            json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"text": "x"}, "options": {"expires_at": "2026-11-23T07:00:00+08:00"}}),
            "options.expires_at",
        ),
        (json!({"channel": "bot", "to": {"users": ["a"]}, "content": {"text": "x"}}), "to.users"),
        (json!({"channel": "bot", "to": {"mentions": ["a"]}, "content": {"markdown": "x"}}), "to.mentions"),
        (json!({"channel": "bot", "to": {"mentions": ["a b"]}, "content": {"text": "x"}}), "to.mentions[0]"),
        (
            json!({"channel": "bot", "content": {"card": {"title": "t", "description": "d", "url": "https://x.invalid"}}}),
            "content",
        ),
        (json!({"channel": "bot", "content": {"text": "x"}, "options": {"safe": true}}), "options.safe"),
        (
            json!({"channel": "app", "to": {"cids": ["c"]}, "content": {"card": {"title": "t", "description": "d", "url": "https://x.invalid"}}}),
            "content",
        ),
        (json!({"channel": "app", "to": {"cids": ["c"]}, "content": {"getui": {}}}), "content.getui"),
        (
            json!({"channel": "app", "to": {"cids": ["c"]}, "content": {"getui": {"notification": {"title": "", "body": "b", "click_type": "startapp"}}}}),
            "content.getui.notification.title",
        ),
        (json!({"channel": "app", "to": {"cids": ["c"], "all": true}, "content": notification()}), "to"),
        (json!({"channel": "app", "to": {"users": ["a"]}, "content": notification()}), "to.users"),
        (json!({"channel": "app", "to": {"cids": ["c", "c"]}, "content": notification()}), "to.cids[1]"),
        (
            json!({"channel": "app", "to": {"cids": ["c"]}, "content": notification(), "options": {"request_id": "short"}}),
            "options.request_id",
        ),
        (
            json!({"channel": "app", "to": {"tag_conditions": [{"key": "", "values": ["v"]}]}, "content": notification()}),
            "to.tag_conditions[0].key",
        ),
    ];
    for (request, field) in cases {
        let text = request.to_string();
        let e = try_plan(request).expect_err(&text);
        assert_eq!((e.status, e.code, e.field.as_deref()), (422, "validation_failed", Some(field)), "{text}: {e}");
        assert!(e.message.starts_with(field), "{text}: {}", e.message);
    }
}
