//! The robot client against the emulator: delivery of every msgtype, the 20-per-minute window
//! (client-side pre-emptive limiting, and WeCom's 45009 when it is off), uploads, errors, and
//! the webhook key staying out of every error and Debug output.

use std::time::Duration;

use secrecy::SecretString;
use yizhan_core::{Clock, FailureKind, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle, RobotStatus, WecomRobot};
use yizhan_wecom::Error;
use yizhan_wecom::message::template_card::{CardAction, TextNotice};
use yizhan_wecom::robot::{MediaKind, RobotArticle, RobotClient, RobotClientBuilder, RobotMessage, RobotText};

const KEY: &str = "yizhan-demo-robot-key";
const OTHER: &str = "0f3c9a4e-other-robot-key";
const SEND: &str = "/cgi-bin/webhook/send";
const START_MS: i64 = 1_700_000_000_000;

async fn emulator(clock: Clock) -> EmulatorHandle {
    let mut config = EmulatorConfig::default();
    config.wecom.robots.push(WecomRobot::new(OTHER));
    config.wecom.robots.push(WecomRobot { key: "disabled-robot-key".into(), status: RobotStatus::Disabled });
    Emulator::spawn_with_clock(config, clock).await.expect("emulator starts")
}

fn builder(emu: &EmulatorHandle, key: &str) -> RobotClientBuilder {
    let fast =
        RetryPolicy { initial: Duration::from_millis(5), max: Duration::from_millis(20), ..RetryPolicy::default() };
    RobotClient::builder(SecretString::from(key.to_owned())).base_url(emu.base_url()).retry_policy(fast)
}

fn robot(emu: &EmulatorHandle, key: &str) -> RobotClient {
    builder(emu, key).build().expect("client builds")
}

fn retry_after(e: &Error) -> Duration {
    match e.kind() {
        FailureKind::RateLimited { retry_after: Some(d) } => d,
        other => panic!("expected RateLimited with retry_after, got {other:?}: {e}"),
    }
}

#[tokio::test]
async fn all_eight_msgtypes_are_delivered() {
    let emu = emulator(Clock::System).await;
    let robot = robot(&emu, KEY);
    let file_id = robot.upload_media(MediaKind::File, "周报.pdf", b"%PDF-1.4 weekly".to_vec()).await.expect("file");
    let voice_id =
        robot.upload_media(MediaKind::Voice, "hello.amr", b"#!AMR\n0123456789".to_vec()).await.expect("voice");
    let messages = [
        RobotText::new("deploy done").mention(["alice"]).mention_mobile(["@all"]).into(),
        RobotMessage::markdown("**db-3** <font color=\"warning\">98%</font>"),
        RobotMessage::markdown_v2("| host | disk |\n| :-- | --: |\n| db-3 | 98% |"),
        RobotMessage::image_from_bytes(b"\x89PNG\r\n\x1a\nnot really a picture"),
        RobotMessage::news([RobotArticle::new("Release 1.2", "https://example.com/1.2")]),
        RobotMessage::file(file_id),
        RobotMessage::voice(voice_id),
        RobotMessage::template_card(TextNotice::new("Build failed", CardAction::url("https://ci.example.com/812"))),
    ];
    for message in &messages {
        robot.send(message).await.unwrap_or_else(|e| panic!("{}: {e}", message.msgtype()));
    }
    let inbox = emu.inbox();
    let types: Vec<&str> = inbox.iter().map(|d| d.msgtype.as_str()).collect();
    assert_eq!(types, ["text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card"]);
    assert!(inbox.iter().all(|d| d.provider == "wecom_robot" && d.app == "yizh…"));
    assert_eq!(inbox[0].recipient, "alice,@all");
    let stats = emu.stats();
    assert_eq!((stats.robot_calls, stats.robot_upload_calls, stats.errors), (8, 2, 0));
    assert_eq!(robot.sent_in_window(), 8, "uploads do not count toward the message budget");
}

#[tokio::test]
async fn twenty_five_sends_in_a_minute_deliver_twenty_and_send_no_request_beyond_the_window() {
    let emu = emulator(Clock::System).await;
    let robot = robot(&emu, KEY);
    let mut results = Vec::new();
    for i in 0..25 {
        results.push(robot.send(&RobotMessage::text(format!("tick {i}"))).await);
    }
    assert!(results[..20].iter().all(Result::is_ok), "{:?}", results.iter().position(Result::is_err));
    for e in results[20..].iter().map(|r| r.as_ref().expect_err("over the limit")) {
        let wait = retry_after(e);
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(e.code(), None, "refused locally, not by WeCom: {e}");
    }
    assert_eq!(emu.stats().robot_calls, 20, "pre-emptive limiting: the 21st to 25th were never sent");
    assert_eq!(emu.inbox().len(), 20);
}

#[tokio::test]
async fn the_local_wait_is_the_rest_of_the_window_by_the_injected_clock() {
    let (clock, time) = Clock::manual(START_MS);
    let emu = emulator(clock.clone()).await;
    let robot = builder(&emu, KEY).clock(clock).build().expect("client");
    for _ in 0..20 {
        robot.send(&RobotMessage::text("x")).await.expect("within the limit");
        time.advance(Duration::from_secs(1));
    }
    let e = robot.send(&RobotMessage::text("21st")).await.expect_err("limited");
    assert_eq!(retry_after(&e), Duration::from_secs(40), "first send at t=0 leaves at t=60; now t=20");
    time.advance(Duration::from_secs(40));
    robot.send(&RobotMessage::text("after the wait")).await.expect("a slot is free");
    assert_eq!(emu.stats().robot_calls, 21);
}

#[tokio::test]
async fn without_local_limiting_wecom_answers_45009_and_the_robot_is_blocked_for_the_window() {
    let (clock, time) = Clock::manual(START_MS);
    let emu = emulator(clock.clone()).await;
    let robot = builder(&emu, KEY).clock(clock).local_rate_limit(None).build().expect("client");
    for _ in 0..20 {
        robot.send(&RobotMessage::text("x")).await.expect("within the limit");
        time.advance(Duration::from_millis(500));
    }
    let e = robot.send(&RobotMessage::text("21st")).await.expect_err("45009");
    assert_eq!(e.code(), Some(45009));
    assert_eq!(retry_after(&e), Duration::from_secs(50), "rest of the window from the client's record");
    assert_eq!(emu.stats().robot_calls, 21);
    let e = robot.send(&RobotMessage::text("22nd")).await.expect_err("blocked");
    assert_eq!(retry_after(&e), Duration::from_secs(50));
    assert_eq!(emu.stats().robot_calls, 21, "the block is local: no request");
    time.advance(Duration::from_secs(50));
    robot.send(&RobotMessage::text("after the block")).await.expect("window has room");
}

#[tokio::test]
async fn over_long_markdown_is_rejected_before_sending() {
    let emu = emulator(Clock::System).await;
    let robot = robot(&emu, KEY);
    let e = robot.send(&RobotMessage::markdown("字".repeat(1366))).await.expect_err("too long");
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert_eq!(e.to_string(), "invalid request: markdown.content: is 4098 bytes; the limit is 4096 bytes (UTF-8)");
    assert_eq!(e.kind(), FailureKind::Permanent);
    assert_eq!(emu.stats().robot_calls, 0);
    assert_eq!(robot.sent_in_window(), 0);
}

#[tokio::test]
async fn media_of_another_robot_is_refused() {
    let emu = emulator(Clock::System).await;
    let media_id =
        robot(&emu, OTHER).upload_media(MediaKind::File, "a.txt", b"hello world".to_vec()).await.expect("upload");
    let e = robot(&emu, KEY).send(&RobotMessage::file(media_id)).await.expect_err("not this robot's media");
    assert_eq!((e.code(), e.kind()), (Some(40007), FailureKind::Permanent));
    let e = robot(&emu, KEY).upload_media(MediaKind::Voice, "v.mp3", b"ID3 not amr".to_vec()).await.expect_err("bad");
    assert!(matches!(e, Error::Invalid(_)), "checked before uploading: {e}");
    assert_eq!(emu.stats().robot_upload_calls, 1);
}

#[tokio::test]
async fn robot_errors_are_permanent_and_busy_is_retried() {
    let emu = emulator(Clock::System).await;
    let e = robot(&emu, "not-a-configured-key").send(&RobotMessage::text("x")).await.expect_err("93000");
    assert_eq!((e.code(), e.kind()), (Some(93000), FailureKind::Permanent));
    let e = robot(&emu, "disabled-robot-key").send(&RobotMessage::text("x")).await.expect_err("93004");
    assert_eq!((e.code(), e.kind()), (Some(93004), FailureKind::Permanent));
    assert_eq!(emu.stats().robot_calls, 2, "permanent errors are not retried");

    let robot = robot(&emu, KEY);
    emu.fail_next_on(SEND, 1, -1);
    robot.send(&RobotMessage::text("busy once")).await.expect("retried");
    emu.fail_next_on(SEND, 1, 40014);
    let e = robot.send(&RobotMessage::text("token code")).await.expect_err("no token to refresh");
    assert_eq!((e.code(), e.kind()), (Some(40014), FailureKind::Permanent));
    assert_eq!(emu.stats().robot_calls, 5);
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug() {
    let emu = emulator(Clock::System).await;
    let key = "7a1e5c7e-5ec7-4e7e-b1a5-5ec7e7key000";
    let client = robot(&emu, key);
    assert!(!format!("{client:?}").contains(key), "{client:?}");
    let e = client.send(&RobotMessage::text("x")).await.expect_err("unknown key");
    for text in [e.to_string(), format!("{e:?}"), format!("{e:#}")] {
        assert!(!text.contains(key), "{text}");
    }
    // A transport failure: reqwest errors carry the URL (with ?key=) unless it is stripped.
    let dead = RobotClient::builder(SecretString::from(key.to_owned()))
        .base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    let e = dead.send(&RobotMessage::text("x")).await.expect_err("connection refused");
    assert_eq!(e.kind(), FailureKind::Transient);
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains(key), "{text}");
    }
    let e = dead.upload_media(MediaKind::File, "a.txt", b"hello".to_vec()).await.expect_err("refused");
    assert!(!format!("{e} {e:?}").contains(key));
    assert_eq!(dead.sent_in_window(), 0, "a connection that never opened gives its slot back");
}
