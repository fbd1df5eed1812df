//! A provider call slower than the lease: the worker renews the leases of its sends while they
//! run and never claims its own send again, so a group robot (no provider dedupe) gets a slow
//! message exactly once, recorded as one delivered attempt.
//!
//! `serve` runs in-process with a lease of a few seconds, set after parsing (a configuration
//! file may not ask for a lease shorter than the longest provider call; a lease lost anyway
//! is what these tests provoke), and the emulator holds every answer longer than the lease.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

const KEY: &str = "lease-test-key";

fn config(emu: &EmulatorHandle, lease_secs: u64) -> Config {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops-robot\"\nkind = \"wecom_robot\"\nkey = \"yizhan-demo-robot-key\"\nbase_url = \"{}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops-robot\"]\n",
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    let mut config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    config.worker.lease_secs = lease_secs;
    // Answers held up to 8 s must not time out.
    config.worker.request_timeout_ms = 20_000;
    config.worker.initial_delay_ms = 100;
    config
}

/// Starts `serve` with `lease_secs`, arms `busy` "system busy" (-1) answers of the robot
/// webhook, holds every answer `delay`, posts one robot text and waits until it is done; then
/// checks that the group got it exactly once after `busy + 1` webhook calls, each its own
/// recorded attempt (the gateway's clients make one call per attempt), the last delivered.
async fn send_slowly(lease_secs: u64, busy: u32, delay: Duration) {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let running = Running::start(config(&emu, lease_secs)).await;
    let api = ApiClient::new(&running.base, KEY);
    if busy > 0 {
        emu.fail_next_on("/cgi-bin/webhook/send", busy, -1);
    }
    emu.set_delay(delay);
    let text = "slow deploy";
    let id = api.send(&json!({"channel": "ops-robot", "content": {"text": text}})).await;
    let view = api.wait_for(&id, &["delivered", "dead", "failed"]).await;
    emu.set_delay(Duration::ZERO);
    let received = emu.inbox().iter().filter(|d| d.content.to_string().contains(text)).count();
    assert_eq!(received, 1, "inbox: {:?}", emu.inbox());
    assert_eq!(emu.stats().robot_calls, u64::from(busy) + 1, "{:?}", emu.stats());
    assert_eq!(view["status"], "delivered", "{view}");
    assert_eq!(view["attempts"], busy + 1, "{view}");
    let log = view["dispatches"][0]["attempt_log"].as_array().expect("attempt log");
    assert_eq!(log.len(), busy as usize + 1, "every attempt recorded: {view}");
    assert!(log.iter().rev().skip(1).all(|a| a["result"] == "retry"), "{view}");
    assert_eq!(log[busy as usize]["result"], "delivered", "{view}");
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_send_slower_than_the_lease_is_delivered_once() {
    send_slowly(2, 0, Duration::from_millis(4_500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_answers_slower_than_the_lease_are_separate_attempts_delivered_once() {
    // Two "system busy" answers, each held 2.5 s (longer than the lease): the worker retries
    // them as attempts of their own, and the group gets the message once.
    send_slowly(2, 2, Duration::from_millis(2_500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_second_lease_and_an_eight_second_answer_deliver_once() {
    send_slowly(5, 0, Duration::from_secs(8)).await;
}
