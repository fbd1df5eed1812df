//! The `dingtalk_robot` channel end to end against the emulator: every content kind through
//! the gateway's queue and worker (what the emulator's inbox received), the robot's minute in
//! the quota ledger (a deferral, never a drop), refusals naming the field, a permanent error,
//! and `yizhan send` with its dry run and `channels check`.

use std::collections::HashMap;
use std::process::Output;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{
    DEFAULT_DINGTALK_ACCESS_TOKEN, DEFAULT_DINGTALK_SECRET, Emulator, EmulatorConfig, EmulatorHandle,
};

use crate::support::{ApiClient, Running};

/// A gateway with one signed DingTalk channel `ding` on `emu`; `quota` is appended to its section.
async fn gateway(emu: &EmulatorHandle, secret: &str, quota: &str) -> Running {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ding\"\nkind = \"dingtalk_robot\"\n\
         access_token = \"{DEFAULT_DINGTALK_ACCESS_TOKEN}\"\nsecret = \"{secret}\"\nbase_url = \"{}\"\n{quota}\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ding\"]\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

#[tokio::test]
async fn every_content_kind_is_delivered_through_the_queue_and_worker() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu, DEFAULT_DINGTALK_SECRET, "").await;
    let api = ApiClient::new(&running.base, "k");
    let article = |i: u32| json!({"title": format!("a{i}"), "url": format!("https://e.com/{i}"), "picurl": format!("https://e.com/{i}.png")});
    let raw = json!({"msgtype": "actionCard", "actionCard": {"title": "Approve", "text": "### Release?", "btnOrientation": "1",
        "btns": [{"title": "Yes", "actionURL": "https://e.com/yes"}, {"title": "No", "actionURL": "https://e.com/no"}]}});
    let requests = [
        json!({"channel": "ding", "to": {"mentions": ["manager01", "@all"], "mention_mobiles": ["13800000000"]}, "content": {"text": "disk full"}}),
        json!({"channel": "ding", "to": {"mention_mobiles": ["13800000000"]}, "content": {"markdown": "### CPU high\n> web-1"}}),
        json!({"channel": "ding", "content": {"card": {"title": "Deploy", "description": "2.4.0 is out", "url": "https://e.com/2.4.0"}}}),
        json!({"channel": "ding", "content": {"news": {"articles": [article(1)]}}}),
        json!({"channel": "ding", "content": {"news": {"articles": [article(1), article(2)]}}}),
        json!({"channel": "ding", "content": {"dingtalk": raw}}),
    ];
    for request in &requests {
        let id = api.send(request).await;
        let view = api.wait_for(&id, &["delivered", "dead"]).await;
        assert_eq!(view["status"], "delivered", "{view}");
    }
    let inbox = emu.inbox();
    let types: Vec<&str> = inbox.iter().map(|d| d.msgtype.as_str()).collect();
    assert_eq!(types, ["text", "markdown", "actionCard", "link", "feedCard", "actionCard"]);
    assert!(inbox.iter().all(|d| d.provider == "dingtalk_robot" && d.dropped.is_none()));
    assert_eq!(inbox[0].recipient, "manager01,13800000000,@all");
    assert_eq!(
        inbox[0].content["text"]["content"], "disk full\n\n@13800000000 @manager01",
        "marks are added to the text"
    );
    assert_eq!(inbox[0].content["at"]["isAtAll"], true);
    assert_eq!(inbox[1].content["markdown"]["title"], "CPU high");
    assert_eq!(inbox[2].content["actionCard"]["singleTitle"], "详情");
    assert_eq!(inbox[2].content["actionCard"]["singleURL"], "https://e.com/2.4.0");
    assert_eq!(inbox[3].content["link"]["picUrl"], "https://e.com/1.png");
    assert_eq!(inbox[4].content["feedCard"]["links"][1]["messageURL"], "https://e.com/2");
    assert_eq!(inbox[5].content, raw, "a raw body is sent unchanged");
    running.stop().await;
}

#[tokio::test]
async fn the_robots_minute_defers_the_third_message_instead_of_losing_it() {
    // Both sides agree on 2 a minute; DingTalk would block the robot for 10 minutes beyond it.
    let mut config = EmulatorConfig::default();
    config.dingtalk.per_minute = 2;
    let emu = Emulator::spawn(config).await.expect("emulator");
    let running = gateway(&emu, DEFAULT_DINGTALK_SECRET, "[channels.quota]\ndingtalk_per_minute = 2").await;
    let api = ApiClient::new(&running.base, "k");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(api.send(&json!({"channel": "ding", "content": {"text": format!("m{i}")}})).await);
    }
    let deferred = yizhan_test_kit::wait::for_state(
        "2 delivered and 1 deferred",
        std::time::Duration::from_secs(10),
        async || {
            let mut views = Vec::new();
            for id in &ids {
                views.push(api.get(&format!("/v1/messages/{id}")).await);
            }
            let count = |s: &str| views.iter().filter(|v| v["status"] == s).count();
            if count("delivered") == 2 && count("deferred") == 1 {
                Ok(views.into_iter().find(|v| v["status"] == "deferred").expect("deferred"))
            } else {
                Err(views.iter().map(|v| v["status"].clone()).collect::<Vec<_>>())
            }
        },
    )
    .await;
    assert_eq!(deferred["attempts"], 0, "a deferral spends no attempt: {deferred}");
    assert_eq!(deferred["last_error"]["kind"], "rate_limited");
    assert_eq!(emu.inbox().len(), 2);
    assert_eq!(emu.stats().errors, 0, "DingTalk never had to refuse (and block) the robot");
    running.stop().await;
}

#[tokio::test]
async fn refusals_name_the_field_a_dry_run_shows_the_body_and_a_wrong_secret_goes_dead() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu, "SECnot-the-robots-secret", "").await;
    let api = ApiClient::new(&running.base, "k");
    let no_pic = json!({"news": {"articles": [{"title": "a", "url": "https://e.com/a", "picurl": "https://e.com/a.png"}, {"title": "b", "url": "https://e.com/b"}]}});
    for (to, content, field) in [
        (json!({"users": ["alice"]}), json!({"text": "x"}), "to.users"),
        (
            json!({"mentions": ["alice"]}),
            json!({"card": {"title": "t", "description": "d", "url": "https://e.com"}}),
            "to.mentions",
        ),
        (json!({}), no_pic, "content.news.articles[1].picurl"),
        (
            json!({}),
            json!({"dingtalk": {"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "ftp://e"}}}),
            "content.dingtalk.link.messageUrl",
        ),
        (json!({}), json!({"getui": {"transmission": "x"}}), "content"),
    ] {
        let (status, answer) =
            api.post("/v1/messages", Some(&json!({"channel": "ding", "to": to, "content": content}))).await;
        assert_eq!((status, answer["field"].as_str()), (422, Some(field)), "{answer}");
    }
    let (status, plan) =
        api.post("/v1/messages?dry_run=true", Some(&json!({"channel": "ding", "content": {"text": "hi"}}))).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["dispatches"][0]["endpoint"], "dingtalk.robot_send");
    assert_eq!(plan["dispatches"][0]["body"], json!({"msgtype": "text", "text": {"content": "hi"}}));
    assert_eq!(emu.stats().dingtalk_calls, 0, "refusals and dry runs send nothing");

    let id = api.send(&json!({"channel": "ding", "content": {"text": "hi"}})).await;
    let view = api.wait_for(&id, &["dead"]).await;
    assert_eq!(view["last_error"]["code"], 310000, "{view}");
    assert_eq!(view["last_error"]["kind"], "permanent", "{view}");
    assert_eq!(emu.stats().dingtalk_calls, 1, "a permanent error is not retried");
    running.stop().await;
}

/// `yizhan` with a configuration holding the DingTalk channel `ding` (keywords `告警`).
async fn yizhan(emu: &EmulatorHandle, token: &str, args: &[&str]) -> Output {
    let tmp = yizhan_test_kit::temp_dir("ding");
    let config = format!(
        "[[channels]]\nname = \"ding\"\nkind = \"dingtalk_robot\"\naccess_token = \"${{DING_TOKEN}}\"\n\
         secret = \"${{DING_SECRET}}\"\nkeywords = [\"告警\"]\nbase_url = \"{}\"\n",
        emu.base_url()
    );
    std::fs::write(tmp.path().join("yizhan.toml"), config).expect("config written");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", tmp.path().join("yizhan.toml"))
        .env("DING_TOKEN", token)
        .env("DING_SECRET", DEFAULT_DINGTALK_SECRET)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn yizhan_send_dry_run_and_channels_check() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let token = DEFAULT_DINGTALK_ACCESS_TOKEN;
    let out =
        yizhan(&emu, token, &["send", "ding", "--markdown", "### [告警] disk full", "--mention-mobile", "13800000000"])
            .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("sent: markdown to the group of DingTalk robot \"ding\""),
        "{}",
        text(&out.stdout)
    );
    let inbox = emu.inbox();
    assert_eq!((inbox.len(), inbox[0].recipient.as_str()), (1, "13800000000"));

    let out = yizhan(&emu, token, &["send", "ding", "--text", "[告警] x", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON body");
    assert_eq!(body, json!({"msgtype": "text", "text": {"content": "[告警] x"}}));
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        shown.contains("access_token=[redacted]") && !shown.contains(token) && !shown.contains(DEFAULT_DINGTALK_SECRET),
        "{shown}"
    );

    for args in
        [&["send", "ding", "--text", "no keyword"][..], &["send", "ding", "--to", "alice", "--text", "[告警] x"]]
    {
        let out = yizhan(&emu, token, args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    assert_eq!(emu.stats().dingtalk_calls, 1, "dry runs and usage errors send nothing");

    let wrong = "0123456789abcdef-wrong-token";
    let out = yizhan(&emu, wrong, &["send", "ding", "--text", "[告警] x"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("300005") && stderr.contains("hint: the access_token is wrong") && !stderr.contains(wrong),
        "{stderr}"
    );

    let out = yizhan(&emu, token, &["channels", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ding") && text(&out.stdout).contains("access_token configured"),
        "{}",
        text(&out.stdout)
    );
}
