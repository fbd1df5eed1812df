//! Serde tests: the JSON shapes of the audience, the one-of content and the flat click type,
//! plus property tests that notifications round-trip through JSON.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn audience_shapes_on_the_wire() {
    let table = [
        (Audience::cid("c1"), json!({"cid": ["c1"]})),
        (Audience::aliases(["u1", "u2"]), json!({"alias": ["u1", "u2"]})),
        (
            Audience::Alias { alias: vec!["u1".into()], alias_type: Some("staff".into()) },
            json!({"alias": ["u1"], "alias_type": "staff"}),
        ),
        (
            Audience::Tag(vec![Condition::new(Condition::KEY_PHONE_TYPE, ["android"], OptType::And)]),
            json!({"tag": [{"key": "phone_type", "values": ["android"], "opt_type": "and"}]}),
        ),
        (Audience::FastCustomTag("vip".into()), json!({"fast_custom_tag": "vip"})),
        (Audience::All, json!("all")),
    ];
    for (audience, expected) in table {
        assert_eq!(to_json(&audience), expected);
        assert_eq!(serde_json::from_value::<Audience>(expected).unwrap(), audience);
    }
}

#[test]
fn ambiguous_or_unknown_audiences_are_rejected() {
    for bad in [json!("everyone"), json!({}), json!({"cid": ["c"], "alias": ["a"]}), json!(null), json!(["c"])] {
        assert!(serde_json::from_value::<Audience>(bad.clone()).is_err(), "{bad}");
    }
    let e = serde_json::from_value::<Audience>(json!({"cid": ["c"], "tag": []})).unwrap_err();
    assert!(e.to_string().contains("only one of"), "{e}");
}

#[test]
fn content_is_exactly_one_of_three() {
    let ok = json!({"transmission": "x", "network_type": 1});
    let message: PushMessage = serde_json::from_value(ok.clone()).unwrap();
    assert_eq!(message.content, Content::Transmission("x".into()));
    assert_eq!(message.network_type, Some(1));
    assert_eq!(to_json(&message), ok);
    let null_is_absent = json!({"transmission": "x", "revoke": null});
    assert!(serde_json::from_value::<PushMessage>(null_is_absent).is_ok());
    for bad in [
        json!({"transmission": "x", "notification": {"title": "t", "body": "b", "click_type": "none"}}),
        json!({"transmission": "x", "revoke": {"old_task_id": "t"}}),
        json!({"network_type": 0}),
    ] {
        let e = serde_json::from_value::<PushMessage>(bad.clone()).unwrap_err();
        assert!(e.to_string().contains(ONE_OF_MESSAGE), "{bad}: {e}");
    }
    let ups: Ups = serde_json::from_value(json!({"transmission": "x", "options": {"HW": {"k": 1}}})).unwrap();
    assert_eq!(ups.content.transmission(), Some("x"));
    assert!(serde_json::from_value::<Ups>(json!({"options": {}})).is_err());
}

#[test]
fn click_type_sits_flat_in_the_notification() {
    let n = Notification::new("t", "b", ClickType::Url("https://example.com".into()));
    assert_eq!(to_json(&n), json!({"title": "t", "body": "b", "click_type": "url", "url": "https://example.com"}));
    let n = Notification::new("t", "b", ClickType::PayloadCustom("{}".into()));
    assert_eq!(to_json(&n), json!({"title": "t", "body": "b", "click_type": "payload_custom", "payload": "{}"}));
    let n = Notification { notify_id: Some(7), ..Notification::new("t", "b", ClickType::Startapp) };
    assert_eq!(to_json(&n), json!({"title": "t", "body": "b", "click_type": "startapp", "notify_id": 7}));
}

#[test]
fn click_type_decoding_errors() {
    let decode = |v: Value| serde_json::from_value::<Notification>(v).map_err(|e| e.to_string());
    let e = decode(json!({"title": "t", "body": "b", "click_type": "url"})).unwrap_err();
    assert!(e.contains("requires `url`"), "{e}");
    let e = decode(json!({"title": "t", "body": "b", "click_type": "payload_custom", "url": "u"})).unwrap_err();
    assert!(e.contains("requires `payload`"), "{e}");
    let e = decode(json!({"title": "t", "body": "b"})).unwrap_err();
    assert!(e.contains("click_type"), "{e}");
    let e = decode(json!({"title": "t", "body": "b", "click_type": "deeplink"})).unwrap_err();
    assert!(e.contains("deeplink"), "{e}");
    let ok = decode(json!({"title": "t", "body": "b", "click_type": "none", "ring_name": "ding"})).unwrap();
    assert_eq!((ok.click_type, ok.ring_name.as_deref()), (ClickType::None, Some("ding")));
}

#[test]
fn a_push_without_options_sends_only_the_required_keys() {
    let value = to_json(&base());
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["audience", "push_message", "request_id"]);
    assert_eq!(
        to_json(&base().push_message),
        json!({"notification": {"title": "标题", "body": "正文", "click_type": "startapp"}})
    );
    let list = to_json(&PushRequest::without_audience(PushMessage::transmission("x")));
    assert!(list.get("audience").is_none(), "{list}");
}

#[test]
fn settings_strategy_is_an_object_and_unset_fields_are_omitted() {
    let s = Settings { strategy: Some([("default".into(), 1), ("ios".into(), 4)].into()), ..Settings::ttl(-1) };
    assert_eq!(to_json(&s), json!({"ttl": -1, "strategy": {"default": 1, "ios": 4}}));
    assert_eq!(to_json(&Settings::default()), json!({}));
    assert!(Settings::default().is_empty() && !s.is_empty());
}

fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

fn click_type() -> impl Strategy<Value = ClickType> {
    prop_oneof![
        text().prop_map(ClickType::Intent),
        text().prop_map(ClickType::Url),
        text().prop_map(ClickType::Payload),
        text().prop_map(ClickType::PayloadCustom),
        text().prop_map(ClickType::Want),
        Just(ClickType::Startapp),
        Just(ClickType::None),
    ]
}

fn notification_strategy() -> impl Strategy<Value = Notification> {
    (
        text(),
        text(),
        click_type(),
        proptest::option::of(text()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(text()),
        proptest::option::of(0i64..=4),
    )
        .prop_map(|(title, body, click, big_text, notify_id, thread_id, channel_level)| Notification {
            big_text,
            notify_id,
            thread_id,
            channel_level,
            ..Notification::new(title, body, click)
        })
}

proptest! {
    #[test]
    fn notifications_round_trip_through_json(n in notification_strategy()) {
        let text = serde_json::to_string(&n).unwrap();
        let back: Notification = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &n);
        let value = serde_json::to_value(&n).unwrap();
        prop_assert_eq!(&value["click_type"], &json!(n.click_type.as_str()));
        let extra = ["intent", "url", "payload", "want"].iter().filter(|k| value.get(**k).is_some()).count();
        prop_assert_eq!(extra, usize::from(n.click_type.field().is_some()));
    }

    #[test]
    fn messages_round_trip_through_json(n in notification_strategy(), t in text(), pick in 0u8..3) {
        let message = match pick {
            0 => PushMessage::notification(n),
            1 => PushMessage::transmission(t),
            _ => PushMessage::revoke(Revoke { force: Some(true), ..Revoke::new(t) }),
        };
        let back: PushMessage = serde_json::from_value(serde_json::to_value(&message).unwrap()).unwrap();
        prop_assert_eq!(back, message);
    }
}
