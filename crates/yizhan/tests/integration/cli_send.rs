//! The `yizhan` binary end to end: config file, `send`, `channels check`, exit codes.

use std::process::Output;

use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

const SECRET: &str = "yizhan-demo-secret";

/// The emulator and a temporary directory holding `yizhan.toml` (removed on drop).
struct Setup {
    emu: EmulatorHandle,
    tmp: yizhan_test_kit::TempDir,
}

impl Setup {
    fn dir(&self) -> &std::path::Path {
        self.tmp.path()
    }
}

async fn setup(secret_var: &str) -> Setup {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let tmp = yizhan_test_kit::temp_dir("cli");
    let dir = tmp.path();
    let config = format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"${{{secret_var}}}\"\nbase_url = \"{}\"\n",
        emu.base_url()
    );
    std::fs::write(dir.join("yizhan.toml"), config).expect("config written");
    Setup { emu, tmp }
}

async fn yizhan(setup: &Setup, secret: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", setup.dir().join("yizhan.toml"))
        .env("OPS_SECRET", secret)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn send_prints_msgid_and_invalid_user_and_the_emulator_has_the_delivery() {
    let s = setup("OPS_SECRET").await;
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice,zed", "--text", "disk full"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout {stdout} stderr {}", text(&out.stderr));
    let msgid = s.emu.inbox()[0].msgid.clone();
    assert!(stdout.contains(&format!("sent: msgid {msgid}")), "{stdout}");
    assert!(stdout.contains("invalid users: zed"), "{stdout}");
    let inbox = s.emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].recipient.as_str(), inbox[0].msgtype.as_str()), ("alice", "text"));
    assert_eq!(inbox[0].content["content"], "disk full");
}

#[tokio::test]
async fn the_same_message_sent_twice_is_delivered_twice_unless_dedupe_is_asked() {
    let s = setup("OPS_SECRET").await;
    for _ in 0..2 {
        let out = yizhan(&s, SECRET, &["send", "ops", "--to", "carol", "--text", "CPU high on web-1"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let inbox = s.emu.inbox();
    assert_eq!(inbox.iter().filter(|d| d.recipient == "carol" && !d.deduplicated).count(), 2, "{inbox:?}");
    assert_ne!(inbox[0].msgid, inbox[1].msgid);
    for _ in 0..2 {
        let out = yizhan(&s, SECRET, &["send", "ops", "--to", "dave", "--text", "CPU high", "--dedupe=600"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains("600 s"), "{}", text(&out.stderr));
    }
    let dave: Vec<_> = s.emu.inbox().into_iter().filter(|d| d.recipient == "dave").collect();
    assert_eq!(dave.iter().map(|d| d.deduplicated).collect::<Vec<_>>(), [false, true], "{dave:?}");
}

#[tokio::test]
async fn dry_run_prints_the_exact_body_without_credentials_and_sends_nothing() {
    let s = setup("OPS_SECRET").await;
    let out =
        yizhan(&s, SECRET, &["send", "ops", "--to", "bob", "--party", "2", "--markdown", "**x**", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON body");
    assert_eq!(body["touser"], "bob");
    assert_eq!(body["toparty"], "2");
    assert_eq!(body["msgtype"], "markdown");
    assert_eq!(body["agentid"], 1000002);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(SECRET), "{all}");
    assert_eq!(s.emu.stats().gettoken_calls + s.emu.stats().send_calls, 0);
}

#[tokio::test]
async fn exit_codes_distinguish_usage_permanent_and_transient() {
    let s = setup("OPS_SECRET").await;
    let too_long = "字".repeat(700);
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "bob", "--text", &too_long]).await;
    assert_eq!(out.status.code(), Some(2), "validation error: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("text.content"), "{}", text(&out.stderr));

    let out = yizhan(&s, SECRET, &["send", "nosuch", "--to", "bob", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2));

    let out = yizhan(&s, "wrong-secret", &["send", "ops", "--to", "bob", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("wrong-secret"));

    s.emu.fail_next_on("/cgi-bin/message/send", 20, -1);
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "bob", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}

#[tokio::test]
async fn channels_check_explains_an_untrusted_ip() {
    let s = setup("OPS_SECRET").await;
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("ok    ops"), "{}", text(&out.stdout));

    s.emu.fail_next_on("/cgi-bin/gettoken", 1, 60020);
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("60020") && stdout.contains("127.0.0.1") && stdout.contains("企业可信IP"), "{stdout}");
}

#[tokio::test]
async fn channels_check_verifies_the_agent_id_and_explains_every_code() {
    let s = setup("OPS_SECRET").await;
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    assert!(text(&out.stdout).contains("agent_id 1000002 accepted"), "{}", text(&out.stdout));
    assert!(s.emu.inbox().is_empty(), "the probe delivers nothing");

    let config = std::fs::read_to_string(s.dir().join("yizhan.toml")).expect("config");
    std::fs::write(s.dir().join("yizhan.toml"), config.replace("agent_id = 1000002", "agent_id = 1000003"))
        .expect("config");
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.starts_with("FAIL  ops"), "{stdout}");
    assert!(stdout.contains("errcode 40056: invalid agentid"), "{stdout}");
    assert!(stdout.contains("fix: agent_id does not belong to this secret's application"), "{stdout}");

    std::fs::write(s.dir().join("yizhan.toml"), config).expect("config");
    s.emu.fail_next_on("/cgi-bin/gettoken", 1, 40013);
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    assert!(text(&out.stdout).contains("fix: corp_id is wrong"), "{}", text(&out.stdout));
    s.emu.fail_next_on("/cgi-bin/gettoken", 1, 600_123);
    let out = yizhan(&s, SECRET, &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("WeCom said: ")
            && stdout.contains("more info at https://open.work.weixin.qq.com/devtool/query?e=600123"),
        "{stdout}"
    );
}

#[tokio::test]
async fn missing_secret_variable_is_a_usage_error_naming_it() {
    let s = setup("UNSET_VAR_FOR_TEST").await;
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "bob", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("UNSET_VAR_FOR_TEST"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn config_example_is_printed() {
    let s = setup("OPS_SECRET").await;
    let out = yizhan(&s, SECRET, &["config", "example"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("kind = \"wecom_app\""));
}

async fn getui_setup() -> Setup {
    let s = setup("OPS_SECRET").await;
    let extra = format!(
        "\n[[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
         master_secret = \"${{GETUI_MASTER}}\"\nbase_url = \"{}\"\n",
        s.emu.base_url()
    );
    let path = s.dir().join("yizhan.toml");
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(&extra);
    std::fs::write(&path, text).expect("config written");
    s
}

async fn getui(setup: &Setup, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", setup.dir().join("yizhan.toml"))
        .env("OPS_SECRET", SECRET)
        .env("GETUI_MASTER", "yizhan-demo-master")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

#[tokio::test]
async fn getui_pushes_to_cid_alias_tag_and_all_show_statuses() {
    let s = getui_setup().await;
    let out = getui(&s, &["send", "app", "--cid", "cid-alice", "--title", "Disk", "--body", "db-3 full"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", text(&out.stderr));
    assert!(stdout.starts_with("sent: taskid "), "{stdout}");
    assert!(stdout.contains("cid-alice") && stdout.contains("successed_online"), "{stdout}");

    let out = getui(&s, &["send", "app", "--cid", "cid-bob,cid-old", "--transmission", "{\"k\":1}"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", text(&out.stderr));
    assert!(stdout.contains("successed_offline") && stdout.contains("successed_ignore"), "{stdout}");

    let out = getui(
        &s,
        &["send", "app", "--alias", "alice", "--title", "t", "--body", "b", "--click", "url=https://example.com"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = getui(&s, &["send", "app", "--tag", "custom_tag=vip", "--title", "t", "--body", "b"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = getui(&s, &["send", "app", "--all", "--title", "t", "--body", "b"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let alice = s.emu.inbox().into_iter().filter(|d| d.provider == "getui" && d.recipient == "cid-alice").count();
    assert_eq!(alice, 4, "single, alias, tag (vip) and all each reached cid-alice once");
}

#[tokio::test]
async fn getui_usage_errors_and_provider_errors_have_their_exit_codes() {
    let s = getui_setup().await;
    let out = getui(&s, &["send", "app", "--cid", "cid-alice", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = getui(&s, &["send", "app", "--cid", "cid-alice", "--all", "--title", "t", "--body", "b"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = getui(&s, &["send", "app", "--cid", "cid-alice", "--title", &"长".repeat(51), "--body", "b"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("title"), "{}", text(&out.stderr));
    let out = getui(&s, &["send", "app", "--cid", "cid-nobody", "--title", "t", "--body", "b"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("target user is invalid"));
    let out = getui(
        &s,
        &[
            "send",
            "app",
            "--cid",
            "cid-alice",
            "--title",
            "t",
            "--body",
            "b",
            "--request-id",
            "abcdef0123456789",
            "--dry-run",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON body");
    assert_eq!(body["request_id"], "abcdef0123456789");
    assert_eq!(body["audience"]["cid"][0], "cid-alice");
    assert!(!text(&out.stderr).contains("yizhan-demo-master"));
}

#[tokio::test]
async fn recall_and_card_update_from_the_cli() {
    let s = setup("OPS_SECRET").await;
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--text", "oops"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let msgid = s.emu.inbox()[0].msgid.clone();
    let out = yizhan(&s, SECRET, &["recall", "ops", &msgid]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("recalled"));
    let out = yizhan(&s, SECRET, &["recall", "ops", &msgid]).await;
    assert_eq!(out.status.code(), Some(3), "a second recall is refused: {}", text(&out.stderr));

    let card = r#"{"msgtype":"template_card","template_card":{"card_type":"button_interaction",
        "main_title":{"title":"Deploy?"},"task_id":"t1","button_list":[{"text":"OK","key":"ok"}]}}"#;
    let path = s.dir().join("card.json");
    std::fs::write(&path, card).expect("card file");
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--json", path.to_str().expect("utf-8 path")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout).lines().find_map(|l| l.strip_prefix("response_code: ").map(str::to_owned));
    let code = code.expect("the send prints the response_code");
    let out = yizhan(&s, SECRET, &["card", "update", "ops", &code, "--replace-name", "已处理"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let update = s.emu.inbox().into_iter().find(|d| d.msgtype == "update_template_card").expect("update recorded");
    assert_eq!(update.content["button"]["replace_name"], "已处理");
}

const ROBOT_KEY: &str = "yizhan-demo-robot-key";

async fn robot_setup() -> Setup {
    let s = setup("OPS_SECRET").await;
    let extra = format!(
        "\n[[channels]]\nname = \"ops-robot\"\nkind = \"wecom_robot\"\nkey = \"${{ROBOT_KEY}}\"\nbase_url = \"{}\"\n",
        s.emu.base_url()
    );
    let path = s.dir().join("yizhan.toml");
    let mut text = std::fs::read_to_string(&path).expect("config");
    text.push_str(&extra);
    std::fs::write(&path, text).expect("config written");
    s
}

async fn robot(setup: &Setup, key: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", setup.dir().join("yizhan.toml"))
        .env("OPS_SECRET", SECRET)
        .env("ROBOT_KEY", key)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

#[tokio::test]
async fn robot_text_with_mentions_reaches_the_group() {
    let s = robot_setup().await;
    let args =
        ["send", "ops-robot", "--text", "deploy done", "--mention", "alice,@all", "--mention-mobile", "13800138000"];
    let out = robot(&s, ROBOT_KEY, &args).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", text(&out.stderr));
    assert!(stdout.starts_with("sent: text to the group of robot \"ops-robot\""), "{stdout}");
    let inbox = s.emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].provider.as_str(), inbox[0].recipient.as_str()), ("wecom_robot", "alice,@all,13800138000"));
    assert_eq!(inbox[0].content["content"], "deploy done");
    assert_eq!(inbox[0].content["mentioned_list"], serde_json::json!(["alice", "@all"]));

    let file = s.dir().join("report.txt");
    std::fs::write(&file, "quarterly numbers").expect("file written");
    let out = robot(&s, ROBOT_KEY, &["send", "ops-robot", "--file", file.to_str().expect("utf-8 path")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("media_id: "), "{}", text(&out.stdout));
    assert_eq!(s.emu.inbox()[1].msgtype, "file");
}

#[tokio::test]
async fn robot_usage_errors_dry_run_and_provider_errors() {
    let s = robot_setup().await;
    for args in [
        &["send", "ops-robot", "--to", "alice", "--text", "x"][..],
        &["send", "ops-robot", "--cid", "cid-alice", "--text", "x"],
        &["send", "ops-robot", "--markdown", "x", "--mention", "alice"],
        &["send", "ops-robot", "--text", "x", "--mention", "bob smith"],
        &["send", "ops", "--to", "alice", "--markdown-v2", "x"],
        &["send", "ops-robot"],
    ] {
        let out = robot(&s, ROBOT_KEY, args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    let long = "m".repeat(4097);
    let out = robot(&s, ROBOT_KEY, &["send", "ops-robot", "--markdown", &long]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("markdown.content: is 4097 bytes; the limit is 4096 bytes"),
        "{}",
        text(&out.stderr)
    );

    let out = robot(&s, ROBOT_KEY, &["send", "ops-robot", "--markdown-v2", "# hi", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON body");
    assert_eq!(body, serde_json::json!({"msgtype": "markdown_v2", "markdown_v2": {"content": "# hi"}}));
    assert!(!format!("{}{}", text(&out.stdout), text(&out.stderr)).contains(ROBOT_KEY));
    assert_eq!(s.emu.stats().robot_calls, 0, "usage errors and dry runs send nothing");

    let wrong = "4f1d2c3b-wrong-robot-key";
    let out = robot(&s, wrong, &["send", "ops-robot", "--text", "x"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("93000") && !stderr.contains(wrong), "{stderr}");

    let out = robot(&s, wrong, &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("ops-robot") && stdout.contains("key configured"), "{stdout}");
}

#[tokio::test]
async fn image_path_is_uploaded_then_sent_as_an_image_message() {
    let s = setup("OPS_SECRET").await;
    let path = s.dir().join("chart.png");
    std::fs::write(&path, b"\x89PNG\r\n\x1a\nnot really a chart").expect("image written");
    let path = path.to_string_lossy().into_owned();
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--image", &path]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stdout {stdout} stderr {}", text(&out.stderr));
    let media = s.emu.media();
    assert_eq!(media.len(), 1);
    assert_eq!((media[0].media_type.as_str(), media[0].filename.as_str()), ("image", "chart.png"));
    assert!(stdout.contains(&format!("media_id: {}", media[0].media_id)), "{stdout}");
    let inbox = s.emu.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].recipient.as_str(), inbox[0].msgtype.as_str()), ("alice", "image"));
    assert_eq!(inbox[0].content["media_id"], serde_json::json!(media[0].media_id));
    assert_eq!(s.emu.stats().media_uploads, 1);
}

#[tokio::test]
async fn media_flags_refuse_bad_input_before_uploading() {
    let s = setup("OPS_SECRET").await;
    // A loopback URL: refused by the channel's defaults (https only, public addresses only).
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--image", "http://127.0.0.1:9/x.png"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("allow_http_urls"), "{}", text(&out.stderr));
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--image", "https://127.0.0.1:9/x.png"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a public address"), "{}", text(&out.stderr));
    // A missing file, a wrong format, and no recipient.
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--file", "/nonexistent/report.pdf"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let gif = s.dir().join("anim.gif");
    std::fs::write(&gif, b"GIF89a-------").expect("written");
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "alice", "--image", &gif.to_string_lossy()]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("jpg, jpeg, png"), "{}", text(&out.stderr));
    let out = yizhan(&s, SECRET, &["send", "ops", "--image", &gif.to_string_lossy()]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // --dry-run names the upload and prints the body with a placeholder id.
    let out = yizhan(&s, SECRET, &["send", "ops", "--to", "bob", "--voice", "hello.amr", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("/cgi-bin/media/upload?access_token=[redacted]&type=voice"));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON body");
    assert_eq!(body["msgtype"], "voice");
    let stats = s.emu.stats();
    assert_eq!((stats.media_uploads, stats.send_calls), (0, 0));
}
