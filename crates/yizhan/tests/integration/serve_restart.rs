//! Durability across a restart: messages accepted by one `serve` are all delivered once after it
//! is stopped mid-stream and a new one starts on the same database.

use std::collections::HashMap;
use std::time::Duration;

use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::Running;
use yizhan_test_kit::wait;

const KEY: &str = "restart-test-key";

fn config(emu: &EmulatorHandle, db: &std::path::Path) -> Config {
    let text = format!(
        "[store]\nurl = \"sqlite://{}\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\n\
         agent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n[[api_keys]]\nname = \"t\"\n\
         sha256 = \"{}\"\nchannels = [\"ops\"]\n",
        db.display(),
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

#[tokio::test]
async fn a_restart_mid_stream_loses_nothing_and_delivers_once() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = std::env::temp_dir().join(format!("yizhan-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("outbox.db");
    let http = reqwest::Client::new();
    // Slow answers keep sends in flight when the first server stops: at 5 s per answer and the
    // worker's default concurrency, delivering all 40 takes three rounds (15 s), far longer than
    // posting them does even on a loaded machine, now that accepted work reaches the worker in
    // memory without waiting for a claim.
    emu.set_delay(Duration::from_secs(5));
    let first = Running::start(config(&emu, &db)).await;
    let base = first.base.clone();
    let mut accepted = Vec::new();
    for i in 0..40 {
        // Four members, ten each: below WeCom's 30 per member per minute; the quota ledger (docs/shaping.md) shapes more.
        let user = ["alice", "bob", "carol", "dave"][i % 4];
        let body = format!(r#"{{"channel":"ops","to":{{"users":["{user}"]}},"content":{{"text":"message {i}"}}}}"#);
        let response = http.post(format!("{base}/v1/messages")).bearer_auth(KEY).body(body).send().await.expect("post");
        assert_eq!(response.status(), 202);
        accepted.push(i);
    }
    first.stop().await;
    let delivered_before = emu.inbox().iter().filter(|d| !d.deduplicated && d.dropped.is_none()).count();

    emu.set_delay(Duration::ZERO);
    let second = Running::start(config(&emu, &db)).await;
    let delivered = wait::for_state("every accepted message delivered", Duration::from_secs(30), async || {
        let delivered: Vec<String> = emu
            .inbox()
            .into_iter()
            .filter(|d| !d.deduplicated && d.dropped.is_none())
            .map(|d| d.content["content"].as_str().unwrap_or_default().to_owned())
            .collect();
        if delivered.len() >= accepted.len() { Ok(delivered) } else { Err(delivered.len()) }
    })
    .await;
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), delivered.len(), "no message delivered twice");
    assert_eq!(delivered.len(), 40, "every accepted message delivered");
    assert!(delivered_before < 40, "the first server was stopped mid-stream ({delivered_before} delivered)");
    second.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
