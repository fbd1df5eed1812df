//! People: `to.people` resolved per channel when a message is accepted (a WeCom application
//! and an email channel from one people file), refusals naming the person, and `yizhan people
//! sync` importing the emulator's WeCom directory into a people file that keeps what was added
//! by hand.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{DEFAULT_AGENT_ID, DEFAULT_CORP_ID, DEFAULT_SECRET, Emulator, EmulatorConfig};

use crate::support::smtp::SmtpServer;
use crate::support::{ApiClient, Running, run_yizhan, text, wait_for_inbox};

/// The `wecom_app` channel `ops` on the emulator at `base`.
fn wecom_channel(base: &str) -> String {
    format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"{DEFAULT_CORP_ID}\"\nagent_id = {DEFAULT_AGENT_ID}\n\
         secret = \"{DEFAULT_SECRET}\"\nbase_url = \"{base}\"\n"
    )
}

#[tokio::test]
async fn people_sync_imports_the_directory_and_keeps_hand_written_ids() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let dir = yizhan_test_kit::temp_dir("people");
    let file = dir.path().join("people.toml");
    let out_path = file.to_str().expect("path");
    let config = wecom_channel(&emu.base_url());

    let printed = run_yizhan(&config, &[], &["people", "sync", "--channel", "ops"]).await;
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let people = yizhan::people::sync::parse(&text(&printed.stdout)).expect("a people file");
    let userids: Vec<Option<&str>> = people.iter().map(|p| p.wecom_userid.as_deref()).collect();
    assert_eq!(userids, [Some("alice"), Some("bob"), Some("carol"), Some("dave")], "each member once");
    assert!(!file.exists(), "printed, not written");

    // A hand-edited file: alice has another id and an email; a sync keeps both.
    std::fs::write(&file, "[[people]]\nid = \"al\"\nwecom_userid = \"alice\"\nemail = \"alice@example.com\"\n")
        .expect("write");
    let written = run_yizhan(&config, &[], &["people", "sync", "--channel", "ops", "--output", out_path]).await;
    assert!(written.status.success(), "{}", text(&written.stderr));
    assert!(text(&written.stderr).contains("3 added, 1 kept"), "{}", text(&written.stderr));
    let people = yizhan::people::sync::parse(&std::fs::read_to_string(&file).expect("read")).expect("parses");
    assert_eq!(people.len(), 4);
    assert_eq!((people[0].id.as_str(), people[0].email.as_deref()), ("al", Some("alice@example.com")));
    assert_eq!(people[1].id, "bob");

    let not_app = run_yizhan(
        &format!("{config}[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"k\"\n"),
        &[],
        &["people", "sync", "--channel", "bot"],
    )
    .await;
    assert_eq!(not_app.status.code(), Some(2), "{}", text(&not_app.stderr));
}

#[tokio::test]
async fn a_message_to_people_reaches_each_through_the_channels_ids() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let smtp = SmtpServer::start(&[]).await;
    let dir = yizhan_test_kit::temp_dir("people");
    std::fs::write(
        dir.path().join("people.toml"),
        "[[people]]\nid = \"alice\"\nwecom_userid = \"alice\"\nemail = \"alice@example.com\"\n\
         [[people]]\nid = \"carol\"\nwecom_userid = \"carol\"\n",
    )
    .expect("people file");
    let mail = smtp.as_ref().map_or(1, |s| s.port);
    let text = format!(
        "people_file = \"people.toml\"\n[store]\nurl = \"sqlite::memory:\"\n\n{}\n[[channels]]\nname = \"mail\"\nkind = \"email\"\n\
         host = \"127.0.0.1\"\nport = {mail}\nsecurity = \"plain\"\nfrom = \"ops@example.com\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\", \"mail\"]\n",
        wecom_channel(&emu.base_url()),
        ApiKeys::hash("k")
    );
    let path = dir.path().join("yizhan.toml");
    let config = Config::parse(&text, path.to_str().expect("path"), &HashMap::new()).expect("config");
    assert_eq!(config.people.len(), 2, "read from people_file beside the configuration");
    let running = Running::start(config).await;
    let api = ApiClient::new(&running.base, "k");

    let id = api
        .send(&json!({"channel": "ops", "to": {"people": ["alice", "carol"]}, "content": {"text": "disk full"}}))
        .await;
    assert_eq!(api.wait_for(&id, &["delivered", "dead"]).await["status"], "delivered");
    let inbox = wait_for_inbox(&emu, "alice and carol", Duration::from_secs(10), |i| i.len() >= 2).await;
    let mut got: Vec<&str> = inbox.iter().map(|d| d.recipient.as_str()).collect();
    got.sort_unstable();
    assert_eq!(got, ["alice", "carol"]);

    let (status, answer) = api
        .post(
            "/v1/messages",
            Some(&json!({"channel": "mail", "to": {"people": ["alice", "carol"]}, "content": {"text": "x"}})),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "to.people[1]");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("\"carol\" has no email")), "{answer}");
    let (status, answer) = api
        .post("/v1/messages", Some(&json!({"channel": "ops", "to": {"people": ["zed"]}, "content": {"text": "x"}})))
        .await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("to.people[0]")), "{answer}");

    if let Some(smtp) = &smtp {
        let id =
            api.send(&json!({"channel": "mail", "to": {"people": ["alice"]}, "content": {"text": "disk full"}})).await;
        assert_eq!(api.wait_for(&id, &["delivered", "dead"]).await["status"], "delivered");
        assert_eq!(smtp.wait_received(1).await[0]["rcpt_tos"], json!(["alice@example.com"]));
    }
    running.stop().await;
}
