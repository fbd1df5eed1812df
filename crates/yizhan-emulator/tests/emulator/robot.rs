//! Group robots over HTTP: keys and robot states, the eight msgtypes, the minute window, media.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use yizhan_core::Clock;
use yizhan_emulator::{EmulatorConfig, RobotStatus, RobotWindow, WecomRobot};

use crate::support::{Env, START_MS, assert_error};

const KEY: &str = "yizhan-demo-robot-key";
const SEND: &str = "/cgi-bin/webhook/send";
const UPLOAD: &str = "/cgi-bin/webhook/upload_media";

impl Env {
    async fn robot(&self, key: &str, body: &Value) -> Value {
        let resp = self.http.post(self.url(&format!("{SEND}?key={key}"))).body(body.to_string()).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn robot_upload(&self, key: &str, kind: &str, filename: &str, data: &[u8]) -> Value {
        let part = Part::bytes(data.to_vec()).file_name(filename.to_owned());
        let form = Form::new().part("media", part);
        let url = self.url(&format!("{UPLOAD}?key={key}&type={kind}"));
        self.http.post(url).multipart(form).send().await.unwrap().json().await.unwrap()
    }
}

fn two_robots(window: RobotWindow) -> EmulatorConfig {
    let mut config = EmulatorConfig::default();
    config.wecom.robots = vec![
        WecomRobot::new(KEY),
        WecomRobot::new("second-robot"),
        WecomRobot { key: "disabled-robot".into(), status: RobotStatus::Disabled },
        WecomRobot { key: "lonely-robot".into(), status: RobotStatus::NotInGroup },
    ];
    config.wecom.robot_window = window;
    config
}

fn text(content: &str) -> Value {
    json!({"msgtype": "text", "text": {"content": content}})
}

#[tokio::test]
async fn text_with_mentions_lands_in_the_inbox_under_a_key_label() {
    let env = Env::new().await;
    let body = json!({"msgtype": "text", "text": {"content": "deploy done", "mentioned_list": ["alice", "@all"],
        "mentioned_mobile_list": ["13800138000"]}});
    assert_eq!(env.robot(KEY, &body).await, json!({"errcode": 0, "errmsg": "ok"}));
    assert_eq!(env.robot(KEY, &json!({"msgtype": "markdown", "markdown": {"content": "**x**"}})).await["errcode"], 0);
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), 2);
    assert_eq!((inbox[0].provider.as_str(), inbox[0].app.as_str()), ("wecom_robot", "yizh…"));
    assert_eq!(inbox[0].recipient, "alice,@all,13800138000");
    assert_eq!(inbox[0].content["content"], "deploy done");
    assert_eq!((inbox[1].recipient.as_str(), inbox[1].msgtype.as_str()), ("group", "markdown"));
    assert!(inbox.iter().all(|d| !d.app.contains(KEY)));
    let stats = env.emu.stats();
    assert_eq!((stats.robot_calls, stats.delivered, stats.send_calls), (2, 2, 0));
}

#[tokio::test]
async fn keys_and_robot_states() {
    let env = Env::with(two_robots(RobotWindow::Sliding), None).await;
    let v = env.robot("no-such-key", &text("x")).await;
    assert_error(&v, 93000);
    assert!(v["errmsg"].as_str().unwrap().starts_with("invalid webhook url"), "{v}");
    let resp = env.http.post(env.url(SEND)).body(text("x").to_string()).send().await.unwrap();
    assert_error(&resp.json::<Value>().await.unwrap(), 93000);
    assert_error(&env.robot("disabled-robot", &text("x")).await, 93004);
    assert_error(&env.robot("lonely-robot", &text("x")).await, 93008);
    assert_error(&env.robot_upload("disabled-robot", "file", "a.txt", b"hello").await, 93004);
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats().errors, 5);
}

#[tokio::test]
async fn every_msgtype_is_checked() {
    let env = Env::new().await;
    let md = |t: &str, n: usize| json!({"msgtype": t, t: {"content": "m".repeat(n)}});
    for t in ["markdown", "markdown_v2"] {
        assert_eq!(env.robot(KEY, &md(t, 4096)).await["errcode"], 0);
        let v = env.robot(KEY, &md(t, 4097)).await;
        assert_error(&v, 40058);
        assert!(v["errmsg"].as_str().unwrap().starts_with(&format!("{t}.content exceed max length 4096")), "{v}");
    }
    assert_error(&env.robot(KEY, &text(&"x".repeat(5121))).await, 40058);
    let image = json!({"msgtype": "image", "image": {"base64": "aGVsbG8=", "md5": "5d41402abc4b2a76b9719d911017c592"}});
    assert_eq!(env.robot(KEY, &image).await["errcode"], 0);
    let bad_md5 =
        json!({"msgtype": "image", "image": {"base64": "aGVsbG8=", "md5": "5d41402abc4b2a76b9719d911017c593"}});
    assert_error(&env.robot(KEY, &bad_md5).await, 40058);
    let news = json!({"msgtype": "news", "news": {"articles": [{"title": "t", "url": "https://e.com", "picurl": "https://e.com/p.png"}]}});
    assert_eq!(env.robot(KEY, &news).await["errcode"], 0);
    let card = json!({"msgtype": "template_card", "template_card": {"card_type": "text_notice",
        "main_title": {"title": "t"}, "card_action": {"type": 1, "url": "https://e.com"}}});
    assert_eq!(env.robot(KEY, &card).await["errcode"], 0);
    let button = json!({"msgtype": "template_card", "template_card": {"card_type": "button_interaction",
        "task_id": "t1", "button_list": [{"text": "ok", "key": "k"}]}});
    assert_error(&env.robot(KEY, &button).await, 40035);
    assert_error(&env.robot(KEY, &json!({"msgtype": "textcard", "textcard": {}})).await, 40008);
    let resp = env.http.post(env.url(&format!("{SEND}?key={KEY}"))).body("{oops").send().await.unwrap();
    assert_error(&resp.json::<Value>().await.unwrap(), 40035);
    assert_eq!(env.emu.inbox().len(), 5);
}

#[tokio::test]
async fn twenty_per_sliding_minute_then_45009() {
    let (clock, time) = Clock::manual(START_MS);
    let env = Env::with(two_robots(RobotWindow::Sliding), Some((clock, time))).await;
    for i in 0..20 {
        assert_eq!(env.robot(KEY, &text(&format!("n{i}"))).await["errcode"], 0);
        env.time().advance(Duration::from_secs(1));
    }
    let v = env.robot(KEY, &text("21st")).await;
    assert_error(&v, 45009);
    assert!(v["errmsg"].as_str().unwrap().starts_with("api freq out of limit"));
    assert_eq!(env.robot("second-robot", &text("other robot")).await["errcode"], 0);
    env.time().advance(Duration::from_secs(40)); // t = 60 s: the first message (t = 0) left
    assert_eq!(env.robot(KEY, &text("slot freed")).await["errcode"], 0);
    assert_error(&env.robot(KEY, &text("full again")).await, 45009);
    assert_eq!(env.emu.inbox().len(), 22, "refused messages are not delivered");
}

#[tokio::test]
async fn a_fixed_window_resets_at_the_calendar_minute() {
    let (clock, time) = Clock::manual(START_MS - START_MS % 60_000 + 50_000);
    let env = Env::with(two_robots(RobotWindow::Fixed), Some((clock, time))).await;
    for _ in 0..20 {
        assert_eq!(env.robot(KEY, &text("x")).await["errcode"], 0);
    }
    assert_error(&env.robot(KEY, &text("x")).await, 45009);
    env.time().advance(Duration::from_secs(10));
    assert_eq!(env.robot(KEY, &text("new minute")).await["errcode"], 0);
}

#[tokio::test]
async fn media_belong_to_the_robot_and_kind_that_uploaded_them() {
    let env = Env::with(two_robots(RobotWindow::Sliding), None).await;
    let v = env.robot_upload(KEY, "file", "报告.txt", b"quarterly numbers").await;
    assert_eq!((v["errcode"].as_i64(), v["type"].as_str()), (Some(0), Some("file")), "{v}");
    assert!(v["created_at"].as_str().is_some_and(|s| s.parse::<i64>().is_ok()), "created_at is a string: {v}");
    let media_id = v["media_id"].as_str().unwrap().to_owned();
    let file = json!({"msgtype": "file", "file": {"media_id": media_id}});
    assert_eq!(env.robot(KEY, &file).await["errcode"], 0);
    assert_error(&env.robot("second-robot", &file).await, 40007);
    let as_voice = json!({"msgtype": "voice", "voice": {"media_id": media_id}});
    assert_error(&env.robot(KEY, &as_voice).await, 40007);

    let voice = env.robot_upload(KEY, "voice", "v.amr", b"#!AMR\n0123456789").await;
    let voice_msg = json!({"msgtype": "voice", "voice": {"media_id": voice["media_id"]}});
    assert_eq!(env.robot(KEY, &voice_msg).await["errcode"], 0);
    assert_error(&env.robot_upload(KEY, "voice", "v.mp3", b"ID3 not amr").await, 40004);
    assert_error(&env.robot_upload(KEY, "image", "a.png", b"hello").await, 40005);
    assert_error(&env.robot_upload(KEY, "file", "a.txt", b"1234").await, 40006);
    let resp = env.http.post(env.url(&format!("{UPLOAD}?key={KEY}&type=file"))).body("raw").send().await.unwrap();
    assert_error(&resp.json::<Value>().await.unwrap(), 41005);
    assert_eq!(env.emu.stats().robot_upload_calls, 6);

    env.emu.reset();
    assert_error(&env.robot(KEY, &file).await, 40007);
}

#[tokio::test]
async fn faults_apply_to_the_webhook() {
    let env = Env::new().await;
    env.emu.fail_next_on(SEND, 1, -1);
    assert_error(&env.robot(KEY, &text("x")).await, -1);
    assert_eq!(env.robot(KEY, &text("x")).await["errcode"], 0);
    assert_eq!(env.emu.stats().robot_calls, 2);
}
