//! What `yizhan serve` logs at its default level (WARN): a message that goes dead, with the
//! channel, the message id, the provider's code and its meaning, in plain words (no Rust
//! `Some(…)` debug syntax).

mod reliability;

use std::time::{Duration, Instant};

use reliability::{Gateway, free_port, gateway_config, temp_dir};
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};

#[tokio::test]
async fn a_dead_message_is_logged_at_warn_with_its_code_and_meaning() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = temp_dir("serve-logs");
    let port = free_port();
    let config = dir.join("yizhan.toml");
    let text = gateway_config(&dir.join("y.db"), port, &emu.base_url(), &ApiKeys::hash("k"), "", "[\"ops\"]");
    std::fs::write(&config, text).expect("config");
    let log = dir.join("serve.log");
    let gateway = Gateway::start(&config, port, &log, &[]).await;
    emu.fail_next_on("/cgi-bin/message/send", 1, 60020);
    let http = reqwest::Client::new();
    let accepted: serde_json::Value = http
        .post(format!("{}/v1/messages", gateway.base))
        .bearer_auth("k")
        .body(r#"{"channel":"ops","to":{"users":["alice"]},"content":{"text":"x"}}"#)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let id = accepted["id"].as_str().expect("id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let view: serde_json::Value = http
            .get(format!("{}/v1/messages/{id}", gateway.base))
            .bearer_auth("k")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if view["status"] == "dead" {
            break;
        }
        assert!(Instant::now() < deadline, "not dead in time: {view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    gateway.terminate().await;
    let log = std::fs::read_to_string(&log).expect("log");
    let line = log.lines().find(|l| l.contains("message dead")).unwrap_or_else(|| panic!("no dead line in:\n{log}"));
    for want in
        ["WARN", "channel=ops", &format!("message_id={id}"), "errcode=60020", "meaning=\"caller IP not allowed\""]
    {
        assert!(line.contains(want), "{want:?} in {line}");
    }
    assert!(!log.contains("Some("), "no Rust debug syntax:\n{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
