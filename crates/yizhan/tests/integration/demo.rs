//! `yizhan demo` end to end: the printed key and curl bodies deliver to the embedded emulator.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use yizhan_test_kit::wait;

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A started `yizhan demo`: its base URL, its API key, and the rest of its stdout.
fn start_demo(dir: &std::path::Path) -> (Demo, String, String, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    std::fs::create_dir_all(dir).expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("demo.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let demo = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = first.split_whitespace().find(|w| w.starts_with("http://")).expect("base URL").trim_end_matches(',');
    let base = base.to_owned();
    let key = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("API key: ").map(str::to_owned))
        .expect("the key is printed on a line of its own");
    (demo, base, key, lines)
}

#[tokio::test]
async fn the_printed_key_and_commands_deliver() {
    let dir = std::env::temp_dir().join(format!("yizhan-demo-test-{}", std::process::id()));
    let (demo, base, key, mut lines) = start_demo(&dir);
    // Keep reading from `lines` alive until the end: a closed pipe would kill the demo's next print.
    let mut console = None;
    let curls: Vec<String> = lines
        .by_ref()
        .map_while(Result::ok)
        .inspect(|l| console = console.take().or_else(|| l.strip_prefix("Console: ").map(str::to_owned)))
        .filter(|l| l.starts_with("curl -s -X POST"))
        .take(3)
        .collect();
    assert_eq!(curls.len(), 3, "three ready-to-paste commands");
    // The console's URL is printed before them, and the printed key signs in there.
    let console = console.expect("the console URL is printed");
    assert!(console.starts_with(&format!("{base}/console/ ")), "{console}");
    let mut user = crate::support::console::ConsoleClient::signed_in(&base, &key).await;
    assert_eq!(user.get("/console/send").await.status, 200);

    let http = reqwest::Client::new();
    for curl in &curls {
        let body = curl.rsplit_once(" -d '").expect("a body").1.trim_end_matches('\'');
        let response = http
            .post(format!("{base}/v1/messages"))
            .bearer_auth(&key)
            .body(body.to_owned())
            .send()
            .await
            .expect("accepted");
        assert_eq!(response.status(), 202, "{body}");
    }
    let providers = wait::for_state("the demo's four deliveries", Duration::from_secs(20), async || {
        let inbox: Vec<serde_json::Value> =
            http.get(format!("{base}/__emulator/inbox")).send().await.expect("inbox").json().await.expect("json");
        let providers: Vec<String> = inbox.iter().filter_map(|d| d["provider"].as_str().map(str::to_owned)).collect();
        if providers.len() >= 4 { Ok(providers) } else { Err(providers) }
    })
    .await;
    assert_eq!(providers.iter().filter(|p| *p == "wecom").count(), 2, "{providers:?}");
    assert!(providers.iter().any(|p| p == "wecom_robot") && providers.iter().any(|p| p == "getui"), "{providers:?}");
    let alias: Vec<serde_json::Value> =
        http.get(format!("{base}/emulator/inbox")).send().await.expect("inbox").json().await.expect("json");
    assert!(alias.len() >= 4, "the old path is an alias: {alias:?}");
    let unauthorized = http.get(format!("{base}/v1/messages")).send().await.expect("answer");
    assert_eq!(unauthorized.status(), 401);
    drop(demo);
    drop(lines);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_printed_alert_curl_sends_one_card_and_its_acknowledge_click_updates_it() {
    let dir = std::env::temp_dir().join(format!("yizhan-demo-alerts-{}", std::process::id()));
    let (demo, base, key, mut lines) = start_demo(&dir);
    let curl = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("/v1/intake/alertmanager/alerts"))
        .expect("an Alertmanager curl");
    let body = curl.rsplit_once(" -d '").expect("a body").1.trim_end_matches('\'');
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/v1/intake/alertmanager/alerts"))
        .bearer_auth(&key)
        .body(body.to_owned())
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 202);
    let inbox = |http: reqwest::Client, base: String| async move {
        let inbox: Vec<serde_json::Value> =
            http.get(format!("{base}/__emulator/inbox")).send().await.expect("inbox").json().await.expect("json");
        inbox
    };
    let card = wait::for_state("the alert card at the emulator", Duration::from_secs(20), async || {
        let inbox = inbox(http.clone(), base.clone()).await;
        let card = inbox.iter().find(|d| d["msgtype"] == "template_card" && d["recipient"] == "alice").cloned();
        card.ok_or(inbox)
    })
    .await;
    assert_eq!(card["content"]["card_type"], "button_interaction", "{card}");
    let task_id = card["content"]["task_id"].as_str().expect("task_id").to_owned();
    let click = serde_json::json!({"task_id": task_id, "user": "alice", "key": "yizhan-ack"});
    let clicked = http.post(format!("{base}/__emulator/click")).json(&click).send().await.expect("clicked");
    assert_eq!(clicked.status(), 200);
    wait::for_state("the card updated with who acknowledged", Duration::from_secs(20), async || {
        let inbox = inbox(http.clone(), base.clone()).await;
        let updated = inbox.iter().any(|d| {
            d["msgtype"] == "update_template_card" && d["content"].to_string().contains("Acknowledged by alice")
        });
        if updated { Ok(()) } else { Err(inbox) }
    })
    .await;
    drop(demo);
    drop(lines);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_cli_is_a_client_of_a_running_gateway() {
    let dir = std::env::temp_dir().join(format!("yizhan-demo-cli-{}", std::process::id()));
    let (_demo, base, key, _lines) = start_demo(&dir);
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_yizhan"))
            .args(args)
            .env("YIZHAN_SERVER", &base)
            .env("YIZHAN_API_KEY", &key)
            .env_remove("YIZHAN_CONFIG")
            .output()
            .expect("cli runs")
    };
    let out = cli(&["send", "ops", "--to", "carol", "--text", "via the gateway"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    let id = stdout
        .trim()
        .strip_prefix("accepted: id ")
        .and_then(|r| r.split_whitespace().next())
        .expect("an id")
        .to_owned();
    wait::for_state(&format!("message {id} delivered"), Duration::from_secs(20), async || {
        let out = cli(&["status", &id, "--json-output"]);
        assert_eq!(out.status.code(), Some(0));
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        if status["status"] == "delivered" { Ok(()) } else { Err(status) }
    })
    .await;
    let out = cli(&["messages", "list", "--status", "delivered"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&id));
    let out = cli(&["retry", &id]);
    assert_eq!(out.status.code(), Some(2), "a delivered message cannot be replayed (409)");
    let csv = dir.join("recipients.csv");
    std::fs::write(&csv, "name,user\nAlice,alice\nBob,bob\nBad,张三\n").expect("csv");
    let out = cli(&["send", "ops", "--csv", csv.to_str().expect("utf-8"), "--text", "bulk hello"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(2), "a refused row makes the exit non-zero: {stdout}");
    assert!(stdout.contains("accepted 2, refused 1 of 3 rows") && stdout.contains("张三"), "{stdout}");
    let out = Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["status", &id, "--server", &base, "--api-key", "wrong"])
        .output()
        .expect("cli runs");
    assert_eq!(out.status.code(), Some(2), "401 is a usage error");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_emulator_help_names_wecom_and_getui_and_the_inbox_path() {
    let out = Command::new(env!("CARGO_BIN_EXE_yizhan")).args(["emulator", "--help"]).output().expect("help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("WeCom") && help.contains("Getui") && help.contains("/__emulator/inbox"), "{help}");
    let out = Command::new(env!("CARGO_BIN_EXE_yizhan")).arg("--help").output().expect("help");
    let help = String::from_utf8_lossy(&out.stdout);
    let line = help.lines().find(|l| l.trim_start().starts_with("emulator")).unwrap_or_default();
    assert!(line.contains("WeCom") && line.contains("Getui"), "{line}");
}
