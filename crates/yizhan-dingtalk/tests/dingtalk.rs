//! The DingTalk robot client against the emulator (an independent oracle that follows
//! docs/dingtalk-feishu.md): every message type of the emulator's golden fixtures is built by
//! the client byte for byte and delivered; refusals come back classified.

use std::time::Duration;

use serde_json::Value;
use yizhan_core::{Clock, FailureKind};
use yizhan_dingtalk::message::At;
use yizhan_dingtalk::{DingtalkClient, Message};
use yizhan_emulator::{DingtalkRobot, Emulator, EmulatorConfig, EmulatorHandle};

const TOKEN: &str = yizhan_emulator::DEFAULT_DINGTALK_ACCESS_TOKEN;
const SECRET: &str = yizhan_emulator::DEFAULT_DINGTALK_SECRET;

/// A golden file of the emulator's DingTalk fixtures.
fn fixture(name: &str) -> Value {
    let path = format!("{}/../yizhan-emulator/tests/fixtures/dingtalk/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("JSON fixture")
}

fn client(emu: &EmulatorHandle, secret: Option<&str>) -> DingtalkClient {
    let mut builder = DingtalkClient::builder(TOKEN.to_owned().into())
        .base_url(emu.base_url())
        .retry_policy(yizhan_core::RetryPolicy::none());
    if let Some(secret) = secret {
        builder = builder.secret(secret.to_owned().into());
    }
    builder.build().expect("client")
}

/// The emulator's golden requests, one per message type.
const GOLDEN: [&str; 6] = [
    "robot_send.text.request.json",
    "robot_send.markdown.request.json",
    "robot_send.link.request.json",
    "robot_send.actionCard.single.request.json",
    "robot_send.actionCard.multiple.request.json",
    "robot_send.feedCard.request.json",
];

#[tokio::test]
async fn every_message_type_is_built_as_the_golden_request_and_delivered_signed() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let robot = client(&emu, Some(SECRET));
    for name in GOLDEN {
        let golden = fixture(name);
        let message: Message = serde_json::from_value(golden.clone()).expect("the golden request parses");
        let body = DingtalkClient::prepare(&message).expect("valid");
        let wire: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(wire, golden, "{name}: the typed message keeps every field");
        robot.send(&message).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let inbox = emu.inbox();
        let last = inbox.last().expect("delivered");
        assert_eq!((last.provider.as_str(), last.msgtype.as_str()), ("dingtalk_robot", message.msgtype()), "{name}");
        assert_eq!(last.content, golden, "{name}: the emulator received the body unchanged");
        assert_eq!(last.dropped, None);
    }
    let inbox = emu.inbox();
    assert_eq!(inbox.len(), 6);
    assert_eq!(inbox[0].recipient, "manager7140,13800000000", "the text mentions its user id and mobile");
    assert_eq!(inbox[2].recipient, "group");
}

#[tokio::test]
async fn mentions_by_user_id_and_everyone_reach_the_inbox() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let robot = client(&emu, Some(SECRET));
    let at = At { at_user_ids: vec!["manager01".into()], is_at_all: true, ..At::default() };
    robot.send(&Message::text("release @manager01").with_at(at)).await.expect("sent");
    assert_eq!(emu.inbox()[0].recipient, "manager01,@all");
}

#[tokio::test]
async fn keyword_mode_sends_unsigned_and_a_missing_keyword_is_permanent() {
    let mut config = EmulatorConfig::default();
    config.dingtalk.robots = vec![DingtalkRobot::with_keywords(TOKEN, &["告警"])];
    let emu = Emulator::spawn(config).await.expect("emulator");
    let robot = client(&emu, None);
    robot.send(&Message::text("[告警] disk full")).await.expect("keyword present");
    let e = robot.send(&Message::text("disk full")).await.expect_err("no keyword");
    assert_eq!((e.kind(), e.code()), (FailureKind::Permanent, Some(310000)));
    assert!(e.to_string().contains("keywords not in content"), "{e}");
    assert_eq!(emu.inbox().len(), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_permanent_and_never_shows_in_the_error() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let robot = client(&emu, Some("SECwrong-secret"));
    let e = robot.send(&Message::text("x")).await.expect_err("sign not match");
    assert_eq!((e.kind(), e.code()), (FailureKind::Permanent, Some(310000)));
    let shown = format!("{e} {e:?} {robot:?}");
    assert!(!shown.contains("SECwrong-secret") && !shown.contains(TOKEN), "{shown}");
    let unsigned = client(&emu, None).send(&Message::text("x")).await.expect_err("a signed robot needs a sign");
    assert_eq!(unsigned.code(), Some(310000));
}

#[tokio::test]
async fn a_clock_an_hour_off_is_transient_since_each_attempt_signs_afresh() {
    let (clock, time) = Clock::manual(1_800_000_000_000);
    let emu = Emulator::spawn_with_clock(EmulatorConfig::default(), clock.clone()).await.expect("emulator");
    let (skewed, _) = Clock::manual(1_800_000_000_000 + 3_600_001);
    let robot = DingtalkClient::builder(TOKEN.to_owned().into())
        .secret(SECRET.to_owned().into())
        .base_url(emu.base_url())
        .retry_policy(yizhan_core::RetryPolicy::none())
        .clock(skewed)
        .build()
        .expect("client");
    let e = robot.send(&Message::text("x")).await.expect_err("invalid timestamp");
    assert_eq!((e.kind(), e.code()), (FailureKind::Transient, Some(310000)));
    drop(time);
}

#[tokio::test]
async fn the_twenty_first_message_of_a_minute_is_rate_limited_for_ten_minutes() {
    let mut config = EmulatorConfig::default();
    config.dingtalk.per_minute = 2;
    let emu = Emulator::spawn(config).await.expect("emulator");
    let robot = client(&emu, Some(SECRET));
    for i in 0..2 {
        robot.send(&Message::text(format!("m{i}"))).await.expect("within the limit");
    }
    let e = robot.send(&Message::text("m2")).await.expect_err("throttled");
    assert_eq!(e.code(), Some(410100));
    assert_eq!(e.kind(), FailureKind::RateLimited { retry_after: Some(Duration::from_secs(600)) });
}

#[tokio::test]
async fn system_busy_is_retried_by_a_client_with_a_retry_policy() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    emu.fail_next_on(yizhan_dingtalk::robot_send::PATH, 1, -1);
    let policy = yizhan_core::RetryPolicy { initial: Duration::from_millis(1), jitter: 0.0, ..Default::default() };
    let robot = DingtalkClient::builder(TOKEN.to_owned().into())
        .secret(SECRET.to_owned().into())
        .base_url(emu.base_url())
        .retry_policy(policy)
        .build()
        .expect("client");
    robot.send(&Message::text("after busy")).await.expect("the retry goes through");
    assert_eq!(emu.stats().dingtalk_calls, 2);
    assert_eq!(emu.inbox().len(), 1);
}

#[test]
fn every_documented_answer_is_classified() {
    use yizhan_dingtalk::errcode::classify;
    let permanent = FailureKind::Permanent;
    let throttled = FailureKind::RateLimited { retry_after: Some(Duration::from_secs(600)) };
    let expected = [
        ("robot_send.error--1.json", FailureKind::Transient),
        ("robot_send.error-300005.json", permanent),
        ("robot_send.error-310000-ip.json", permanent),
        ("robot_send.error-310000-keywords.json", permanent),
        ("robot_send.error-310000-sign.json", permanent),
        ("robot_send.error-310000-timestamp.json", FailureKind::Transient),
        ("robot_send.error-400102.json", permanent),
        ("robot_send.error-400105.json", permanent),
        ("robot_send.error-40035.json", permanent),
        ("robot_send.error-400402.json", permanent),
        ("robot_send.error-400403.json", permanent),
        ("robot_send.error-410100.json", throttled),
        ("robot_send.error-460101.json", permanent),
    ];
    for (name, kind) in expected {
        let answer = fixture(name);
        let code = answer["errcode"].as_i64().expect("errcode");
        assert_eq!(classify(code, answer["errmsg"].as_str().unwrap_or_default()), Some(kind), "{name}");
    }
    assert_eq!(classify(0, "ok"), None);
    // Codes of the documentation's table that the emulator has no fixture for.
    for (code, kind) in [
        (300001, permanent),
        (400013, permanent),
        (400101, permanent),
        (400106, permanent),
        (430101, permanent),
        (430104, permanent),
        (101002, permanent),
        (130101, throttled),
        (90030, FailureKind::RateLimited { retry_after: Some(Duration::from_secs(3600)) }),
        (123456, permanent),
    ] {
        assert_eq!(classify(code, ""), Some(kind), "{code}");
    }
}
