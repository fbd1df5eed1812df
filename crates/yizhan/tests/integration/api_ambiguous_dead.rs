//! An answer lost after the provider took the message, then a permanent error on the resend:
//! the recipient has the message, so through the HTTP API the message is dead with its outcome
//! still unknown (`last_error.ambiguous`), never a plain permanent failure.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};

use crate::support::{ApiClient, Running};

const KEY: &str = "ambiguous-dead-key";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_error_after_a_lost_answer_keeps_the_outcome_unknown() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    // Resends wait 2–4 s (jitter): time to arm the permanent answer once the first attempt failed.
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[worker]\ninitial_delay_ms = 4000\n\n\
         [[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\nread_timeout_ms = 250\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    let running = Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await;
    let api = ApiClient::new(&running.base, KEY);
    // The token is cached first, so that the lost answer is the send's.
    let warm_up = api.send(&json!({"channel": "ops", "to": {"users": ["bob"]}, "content": {"text": "hi"}})).await;
    api.wait_for(&warm_up, &["delivered"]).await;

    emu.set_delay(Duration::from_millis(700));
    let id = api.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "deploy 7"}})).await;
    let view = api.wait_for(&id, &["retrying", "dead"]).await;
    assert_eq!(view["status"], "retrying", "{view}");
    assert_eq!(view["last_error"]["ambiguous"], true, "{view}");
    emu.set_delay(Duration::ZERO);
    emu.fail_next_on("/cgi-bin/message/send", 1, 40003);

    let view = api.wait_for(&id, &["dead", "delivered"]).await;
    assert_eq!(view["status"], "dead", "{view}");
    let error = &view["last_error"];
    assert_eq!((error["kind"].as_str(), error["code"].as_i64()), (Some("permanent"), Some(40003)), "{view}");
    assert_eq!(error["ambiguous"], true, "the first attempt may have been delivered: {view}");
    assert!(error["message"].as_str().is_some_and(|m| m.starts_with("outcome unknown")), "{view}");
    let log = view["dispatches"][0]["attempt_log"].as_array().expect("attempt log");
    assert_eq!(log.len(), 2, "the lost answer and the permanent error: {view}");
    assert_eq!(log[0]["error"]["ambiguous"], true, "{view}");
    let alice: Vec<_> = emu.inbox().into_iter().filter(|d| d.recipient == "alice" && !d.deduplicated).collect();
    assert_eq!(alice.len(), 1, "the provider took the first send: {alice:?}");
    running.stop().await;
}
