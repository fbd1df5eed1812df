//! DingTalk custom robots over HTTP: every message type from the golden fixtures, every
//! validation error, tokens and robot states, Content-Type and body size.

use serde_json::{Value, json};
use yizhan_emulator::{
    DEFAULT_DINGTALK_ACCESS_TOKEN as TOKEN, DEFAULT_DINGTALK_SECRET as SECRET, DingtalkRobot, DingtalkRobotStatus,
    EmulatorConfig,
};

use crate::bot_support::{JSON, dingtalk_error as error, dingtalk_text as text, fixture, fixture_names};
use crate::support::{Env, START_MS};

/// The demo robot (signed) plus `robots`, on a manual clock.
async fn env_with(robots: Vec<DingtalkRobot>, change: impl FnOnce(&mut EmulatorConfig)) -> Env {
    Env::manual_with(|config| {
        config.dingtalk.robots.extend(robots);
        change(config);
    })
    .await
}

#[tokio::test]
async fn every_message_type_fixture_is_accepted_and_recorded() {
    // Signature and keywords at once: both must pass, and every fixture carries the keyword in
    // every text field.
    let mut robot = DingtalkRobot::signed("both-modes", "SECboth");
    robot.keywords = vec!["告警".to_owned()];
    let env = env_with(vec![robot], |_| {}).await;
    let names = fixture_names("dingtalk", "robot_send.");
    let requests: Vec<&String> = names.iter().filter(|n| n.ends_with(".request.json")).collect();
    assert_eq!(requests.len(), 6, "text, markdown, link, actionCard ×2, feedCard: {requests:?}");
    for name in &requests {
        let body = fixture("dingtalk", name);
        assert_eq!(
            env.dingtalk("both-modes", Some("SECboth"), &body).await,
            fixture("dingtalk", "robot_send.response.json"),
            "{name}"
        );
    }
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), requests.len());
    for (delivery, name) in inbox.iter().zip(&requests) {
        let body = fixture("dingtalk", name);
        assert_eq!((delivery.provider.as_str(), delivery.app.as_str()), ("dingtalk_robot", "both…"));
        assert_eq!(delivery.msgtype, body["msgtype"].as_str().unwrap(), "{name}");
        assert_eq!(delivery.content, body, "{name}: the whole body is recorded");
        assert_eq!((delivery.msgid.as_str(), delivery.dropped.as_ref(), delivery.at_ms), ("", None, START_MS));
        let expected = match delivery.msgtype.as_str() {
            "text" => "manager7140,13800000000",
            "markdown" => "13800000000",
            _ => "group",
        };
        assert_eq!(delivery.recipient, expected, "{name}");
    }
    let stats = env.emu.stats();
    assert_eq!((stats.dingtalk_calls, stats.delivered, stats.errors, stats.robot_calls), (6, 6, 0, 0));
}

#[tokio::test]
async fn at_all_and_user_ids_become_the_recipient() {
    let env = env_with(vec![], |_| {}).await;
    let body = json!({"msgtype": "text", "text": {"content": "@all 发布"},
        "at": {"atUserIds": ["u1", "u2"], "isAtAll": true}});
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &body).await["errcode"], 0);
    assert_eq!(env.emu.inbox()[0].recipient, "u1,u2,@all");
}

#[tokio::test]
async fn every_validation_error_is_answered_and_nothing_is_recorded() {
    let env = env_with(vec![], |_| {}).await;
    let card = |object: Value| json!({"msgtype": "actionCard", "actionCard": object});
    let cases = [
        (json!({"text": {"content": "x"}}), 400105),
        (json!({"msgtype": "image", "image": {"picURL": "u"}}), 400105),
        (json!({"msgtype": "text"}), 400403),
        (json!({"msgtype": "text", "text": {"content": ""}}), 400403),
        (json!({"msgtype": "text", "text": {"content": 7}}), 400403),
        (json!({"msgtype": "markdown", "markdown": {"text": "t"}}), 400402),
        (json!({"msgtype": "markdown", "markdown": {"title": "t"}}), 400403),
        (json!({"msgtype": "link", "link": {"title": "t", "text": "x"}}), 400403),
        (json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageURL": "u"}}), 400403),
        (json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "u", "picUrl": 1}}), 400403),
        (card(json!({"text": "x", "singleTitle": "a", "singleURL": "u"})), 400402),
        (card(json!({"title": "t", "text": "x", "singleTitle": "a"})), 400403),
        (card(json!({"title": "t", "text": "x"})), 400403),
        (card(json!({"title": "t", "text": "x", "btns": [{"title": "a", "actionUrl": "u"}]})), 400403),
        (
            card(json!({"title": "t", "text": "x", "btns": [{"title": "a", "actionURL": "u"}], "btnOrientation": "2"})),
            400403,
        ),
        (json!({"msgtype": "feedCard", "feedCard": {"links": []}}), 400403),
        (json!({"msgtype": "feedCard", "feedCard": {"links": [{"title": "t", "messageURL": "u"}]}}), 400403),
        (json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atMobiles": [138]}}), 400403),
        (json!({"msgtype": "text", "text": {"content": "x"}, "at": {"atUserIds": "u1"}}), 400403),
        (json!({"msgtype": "text", "text": {"content": "x"}, "at": {"isAtAll": 1}}), 400403),
    ];
    for (body, code) in &cases {
        let v = env.dingtalk(TOKEN, Some(SECRET), body).await;
        assert_eq!(v["errcode"], *code, "{body} → {v}");
        assert!(v["errmsg"].as_str().unwrap().contains("缺失，或者参数格式不正确") || *code == 400105, "{v}");
    }
    let md = |markdown: Value| json!({"msgtype": "markdown", "markdown": markdown});
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &md(json!({"text": "t"}))).await, error("400402"));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &md(json!({"title": "t", "text": " "}))).await, error("400403"));
    assert_eq!(env.dingtalk(TOKEN, Some(SECRET), &json!({"msgtype": "file"})).await, error("400105"));
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats().errors, cases.len() as u64 + 3);
}

#[tokio::test]
async fn tokens_and_robot_states() {
    let disabled = DingtalkRobot { status: DingtalkRobotStatus::Disabled, ..DingtalkRobot::signed("off", "SECoff") };
    let gone = DingtalkRobot { status: DingtalkRobotStatus::GroupDisbanded, ..DingtalkRobot::signed("gone", "SECg") };
    let env = env_with(vec![disabled, gone], |_| {}).await;
    assert_eq!(env.dingtalk("no-such-token", None, &text("x")).await, error("300005"));
    assert_eq!(env.dingtalk_post(&[], Some(JSON), text("x").to_string().into_bytes()).await, error("300005"));
    assert_eq!(env.dingtalk("off", Some("SECoff"), &text("x")).await, error("400102"));
    assert_eq!(
        env.dingtalk("gone", Some("SECg"), &text("x")).await,
        json!({"errcode": 400013, "errmsg": "群已被解散"})
    );
    assert!(env.emu.inbox().is_empty());

    let env = env_with(vec![], |c| c.dingtalk.unknown_token_code = 400101).await;
    assert_eq!(
        env.dingtalk("nope", None, &text("x")).await,
        json!({"errcode": 400101, "errmsg": "access_token不存在"})
    );
}

#[tokio::test]
async fn content_type_json_and_body_size() {
    let env = env_with(vec![], |_| {}).await;
    let signed = |env: &Env| {
        let ts = env.now_ms().to_string();
        let sign = crate::bot_support::dingtalk_sign(SECRET, &ts);
        (ts, sign)
    };
    let (ts, sign) = signed(&env);
    let query = [("access_token", TOKEN), ("timestamp", ts.as_str()), ("sign", sign.as_str())];
    let body = text("x").to_string().into_bytes();
    assert_eq!(env.dingtalk_post(&query, None, body.clone()).await, error("40035"), "no Content-Type");
    assert_eq!(env.dingtalk_post(&query, Some("text/plain"), body.clone()).await, error("40035"));
    assert_eq!(env.dingtalk_post(&query, Some("Application/JSON"), body.clone()).await["errcode"], 0);
    assert_eq!(env.dingtalk_post(&query, Some(JSON), b"{oops".to_vec()).await, error("40035"));
    assert_eq!(env.dingtalk_post(&query, Some(JSON), b"[]".to_vec()).await, error("40035"));

    // Exactly 20 000 bytes pass; one more byte is 460101.
    let skeleton = text("").to_string().len();
    let exact = text(&"x".repeat(20_000 - skeleton)).to_string().into_bytes();
    assert_eq!(exact.len(), 20_000);
    assert_eq!(env.dingtalk_post(&query, Some(JSON), exact).await["errcode"], 0);
    let over = text(&"x".repeat(20_001 - skeleton)).to_string().into_bytes();
    assert_eq!(env.dingtalk_post(&query, Some(JSON), over).await, error("460101"));
    assert_eq!(env.emu.inbox().len(), 2);

    let env = env_with(vec![], |c| c.dingtalk.require_json_content_type = false).await;
    let (ts, sign) = signed(&env);
    let query = [("access_token", TOKEN), ("timestamp", ts.as_str()), ("sign", sign.as_str())];
    assert_eq!(env.dingtalk_post(&query, None, body).await["errcode"], 0, "the check can be turned off");
}
