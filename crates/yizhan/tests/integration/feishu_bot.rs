//! The `feishu_bot` channel end to end against the emulator: every content kind through the
//! gateway's queue and worker (what the emulator's inbox received), the bot's second and minute
//! in the quota ledger (deferrals, never drops), refusals naming the field, a permanent error,
//! and `yizhan send` with its dry run and `channels check`.

use std::collections::HashMap;
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{DEFAULT_FEISHU_HOOK, DEFAULT_FEISHU_SECRET, Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

/// A gateway with one signed Feishu channel `fs` on `emu`; `extra` is appended to its section.
async fn gateway(emu: &EmulatorHandle, secret: &str, extra: &str) -> Running {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"fs\"\nkind = \"feishu_bot\"\n\
         hook_id = \"{DEFAULT_FEISHU_HOOK}\"\nsecret = \"{secret}\"\nbase_url = \"{}\"\n{extra}\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"fs\"]\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

#[tokio::test]
async fn every_content_kind_is_delivered_through_the_queue_and_worker() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu, DEFAULT_FEISHU_SECRET, "").await;
    let api = ApiClient::new(&running.base, "k");
    let open_id = "ou_7d8a6e6df7621556ce0d21922b676706";
    let share = json!({"msg_type": "share_chat", "content": {"share_chat_id": "oc_f5b1a7eb27ae2c7b6adc2a74faf339ff"}});
    let requests = [
        json!({"channel": "fs", "to": {"mentions": [open_id, "@all"]}, "content": {"text": "disk full"}}),
        json!({"channel": "fs", "to": {"mentions": [open_id]}, "content": {"markdown": "**CPU** high on web-1"}}),
        json!({"channel": "fs", "content": {"image": {"media_id": "img_ecffc3b9-8f14-400f-a014-05eca1a4310g"}}}),
        json!({"channel": "fs", "content": {"card": {"title": "Deploy", "description": "2.4.0 is out", "url": "https://e.com/2.4.0"}}}),
        json!({"channel": "fs", "content": {"news": {"articles": [
            {"title": "a1", "url": "https://e.com/1", "description": "first"}, {"title": "a2", "url": "https://e.com/2"}]}}}),
        json!({"channel": "fs", "content": {"feishu": share}}),
    ];
    for request in &requests {
        let id = api.send(request).await;
        let view = api.wait_for(&id, &["delivered", "dead"]).await;
        assert_eq!(view["status"], "delivered", "{view}");
    }
    let inbox = emu.inbox();
    let types: Vec<&str> = inbox.iter().map(|d| d.msgtype.as_str()).collect();
    assert_eq!(types, ["text", "interactive", "image", "interactive", "post", "share_chat"]);
    assert!(inbox.iter().all(|d| d.provider == "feishu_bot" && d.dropped.is_none()));
    assert_eq!(
        inbox[0].content["content"]["text"],
        format!("disk full <at user_id=\"{open_id}\"></at> <at user_id=\"all\"></at>")
    );
    let md = &inbox[1].content["card"]["elements"][0]["text"];
    assert_eq!(
        (md["tag"].as_str(), md["content"].as_str()),
        (Some("lark_md"), Some(&*format!("**CPU** high on web-1 <at id={open_id}></at>")))
    );
    assert_eq!(inbox[2].content["content"]["image_key"], "img_ecffc3b9-8f14-400f-a014-05eca1a4310g");
    assert_eq!(inbox[3].content["card"]["header"]["title"]["content"], "Deploy");
    assert_eq!(inbox[3].content["card"]["elements"][1]["actions"][0]["url"], "https://e.com/2.4.0");
    assert_eq!(
        inbox[4].content["content"]["post"]["zh_cn"]["content"][0][0],
        json!({"tag": "a", "text": "a1", "href": "https://e.com/1"})
    );
    assert_eq!(
        inbox[5].content, share,
        "a raw body is sent unchanged (the emulator shows it without timestamp and sign)"
    );
    running.stop().await;
}

#[tokio::test]
async fn the_bots_second_defers_the_third_message_instead_of_losing_it() {
    // Both sides agree on 2 a second; Feishu would answer 11232 beyond it.
    let mut config = EmulatorConfig::default();
    config.feishu.per_second = 2;
    let emu = Emulator::spawn(config).await.expect("emulator");
    let running = gateway(&emu, DEFAULT_FEISHU_SECRET, "[channels.quota]\nfeishu_per_second = 2").await;
    let api = ApiClient::new(&running.base, "k");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(api.send(&json!({"channel": "fs", "content": {"text": format!("m{i}")}})).await);
    }
    for id in &ids {
        let view = api.wait_for(id, &["delivered", "dead"]).await;
        assert_eq!(view["status"], "delivered", "{view}");
    }
    let inbox = emu.inbox();
    assert_eq!(inbox.len(), 3);
    let spread = inbox[2].at_ms - inbox[0].at_ms;
    assert!(spread >= 1_000, "the third waited for the second to pass: {spread} ms");
    assert_eq!(emu.stats().errors, 0, "Feishu never had to refuse a message");
    running.stop().await;
}

#[tokio::test]
async fn refusals_name_the_field_a_dry_run_shows_the_body_and_a_wrong_secret_goes_dead() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = gateway(&emu, "not-the-bots-secret", "keywords = [\"告警\"]").await;
    let api = ApiClient::new(&running.base, "k");
    for (to, content, field) in [
        (json!({"mention_mobiles": ["138"]}), json!({"text": "告警"}), "to.mention_mobiles"),
        (json!({"mentions": ["ou_1"]}), json!({"image": {"media_id": "img_1"}}), "to.mentions"),
        (json!({}), json!({"text": "no keyword"}), "content.text"),
        (json!({}), json!({"image": {"url": "https://e.com/a.png"}}), "content.image.media_id"),
        (
            json!({}),
            json!({"feishu": {"msg_type": "post", "content": {"post": {"fr_fr": {"content": [[{"tag": "text", "text": "告警"}]]}}}}}),
            "content.feishu.content.post.fr_fr",
        ),
        (json!({}), json!({"file": {"media_id": "m"}}), "content"),
    ] {
        let (status, answer) =
            api.post("/v1/messages", Some(&json!({"channel": "fs", "to": to, "content": content}))).await;
        assert_eq!((status, answer["field"].as_str()), (422, Some(field)), "{answer}");
    }
    let (status, plan) =
        api.post("/v1/messages?dry_run=true", Some(&json!({"channel": "fs", "content": {"text": "[告警] hi"}}))).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["dispatches"][0]["endpoint"], "feishu.bot_hook");
    assert_eq!(plan["dispatches"][0]["body"], json!({"msg_type": "text", "content": {"text": "[告警] hi"}}));
    assert_eq!(emu.stats().feishu_calls, 0, "refusals and dry runs send nothing");

    let id = api.send(&json!({"channel": "fs", "content": {"text": "[告警] hi"}})).await;
    let view = api.wait_for(&id, &["dead"]).await;
    assert_eq!(
        (view["last_error"]["code"].as_i64(), view["last_error"]["kind"].as_str()),
        (Some(19021), Some("permanent")),
        "{view}"
    );
    assert_eq!(emu.stats().feishu_calls, 1, "a permanent error is not retried");
    running.stop().await;
}

#[tokio::test]
async fn a_frequency_limit_from_feishu_is_retried_later_not_dropped() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    emu.fail_next_on("/open-apis/bot/v2/hook", 1, 11232);
    let running = gateway(&emu, DEFAULT_FEISHU_SECRET, "").await;
    let api = ApiClient::new(&running.base, "k");
    let id = api.send(&json!({"channel": "fs", "content": {"text": "busy minute"}})).await;
    let view = yizhan_test_kit::wait::for_state("a deferral after 11232", Duration::from_secs(10), async || {
        let view = api.get(&format!("/v1/messages/{id}")).await;
        if view["last_error"]["code"] == 11232 { Ok(view) } else { Err(view) }
    })
    .await;
    assert_eq!(view["last_error"]["kind"], "rate_limited", "{view}");
    // Rescheduled 10 s later (yizhan_feishu::errcode::FREQUENCY_BACKOFF), then delivered.
    let view = api.wait_for(&id, &["delivered", "dead"]).await;
    assert_eq!((view["status"].as_str(), view["attempts"].as_i64()), (Some("delivered"), Some(1)), "{view}");
    assert_eq!(emu.inbox().len(), 1);
    running.stop().await;
}

/// `yizhan` with a configuration holding the Feishu channel `fs`.
async fn yizhan(emu: &EmulatorHandle, hook: &str, args: &[&str]) -> Output {
    let tmp = yizhan_test_kit::temp_dir("feishu");
    let config = format!(
        "[[channels]]\nname = \"fs\"\nkind = \"feishu_bot\"\nhook_id = \"${{FS_HOOK}}\"\nsecret = \"${{FS_SECRET}}\"\n\
         base_url = \"{}\"\n",
        emu.base_url()
    );
    std::fs::write(tmp.path().join("yizhan.toml"), config).expect("config written");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", tmp.path().join("yizhan.toml"))
        .env("FS_HOOK", hook)
        .env("FS_SECRET", DEFAULT_FEISHU_SECRET)
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
    let hook = DEFAULT_FEISHU_HOOK;
    let out = yizhan(&emu, hook, &["send", "fs", "--text", "disk full", "--mention", "ou_1,@all"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("sent: text to the group of Feishu bot \"fs\""), "{}", text(&out.stdout));
    assert_eq!(
        emu.inbox()[0].content["content"]["text"],
        "disk full <at user_id=\"ou_1\"></at> <at user_id=\"all\"></at>"
    );

    let out = yizhan(&emu, hook, &["send", "fs", "--markdown", "**x**", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON body");
    assert_eq!(body["msg_type"], "interactive");
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        shown.contains("/hook/[redacted]") && !shown.contains(hook) && !shown.contains(DEFAULT_FEISHU_SECRET),
        "{shown}"
    );

    let out = yizhan(&emu, hook, &["send", "fs", "--mention-mobile", "138", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(emu.stats().feishu_calls, 1, "dry runs and usage errors send nothing");

    let wrong = "0f0e0d0c-wrong-hook";
    let out = yizhan(&emu, wrong, &["send", "fs", "--text", "x"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("19001") && stderr.contains("hint: the hook id is wrong") && !stderr.contains(wrong),
        "{stderr}"
    );

    let out = yizhan(&emu, hook, &["channels", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("hook_id configured"), "{}", text(&out.stdout));
}
