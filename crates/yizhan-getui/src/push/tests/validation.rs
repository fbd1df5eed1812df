//! Validation tables for the top level, the audience, settings and the Getui-channel message.

use super::*;

#[test]
fn request_id_and_group_name() {
    let id = |s: String| with(move |r| r.request_id = serde_json::from_value(s.into()).expect("a string"));
    run(vec![
        ("base", base(), None),
        ("random id", with(|r| r.request_id = RequestId::random()), None),
        ("id 9", id(a(9)), Some("request_id")),
        ("id 10", id(a(10)), None),
        ("id 32", id(a(32)), None),
        ("id 33", id(a(33)), Some("request_id")),
        ("id with dot", id("order.000001".to_owned()), Some("request_id")),
        ("group 100", with(|r| r.group_name = Some(a(100))), None),
        ("group 101", with(|r| r.group_name = Some(a(101))), Some("group_name")),
        ("group charset ok", with(|r| r.group_name = Some("Daily_news-2024".into())), None),
        ("group with space", with(|r| r.group_name = Some("daily news".into())), Some("group_name")),
        ("group cjk", with(|r| r.group_name = Some("日报".into())), Some("group_name")),
        ("group empty", with(|r| r.group_name = Some(String::new())), Some("group_name")),
    ]);
}

#[test]
fn audiences() {
    let aud = |a: Audience| with(move |r| r.audience = Some(a));
    let cids = |n: usize| Audience::cids((0..n).map(|i| format!("cid{i:05}")));
    let cond = |key: &str, values: &[&str]| Condition::new(key, values.iter().copied(), OptType::Or);
    run(vec![
        ("no audience (list message)", with(|r| r.audience = None), None),
        ("all", aud(Audience::All), None),
        ("1000 cids", aud(cids(1000)), None),
        ("1001 cids", aud(cids(1001)), Some("audience.cid")),
        ("no cids", aud(cids(0)), Some("audience.cid")),
        ("duplicate cid", aud(Audience::cids(["c1", "c2", "c1"])), Some("audience.cid[2]")),
        ("cid with comma", aud(Audience::cids(["c1", "c2,c3"])), Some("audience.cid[1]")),
        ("blank cid", aud(Audience::cid(" ")), Some("audience.cid[0]")),
        ("alias 39 cjk", aud(Audience::alias(cjk(39))), None),
        ("alias 40", aud(Audience::alias(a(40))), Some("audience.alias[0]")),
        ("alias with slash", aud(Audience::alias("a/b")), Some("audience.alias[0]")),
        ("alias type", aud(Audience::Alias { alias: vec!["u1".into()], alias_type: Some("staff".into()) }), None),
        (
            "blank alias type",
            aud(Audience::Alias { alias: vec!["u1".into()], alias_type: Some(String::new()) }),
            Some("audience.alias_type"),
        ),
        ("tag ok", aud(Audience::Tag(vec![cond("phone_type", &["android"])])), None),
        ("no conditions", aud(Audience::Tag(vec![])), Some("audience.tag")),
        ("no values", aud(Audience::Tag(vec![cond("region", &[])])), Some("audience.tag[0].values")),
        ("blank value", aud(Audience::Tag(vec![cond("region", &["1100", ""])])), Some("audience.tag[0].values[1]")),
        ("blank key", aud(Audience::Tag(vec![cond("", &["x"])])), Some("audience.tag[0].key")),
        ("fast tag 32", aud(Audience::FastCustomTag(a(32))), None),
        ("fast tag 33", aud(Audience::FastCustomTag(a(33))), Some("audience.fast_custom_tag")),
        ("fast tag space", aud(Audience::FastCustomTag("a b".into())), Some("audience.fast_custom_tag")),
    ]);
}

#[test]
fn audience_shapes() {
    use AudienceShape as S;
    let one = Audience::cid("c1");
    let two = Audience::cids(["c1", "c2"]);
    let alias = Audience::alias("u1");
    let (tag, fast) = (Audience::Tag(vec![]), Audience::FastCustomTag("t".into()));
    let table: Vec<(S, Option<&Audience>, bool)> = vec![
        (S::OneCid, Some(&one), true),
        (S::OneCid, Some(&two), false),
        (S::OneCid, Some(&alias), false),
        (S::OneCid, None, false),
        (S::OneAlias, Some(&alias), true),
        (S::OneAlias, Some(&one), false),
        (S::Cids, Some(&two), true),
        (S::Aliases, Some(&alias), true),
        (S::Aliases, Some(&two), false),
        (S::All, Some(&Audience::All), true),
        (S::All, Some(&one), false),
        (S::All, None, false),
        (S::Tag, Some(&tag), true),
        (S::FastCustomTag, Some(&fast), true),
        (S::Absent, None, true),
        (S::Absent, Some(&Audience::All), false),
    ];
    for (shape, audience, ok) in table {
        let got = shape.check(audience);
        assert_eq!(got.is_ok(), ok, "{shape:?} {audience:?}: {got:?}");
        if let Err(e) = got {
            assert_eq!(e.field, "audience");
        }
    }
    let e = S::OneCid.check(Some(&two)).unwrap_err();
    assert_eq!(e.problem, "is cid with 2 item(s); this endpoint needs exactly one cid: {\"cid\": [\"<cid>\"]}");
}

#[test]
fn settings_fields() {
    let strategy = |k: &str, v: i32| settings(|s| s.strategy = Some([(k.to_owned(), v)].into()));
    const DAY: i64 = 86_400_000;
    run(vec![
        ("empty settings", settings(|_| {}), None),
        ("ttl -1", settings(|s| s.ttl = Some(-1)), None),
        ("ttl -2", settings(|s| s.ttl = Some(-2)), Some("settings.ttl")),
        ("ttl 3 days", settings(|s| s.ttl = Some(259_200_000)), None),
        ("ttl 3 days + 1", settings(|s| s.ttl = Some(259_200_001)), Some("settings.ttl")),
        ("strategy 1", strategy("default", 1), None),
        ("strategy 6", strategy("xm", 6), None),
        ("strategy 5", strategy("ios", 5), Some("settings.strategy.ios")),
        ("strategy 0", strategy("default", 0), Some("settings.strategy.default")),
        ("strategy blank key", strategy("", 1), Some("settings.strategy.")),
        ("speed 0", settings(|s| s.speed = Some(0)), None),
        ("speed -1", settings(|s| s.speed = Some(-1)), Some("settings.speed")),
        ("schedule +1 min", settings(|s| s.schedule_time = Some(NOW + 60_000)), None),
        ("schedule +7 days", settings(|s| s.schedule_time = Some(NOW + 7 * DAY)), None),
        (
            "schedule +7 days +1",
            settings(|s| s.schedule_time = Some(NOW + 7 * DAY + 1)),
            Some("settings.schedule_time"),
        ),
        ("schedule now", settings(|s| s.schedule_time = Some(NOW)), Some("settings.schedule_time")),
        ("schedule as seconds", settings(|s| s.schedule_time = Some(NOW / 1000)), Some("settings.schedule_time")),
        ("active days 2", settings(|s| s.active_days = Some(2)), Some("settings.active_days")),
        ("active days 3", settings(|s| s.active_days = Some(3)), None),
        ("active days 15", settings(|s| s.active_days = Some(15)), None),
        ("active days 16", settings(|s| s.active_days = Some(16)), Some("settings.active_days")),
        ("filter day 0", settings(|s| s.activate_filter_day = Some(0)), Some("settings.activate_filter_day")),
        ("filter type -1", settings(|s| s.activate_filter_type = Some(-1)), None),
        ("filter type 0", settings(|s| s.activate_filter_type = Some(0)), Some("settings.activate_filter_type")),
        ("lst below ttl", settings(|s| (s.ttl, s.lst) = (Some(1000), Some(999))), None),
        ("lst = ttl", settings(|s| (s.ttl, s.lst) = (Some(1000), Some(1000))), Some("settings.lst")),
        ("lst 0", settings(|s| s.lst = Some(0)), Some("settings.lst")),
        ("platforms 1,3", settings(|s| s.active_push_platform = Some(vec![1, 3])), None),
        (
            "platform 4",
            settings(|s| s.active_push_platform = Some(vec![1, 4])),
            Some("settings.active_push_platform[1]"),
        ),
    ]);
    let e = settings(|s| s.schedule_time = Some(NOW + 8 * DAY)).validate(NOW).unwrap_err();
    assert!(e.problem.contains("at most 7 days ahead"), "{e}");
}

#[test]
fn message_contents() {
    let message = |m: PushMessage| with(move |r| r.push_message = m);
    let revoke = || PushMessage::revoke(Revoke::new("RASS_0109_3ed7bcb9904a2d8208261d0c78a1e999"));
    run(vec![
        ("transmission 3072", message(PushMessage::transmission(cjk(3072))), None),
        ("transmission 3073", message(PushMessage::transmission(cjk(3073))), Some("push_message.transmission")),
        ("transmission empty", message(PushMessage::transmission("")), Some("push_message.transmission")),
        ("revoke", message(revoke()), None),
        ("revoke blank", message(PushMessage::revoke(Revoke::new(""))), Some("push_message.revoke.old_task_id")),
        (
            "revoke with strategy",
            with(|r| {
                r.push_message = revoke();
                r.settings = Some(Settings { strategy: Some([("default".to_owned(), 1)].into()), ..Settings::ttl(1) });
            }),
            Some("settings.strategy"),
        ),
        ("network 1", with(|r| r.push_message.network_type = Some(1)), None),
        ("network 2", with(|r| r.push_message.network_type = Some(2)), Some("push_message.network_type")),
        ("duration 10 min + 1", message(PushMessage::transmission("x").with_duration(NOW, NOW + 600_001)), None),
        (
            "duration 10 min",
            message(PushMessage::transmission("x").with_duration(NOW, NOW + 600_000)),
            Some("push_message.duration"),
        ),
        ("duration garbage", with(|r| r.push_message.duration = Some("soon".into())), Some("push_message.duration")),
    ]);
}

#[test]
fn notification_fields() {
    const P: &str = "push_message.notification";
    let path = |f: &str| Some(format!("{P}.{f}"));
    run(vec![
        ("title 50 cjk", notification(|n| n.title = cjk(50)), None),
        ("title 51 cjk", notification(|n| n.title = cjk(51)), path("title")),
        ("title empty", notification(|n| n.title.clear()), path("title")),
        ("body 256", notification(|n| n.body = cjk(256)), None),
        ("body 257", notification(|n| n.body = cjk(257)), path("body")),
        ("body blank", notification(|n| n.body = " ".into()), path("body")),
        ("big_text 512", notification(|n| n.big_text = Some(a(512))), None),
        ("big_text 513", notification(|n| n.big_text = Some(a(513))), path("big_text")),
        ("big_image 1025", notification(|n| n.big_image = Some(a(1025))), path("big_image")),
        ("both big", notification(|n| (n.big_text, n.big_image) = (Some(a(1)), Some(a(1)))), path("big_image")),
        ("logo 64", notification(|n| n.logo = Some(a(64))), None),
        ("logo 65", notification(|n| n.logo = Some(a(65))), path("logo")),
        ("logo_url 257", notification(|n| n.logo_url = Some(a(257))), path("logo_url")),
        ("channel_id 65", notification(|n| n.channel_id = Some(a(65))), path("channel_id")),
        ("channel_name 65", notification(|n| n.channel_name = Some(a(65))), path("channel_name")),
        ("level 4", notification(|n| n.channel_level = Some(4)), None),
        ("level 5", notification(|n| n.channel_level = Some(5)), path("channel_level")),
        ("level -1", notification(|n| n.channel_level = Some(-1)), path("channel_level")),
        ("notify_id max", notification(|n| n.notify_id = Some(2_147_483_647)), None),
        ("notify_id max + 1", notification(|n| n.notify_id = Some(2_147_483_648)), path("notify_id")),
        ("notify_id -1", notification(|n| n.notify_id = Some(-1)), path("notify_id")),
        ("badge 0", notification(|n| n.badge_add_num = Some(0)), path("badge_add_num")),
        ("badge 1", notification(|n| n.badge_add_num = Some(1)), None),
        ("redisplay 0", notification(|n| n.redisplay_freq = Some(0)), None),
        ("redisplay 1", notification(|n| n.redisplay_freq = Some(1)), path("redisplay_freq")),
        ("redisplay 3", notification(|n| n.redisplay_freq = Some(3)), None),
        ("redisplay 4", notification(|n| n.redisplay_freq = Some(4)), path("redisplay_freq")),
        ("redisplay 25 h", notification(|n| n.redisplay_duration = Some(25)), path("redisplay_duration")),
    ]);
}

#[test]
fn click_types() {
    const P: &str = "push_message.notification";
    let click = |c: ClickType| notification(move |n| n.click_type = c);
    let path = |f: &str| Some(format!("{P}.{f}"));
    run(vec![
        ("none", click(ClickType::None), None),
        ("intent 4096", click(ClickType::Intent(a(4096))), None),
        ("intent 4097", click(ClickType::Intent(a(4097))), path("intent")),
        ("url 1024", click(ClickType::Url(a(1024))), None),
        ("url 1025", click(ClickType::Url(a(1025))), path("url")),
        ("url empty", click(ClickType::Url(String::new())), path("url")),
        ("payload 3072", click(ClickType::Payload(cjk(3072))), None),
        ("payload 3073", click(ClickType::Payload(cjk(3073))), path("payload")),
        ("payload_custom 3073", click(ClickType::PayloadCustom(a(3073))), path("payload")),
        ("want empty", click(ClickType::Want(String::new())), path("want")),
        ("want", click(ClickType::Want("{\"bundleName\":\"x\"}".into())), None),
    ]);
}
