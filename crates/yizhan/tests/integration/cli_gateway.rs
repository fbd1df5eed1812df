//! The CLI as a client of a running gateway, through the binary: `--dry-run` plans without
//! sending, every local content flag works through `--server`, `--json-output` everywhere, and
//! human output with local times, summaries, table headers and `error: … (HTTP n)`.

use std::collections::HashMap;
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::Running;
use yizhan_test_kit::wait;

const KEY: &str = "cli-key-0123456789";

struct Rig {
    emu: EmulatorHandle,
    running: Running,
    dir: std::path::PathBuf,
}

async fn rig(name: &str) -> Rig {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{url}\"\n\n\
         [[channels]]\nname = \"ops-robot\"\nkind = \"wecom_robot\"\nkey = \"yizhan-demo-robot-key\"\nbase_url = \"{url}\"\n\n\
         [[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
         master_secret = \"yizhan-demo-master\"\nbase_url = \"{url}\"\n\n\
         [[api_keys]]\nname = \"cli\"\nsha256 = \"{hash}\"\nchannels = [\"ops\", \"ops-robot\", \"app\"]\n",
        url = emu.base_url(),
        hash = ApiKeys::hash(KEY)
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let running = Running::start(config).await;
    let dir = std::env::temp_dir().join(format!("yizhan-cli-gateway-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Rig { emu, running, dir }
}

impl Rig {
    async fn cli(&self, args: &[&str]) -> Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
            .args(args)
            .env("YIZHAN_SERVER", &self.running.base)
            .env("YIZHAN_API_KEY", KEY)
            .env("TZ", "Asia/Shanghai")
            .env_remove("YIZHAN_CONFIG")
            .env_remove("RUST_LOG")
            .output()
            .await
            .expect("binary runs")
    }

    /// Waits until message `id` is final; returns its JSON.
    async fn settled(&self, id: &str) -> Value {
        wait::for_state(&format!("message {id} to be final"), Duration::from_secs(10), async || {
            let out = self.cli(&["status", id, "--json-output"]).await;
            let view: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            let status = view["status"].as_str().unwrap_or_default().to_owned();
            if ["delivered", "partially_delivered", "dead"].contains(&status.as_str()) { Ok(view) } else { Err(view) }
        })
        .await
    }

    async fn accepted_id(&self, args: &[&str]) -> String {
        let out = self.cli(args).await;
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout} {}", text(&out.stderr));
        stdout.trim().strip_prefix("accepted: id ").and_then(|r| r.split_whitespace().next()).expect("an id").to_owned()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn a_dry_run_through_the_gateway_prints_the_provider_bodies_and_sends_nothing() {
    let r = rig("dry").await;
    let out = r.cli(&["send", "ops", "--to", "carol", "--text", "planned only", "--dry-run"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let body: Value = serde_json::from_slice(&out.stdout).expect("stdout is the provider body");
    assert_eq!((body["touser"].as_str(), body["text"]["content"].as_str()), (Some("carol"), Some("planned only")));
    assert!(
        text(&out.stderr).contains("nothing stored or sent: wecom.message_send to user:carol"),
        "{}",
        text(&out.stderr)
    );
    let out = r.cli(&["send", "ops", "--to", "carol", "--text", "planned only", "--dry-run", "--json-output"]).await;
    let plan: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(plan["dry_run"], true);
    let out = r.cli(&["messages", "list", "--json-output"]).await;
    let page: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0), "nothing stored: {page}");
    assert!(r.emu.inbox().is_empty(), "nothing sent (and nothing stored that could be)");
    r.running.stop().await;
}

#[tokio::test]
async fn every_local_content_flag_works_through_the_gateway() {
    let r = rig("flags").await;
    let card = r
        .accepted_id(&[
            "send",
            "ops",
            "--to",
            "alice",
            "--textcard",
            "title=Disk full,description=db-3,url=https://example.com/db-3",
        ])
        .await;
    let json_file = r.dir.join("news.json");
    std::fs::write(
        &json_file,
        r#"{"touser":"bob","msgtype":"news","news":{"articles":[{"title":"T","url":"https://example.com"}]}}"#,
    )
    .expect("json");
    let news = r.accepted_id(&["send", "ops", "--json", json_file.to_str().expect("utf-8")]).await;
    let v2 = r.accepted_id(&["send", "ops-robot", "--markdown-v2", "| a | b |\n| -- | -- |\n| 1 | 2 |"]).await;
    let push = r
        .accepted_id(&[
            "send",
            "app",
            "--cid",
            "cid-alice",
            "--title",
            "T",
            "--body",
            "B",
            "--click",
            "url=https://example.com",
        ])
        .await;
    for id in [&card, &news, &v2, &push] {
        assert_eq!(r.settled(id).await["status"], "delivered", "{id}");
    }
    let inbox = r.emu.inbox();
    let types: Vec<(&str, &str)> = inbox.iter().map(|d| (d.recipient.as_str(), d.msgtype.as_str())).collect();
    for want in [("alice", "textcard"), ("bob", "news"), ("group", "markdown_v2"), ("cid-alice", "notification")] {
        assert!(types.contains(&want), "{want:?} in {types:?}");
    }
    let push_content = inbox.iter().find(|d| d.recipient == "cid-alice").map(|d| d.content.clone()).unwrap_or_default();
    assert_eq!(push_content["notification"]["url"], "https://example.com", "{push_content}");
    let out = r.cli(&["send", "ops", "--to", "alice", "--image", "chart.png"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--image with --server: the gateway takes media by media_id only"),
        "{}",
        text(&out.stderr)
    );
    r.running.stop().await;
}

#[tokio::test]
async fn json_output_works_for_send_csv_and_list() {
    let r = rig("json").await;
    let out = r.cli(&["send", "ops", "--to", "alice", "--text", "x", "--json-output"]).await;
    let accepted: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(accepted["id"].is_string(), "{accepted}");
    let csv = r.dir.join("people.csv");
    std::fs::write(&csv, "user\nbob\n张三\n").expect("csv");
    let out = r.cli(&["send", "ops", "--csv", csv.to_str().expect("utf-8"), "--text", "bulk", "--json-output"]).await;
    assert_eq!(out.status.code(), Some(2), "a refused row");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(summary["accepted"][0]["recipient"], "bob", "{summary}");
    assert_eq!(summary["refused"][0]["recipient"], "张三", "{summary}");
    let out = r.cli(&["messages", "list", "--json-output"]).await;
    let page: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2), "{page}");
    r.running.stop().await;
}

#[tokio::test]
async fn human_output_has_local_times_a_summary_headers_and_plain_errors() {
    let r = rig("human").await;
    let id = r.accepted_id(&["send", "ops", "--to", "carol,zed", "--text", "disk full"]).await;
    r.settled(&id).await;
    let out = r.cli(&["status", &id]).await;
    let summary = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(!summary.contains('{'), "no JSON without --json-output: {summary}");
    for want in [
        "status       partially_delivered",
        "channel      ops",
        "user:carol",
        "delivered",
        "user:zed",
        "invalid",
        "attempts     1",
        "+08:00",
    ] {
        assert!(summary.contains(want), "{want:?} in\n{summary}");
    }
    let out = r.cli(&["messages", "list"]).await;
    let table = text(&out.stdout);
    assert!(
        table.starts_with("ID") && table.contains("STATUS") && table.contains(&id) && table.contains("+08:00"),
        "{table}"
    );
    let out = r.cli(&["messages", "list", "--status", "dead"]).await;
    assert_eq!((out.status.code(), text(&out.stdout).trim()), (Some(0), "no messages matched"));
    let out = r.cli(&["retry", &id]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: message ")
            && err.contains("is partially_delivered")
            && err.trim_end().ends_with("(HTTP 409)"),
        "{err}"
    );
    let out = r.cli(&["status", &id, "--api-key", "wrong"]).await;
    assert_eq!(text(&out.stderr).trim(), "error: a valid API key is required: Authorization: Bearer <key> (HTTP 401)");
    r.running.stop().await;
}
