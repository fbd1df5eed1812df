//! Golden requests: every endpoint body is built through the typed API, serialized, and compared
//! (as `serde_json::Value`) with a fixture written by hand from the reference shapes; each
//! fixture must also decode back into an equal request, and validate.

use std::fmt::Debug;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use yizhan_getui::api::{
    CidAlias, CidList, auth, push_all, push_fast_custom_tag, push_list_alias, push_list_cid, push_list_message,
    push_single_alias, push_single_batch_alias, push_single_batch_cid, push_single_cid, push_tag, user_alias_bind,
    user_alias_unbind, user_custom_tag_batch_bind, user_custom_tag_batch_unbind, user_custom_tag_bind,
};
use yizhan_getui::push::{
    Alert, AndroidChannel, Aps, Audience, ClickType, Condition, Content, HarmonyChannel, HarmonyNotification,
    IosChannel, IosPushType, Multimedia, Notification, OptType, PushChannel, PushMessage, PushRequest, RequestId,
    Revoke, Settings, Ups, UpsNotification, UpsRevoke,
};

const NOW: i64 = 1_700_000_000_000;
const CID1: &str = "0e4c0b53f2c8a6b7d9e1f3a5c7b9d1e3";
const CID2: &str = "7f1a2b3c4d5e6f708192a3b4c5d6e7f8";
const CID3: &str = "c0ffee00c0ffee00c0ffee00c0ffee00";
const LIST_TASK: &str = "RASL-0601_a1f0c2d3e4b5a6978899aabbccddeeff";
const OLD_TASK: &str = "RASS_0109_3ed7bcb9904a2d8208261d0c78a1e999";
const SHIPPED: &str = "订单已发货";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/getui").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serializes `request`, compares it with the fixture, and decodes the fixture back.
fn assert_golden<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, request: &T) {
    let expected = fixture(name);
    let actual = serde_json::to_value(request).expect("request serializes");
    assert_eq!(actual, expected, "{name}: serialized request differs from the fixture");
    let decoded: T = serde_json::from_value(expected).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&decoded, request, "{name}: fixture does not decode into the same request");
}

fn id(s: &str) -> RequestId {
    RequestId::parse(s).expect("a valid request id")
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn notification(title: &str, body: &str, click_type: ClickType) -> PushMessage {
    PushMessage::notification(Notification::new(title, body, click_type))
}

#[test]
fn auth_is_signed_over_the_sent_timestamp() {
    let request = auth::Request::signed("yizhan-demo-appkey", "yizhan-demo-master", 1_700_000_000_000);
    assert_golden("auth.request.json", &request);
    assert!(request.is_signed_by("yizhan-demo-master"));
}

#[test]
fn minimal_single_push_from_the_reference() {
    let mut request = push_single_cid::Request::new(CID1, notification("t", "b", ClickType::Startapp));
    request.0.request_id = id("a1b2c3d4e5f6a7b8c9d0");
    request.0.settings = Some(Settings::ttl(7_200_000));
    assert_golden("push_single_cid.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));
}

#[test]
fn a_push_with_no_options_emits_no_option_keys() {
    let request = push_single_cid::Request::new(CID1, notification("t", "b", ClickType::Startapp));
    let value = serde_json::to_value(&request).expect("serializes");
    for key in ["settings", "push_channel", "group_name"] {
        assert!(value.get(key).is_none(), "{key} must be omitted when unset: {value}");
    }
    assert_eq!(value["audience"], json!({"cid": [CID1]}));
    assert_eq!(value["request_id"].as_str().map(str::len), Some(32));
}

fn full_ios() -> IosChannel {
    let alert = Alert {
        title: s(SHIPPED),
        body: s("您的订单 #1024 已从上海仓发出，预计明天送达。"),
        subtitle: s("顺丰速运"),
        loc_key: s("ORDER_SHIPPED"),
        loc_args: Some(vec!["1024".into()]),
        ..Alert::default()
    };
    let aps = Aps {
        alert: Some(alert),
        content_available: Some(0),
        sound: s("default"),
        category: s("ORDER"),
        thread_id: s("orders"),
        ..Aps::default()
    };
    IosChannel {
        push_type: Some(IosPushType::Notify),
        aps: Some(aps),
        auto_badge: s("+1"),
        payload: s("{\"order\":1024}"),
        multimedia: Some(vec![Multimedia {
            url: "https://shop.example.com/static/parcel.jpg".into(),
            media_type: Multimedia::IMAGE,
            only_wifi: Some(false),
        }]),
        apns_collapse_id: s("order-1024"),
    }
}

fn full_android() -> AndroidChannel {
    let intent = "intent://com.example.shop/detail?#Intent;scheme=gtpushscheme;launchFlags=0x4000000;package=com.example.shop;component=com.example.shop/com.example.shop.OrderActivity;S.order=1024;end";
    let n = UpsNotification {
        notify_id: Some(1024),
        ..UpsNotification::new(SHIPPED, "您的订单 #1024 已发出", ClickType::Intent(intent.into()))
    };
    let options = json!({
        "HW": {"/message/android/notification/importance": "NORMAL", "/message/android/category": "EXPRESS"},
        "XM": {"/extra.channel_id": "orders"},
        "VV": {"classification": 1},
        "OP": {"channel": "orders"}
    });
    let options = serde_json::from_value(options).expect("options");
    Ups { options: Some(options), ..Ups::new(Content::Notification(n)) }.into()
}

fn full_harmony() -> HarmonyChannel {
    let want = r#"{"deviceId":"","bundleName":"com.example.shop","abilityName":"EntryAbility","uri":"orders/1024"}"#;
    let n = HarmonyNotification {
        title: SHIPPED.into(),
        body: "您的订单 #1024 已发出".into(),
        category: s("EXPRESS"),
        click_type: ClickType::Want(want.into()),
        notify_id: Some(1024),
    };
    let options = serde_json::from_value(json!({"HW": {"/payload/notification/notifyId": 1024}})).expect("options");
    HarmonyChannel { content: Content::Notification(n), options: Some(options) }
}

#[test]
fn single_push_with_every_channel() {
    let n = Notification {
        big_text: s("包裹由顺丰承运，运单号 SF1234567890。点击查看物流详情。"),
        logo: s("push.png"),
        logo_url: s("https://shop.example.com/static/logo.png"),
        channel_id: s("orders"),
        channel_name: s("订单通知"),
        channel_level: Some(4),
        notify_id: Some(1024),
        ring_name: s("ding"),
        badge_add_num: Some(1),
        thread_id: s("orders"),
        ..Notification::new(
            SHIPPED,
            "您的订单 #1024 已从上海仓发出，预计明天送达。",
            ClickType::Url("https://shop.example.com/orders/1024".into()),
        )
    };
    let mut push =
        PushRequest::new(Audience::cid(CID1), PushMessage { network_type: Some(0), ..PushMessage::notification(n) });
    push.request_id = id("9f86d081884c7d659a2feaa0c55ad015");
    push.settings = Some(Settings {
        strategy: Some([("default".into(), 1), ("ios".into(), 4), ("hw".into(), 2)].into()),
        filter_notify_off: Some(true),
        ..Settings::ttl(3_600_000)
    });
    push.push_channel =
        Some(PushChannel { ios: Some(full_ios()), android: Some(full_android()), harmony: Some(full_harmony()) });
    let request = push_single_cid::Request(push);
    assert_golden("push_single_cid.full.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));
}

#[test]
fn single_push_revoke() {
    let revoke = Revoke { force: Some(false), ..Revoke::new(OLD_TASK) };
    let mut request = push_single_cid::Request::new(CID1, PushMessage::revoke(revoke));
    request.0.request_id = id("revoke-1024-0001");
    let ups = Ups::new(Content::Revoke(UpsRevoke { old_task_id: OLD_TASK.into() }));
    request.0.push_channel = Some(PushChannel { android: Some(ups.into()), ..PushChannel::default() });
    assert_golden("push_single_cid.revoke.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));
}

#[test]
fn single_alias_transmission_with_apns() {
    let mut request = push_single_alias::Request::new(
        "张三_01",
        PushMessage::transmission(r#"{"type":"chat","from":"李四","text":"晚上一起吃饭？"}"#),
    );
    request.0.request_id = id("0c3b1d6c8a2e4f5a9b7d1e3f5a7c9b1d");
    request.0.audience = Some(Audience::Alias { alias: vec!["张三_01".into()], alias_type: s("staff") });
    request.0.settings = Some(Settings::ttl(-1));
    let alert = Alert { title: s("李四"), body: s("晚上一起吃饭？"), ..Alert::default() };
    let aps = Aps { alert: Some(alert), content_available: Some(0), sound: s("default"), ..Aps::default() };
    let ios = IosChannel {
        push_type: Some(IosPushType::Notify),
        aps: Some(aps),
        auto_badge: s("+1"),
        payload: s(r#"{"type":"chat"}"#),
        ..IosChannel::default()
    };
    request.0.push_channel = Some(PushChannel { ios: Some(ios), ..PushChannel::default() });
    assert_golden("push_single_alias.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));
}

#[test]
fn batch_single_pushes() {
    let bill = notification("账单提醒", "本月账单 ¥128.00", ClickType::Payload(r#"{"bill":"2024-05"}"#.into()));
    let first = PushRequest::new(Audience::cid(CID1), bill).with_request_id(id("batch-0001-aaaaaaaaaaaa"));
    let second =
        PushRequest::new(Audience::cid(CID2), PushMessage::transmission(r#"{"bill":"2024-05","amount":"96.50"}"#))
            .with_request_id(id("batch-0002-bbbbbbbbbbbb"));
    let request = push_single_batch_cid::Request {
        is_async: Some(false),
        ..push_single_batch_cid::Request::new(vec![first, second])
    };
    assert_golden("push_single_batch_cid.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));

    let failed = notification("Build failed", "main #812: 3 tests failed", ClickType::None);
    let item = PushRequest::new(Audience::alias("user_1001"), failed).with_request_id(id("alias-batch-0001"));
    let request = push_single_batch_alias::Request { is_async: Some(true), msg_list: vec![item] };
    assert_golden("push_single_batch_alias.request.json", &request);
    assert_eq!(request.validate(NOW), Ok(()));
}

#[test]
fn list_push_message_then_cids_and_aliases() {
    let news = notification("今日要闻", "点击查看今天的三条要闻", ClickType::Payload(r#"{"page":"news"}"#.into()));
    let mut message = push_list_message::Request::new(news);
    message.0.request_id = id("listmsg-20240601-0001");
    message.0.group_name = s("daily_news-2024");
    message.0.settings = Some(Settings::ttl(7_200_000));
    assert_golden("push_list_message.request.json", &message);
    assert_eq!(message.validate(NOW), Ok(()));

    let cids =
        push_list_cid::Request { is_async: Some(false), ..push_list_cid::Request::new(LIST_TASK, [CID1, CID2, CID3]) };
    assert_golden("push_list_cid.request.json", &cids);
    assert_eq!(cids.validate(), Ok(()));

    let aliases = push_list_alias::Request {
        is_async: Some(false),
        need_alias_detail: Some(true),
        ..push_list_alias::Request::new(LIST_TASK, ["user_1001", "user_1002"])
    };
    assert_golden("push_list_alias.request.json", &aliases);
    assert_eq!(aliases.validate(), Ok(()));
    assert!(aliases.expects_alias_detail());
}

#[test]
fn app_pushes_all_tag_and_fast_custom_tag() {
    let intent = "intent:#Intent;component=com.example.app/.NoticeActivity;S.id=maintenance;end";
    let mut all = push_all::Request::new(notification(
        "系统维护通知",
        "今晚 23:00–24:00 系统维护，期间暂停服务。",
        ClickType::Intent(intent.into()),
    ));
    all.0.request_id = id("all-20231114-maintenance");
    all.0.group_name = s("maintenance");
    all.0.settings =
        Some(Settings { speed: Some(500), schedule_time: Some(NOW + 3_600_000), ..Settings::ttl(86_400_000) });
    assert_golden("push_all.request.json", &all);
    assert_eq!(all.validate(NOW), Ok(()));

    let conditions = vec![
        Condition::new(Condition::KEY_PHONE_TYPE, ["android"], OptType::And),
        Condition::new(Condition::KEY_REGION, ["11000000", "31000000"], OptType::Or),
        Condition::new(Condition::KEY_CUSTOM_TAG, ["tagtest"], OptType::Not),
    ];
    let promo = notification("周末活动", "满 100 减 20", ClickType::PayloadCustom(r#"{"promo":"weekend"}"#.into()));
    let mut tag = push_tag::Request::new(conditions, promo);
    tag.0.request_id = id("tag-push-beijing-android");
    tag.0.settings = Some(Settings { schedule_time: Some(NOW + 86_400_000), ..Settings::ttl(3_600_000) });
    assert_golden("push_tag.request.json", &tag);
    assert_eq!(tag.validate(NOW), Ok(()));

    let coupon = PushMessage { network_type: Some(1), ..PushMessage::transmission(r#"{"coupon":"VIP20"}"#) }
        .with_duration(NOW, NOW + 3_600_000);
    let mut fast = push_fast_custom_tag::Request::new("vip", coupon);
    fast.0.request_id = id("fast-tag-vip-0001");
    assert_golden("push_fast_custom_tag.request.json", &fast);
    assert_eq!(fast.validate(NOW), Ok(()));
}

#[test]
fn endpoint_audience_shapes_are_enforced() {
    let message = || notification("t", "b", ClickType::Startapp);
    let two = push_single_cid::Request(PushRequest::new(Audience::cids([CID1, CID2]), message()));
    assert_eq!(two.validate(NOW).map_err(|e| e.field), Err("audience".to_owned()));
    let all_on_single = push_single_cid::Request(PushRequest::new(Audience::All, message()));
    assert!(all_on_single.validate(NOW).is_err());
    let cid_on_all = push_all::Request(PushRequest::new(Audience::cid(CID1), message()));
    assert!(cid_on_all.validate(NOW).is_err());
    let with_audience = push_list_message::Request(PushRequest::new(Audience::cid(CID1), message()));
    assert!(with_audience.validate(NOW).is_err());
    let cid_in_alias_batch =
        push_single_batch_alias::Request::new(vec![PushRequest::new(Audience::cid(CID1), message())]);
    assert_eq!(cid_in_alias_batch.validate(NOW).map_err(|e| e.field), Err("msg_list[0].audience".to_owned()));
    let same_id = PushRequest::new(Audience::cid(CID1), message());
    let twice = push_single_batch_cid::Request::new(vec![same_id.clone(), same_id]);
    assert_eq!(twice.validate(NOW).map_err(|e| e.field), Err("msg_list[1].request_id".to_owned()));
    let too_many = push_single_batch_cid::Request::new(
        (0..201).map(|_| PushRequest::new(Audience::cid(CID1), message())).collect(),
    );
    assert_eq!(too_many.validate(NOW).map_err(|e| e.field), Err("msg_list".to_owned()));
}

#[test]
fn user_bodies() {
    let bind = user_alias_bind::Request {
        alias_type: s("staff"),
        ..user_alias_bind::Request::new(vec![CidAlias::new(CID1, "user_1001"), CidAlias::new(CID2, "张三_01")])
    };
    assert_golden("user_alias_bind.request.json", &bind);
    assert_eq!(bind.validate(), Ok(()));
    let unbind = user_alias_unbind::Request::new(vec![CidAlias::new(CID1, "user_1001")]);
    assert_golden("user_alias_unbind.request.json", &unbind);
    assert_eq!(unbind.validate(), Ok(()));
    let tags = user_custom_tag_bind::Request::new(["vip", "北京", "beta_tester"]);
    assert_golden("user_custom_tag_bind.request.json", &tags);
    assert_eq!(tags.validate(), Ok(()));
    let batch: user_custom_tag_batch_bind::Request = CidList::new([CID1, CID2]);
    assert_golden("user_custom_tag_batch_bind.request.json", &batch);
    assert_eq!(batch.validate(), Ok(()));
    let batch: user_custom_tag_batch_unbind::Request = CidList::new([CID3]);
    assert_golden("user_custom_tag_batch_unbind.request.json", &batch);
    assert_eq!(batch.validate(), Ok(()));
}

#[test]
fn user_body_limits() {
    let dup = user_alias_bind::Request::new(vec![CidAlias::new(CID1, "a1"), CidAlias::new(CID1, "a2")]);
    assert_eq!(dup.validate().map_err(|e| e.field), Err("data_list[1].cid".to_owned()));
    let crowded =
        user_alias_bind::Request::new((0..11).map(|i| CidAlias::new(format!("cid{i:04}"), "shared")).collect());
    assert_eq!(crowded.validate().map_err(|e| e.field), Err("data_list[10].alias".to_owned()));
    let spaced = user_custom_tag_bind::Request::new(["vip", "beta tester"]);
    assert_eq!(spaced.validate().map_err(|e| e.field), Err("custom_tag[1]".to_owned()));
    let many = user_custom_tag_bind::Request::new((0..101).map(|i| format!("t{i}")));
    assert_eq!(many.validate().map_err(|e| e.field), Err("custom_tag".to_owned()));
    let long = user_custom_tag_bind::Request::new((0..17).map(|i| format!("{i:0>31}")));
    assert!(long.validate().is_err_and(|e| e.problem.contains("512")), "17 × 31 = 527 characters");
    assert!(CidList::new(Vec::<String>::new()).validate().is_err());
}
