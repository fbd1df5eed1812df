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

/// `--log-format json` (here `YIZHAN_LOG_FORMAT`): every line is one JSON object; every request
/// has an `x-request-id` (the caller's, or a new one) that its log lines carry; the query string
/// (which may hold a `?token=`) is never logged; no colour codes in a file.
#[tokio::test]
async fn json_logs_carry_the_request_id_that_the_response_names() {
    let emu = emulator::spawn_default().await;
    let tmp = yizhan_test_kit::temp_dir("serve-logs-json");
    let env = [("YIZHAN_LOG_FORMAT", "json"), ("RUST_LOG", "info")];
    let (gateway, log) = serve_ops(&emu.base_url(), tmp.path(), &env).await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", gateway.base);
    let given = http
        .get(url("/v1/messages?channel=ops&token=query-secret-123"))
        .bearer_auth("k")
        .header("x-request-id", "req-from-caller-1")
        .send()
        .await
        .expect("list");
    assert_eq!(given.status(), 200);
    assert_eq!(given.headers()["x-request-id"], "req-from-caller-1", "the caller's id is kept");
    let fresh = http.get(url("/v1/messages/nope")).bearer_auth("k").send().await.expect("get");
    let fresh_id = fresh.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_eq!(fresh_id.len(), 36, "a new UUID: {fresh_id}");
    let other = http.get(url("/healthz")).send().await.expect("healthz");
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), fresh_id, "one id per request");
    gateway.terminate().await;

    let log = std::fs::read_to_string(&log).expect("log");
    assert!(!log.contains('\u{1b}'), "no ANSI escape codes in a file:\n{log}");
    assert!(!log.contains("query-secret-123"), "the query string is not logged:\n{log}");
    let lines: Vec<serde_json::Value> = log
        .lines()
        // The file also holds stdout: the two lines `serve` prints there (its address, its end).
        .filter(|l| !l.trim().is_empty() && !l.starts_with("yizhan serving on ") && *l != "yizhan stopped")
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let of = |id: &str| lines.iter().filter(|l| l["span"]["request_id"] == id).cloned().collect::<Vec<_>>();
    let caller = of("req-from-caller-1");
    assert!(!caller.is_empty(), "lines of the caller's request:\n{log}");
    assert!(caller.iter().all(|l| l["span"]["path"] == "/v1/messages" && l["span"]["method"] == "GET"), "{caller:?}");
    assert!(caller.iter().any(|l| l["fields"]["status"] == 200), "the response line with its status: {caller:?}");
    assert!(of(&fresh_id).iter().any(|l| l["fields"]["status"] == 404), "{log}");
}
