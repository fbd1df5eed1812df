//! What `yizhan serve` logs at its default level (WARN): a message that goes dead, with the
//! channel, the message id, the provider's code and its meaning, in plain words (no Rust
//! `Some(…)` debug syntax).

use crate::reliability::serve_ops;
use crate::support::ApiClient;
use yizhan_test_kit::emulator;

#[tokio::test]
async fn a_dead_message_is_logged_at_warn_with_its_code_and_meaning() {
    let emu = emulator::spawn_default().await;
    let tmp = yizhan_test_kit::temp_dir("serve-logs");
    let (gateway, log) = serve_ops(&emu.base_url(), tmp.path(), &[]).await;
    emu.fail_next_on("/cgi-bin/message/send", 1, 60020);
    let api = ApiClient::new(&gateway.base, "k");
    let id =
        api.send(&serde_json::json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "x"}})).await;
    api.wait_for(&id, &["dead"]).await;
    gateway.terminate().await;
    let log = std::fs::read_to_string(&log).expect("log");
    let line = log.lines().find(|l| l.contains("message dead")).unwrap_or_else(|| panic!("no dead line in:\n{log}"));
    for want in
        ["WARN", "channel=ops", &format!("message_id={id}"), "errcode=60020", "meaning=\"caller IP not allowed\""]
    {
        assert!(line.contains(want), "{want:?} in {line}");
    }
    assert!(!log.contains("Some("), "no Rust debug syntax:\n{log}");
}
