//! Webhook delivery end to end, on SQLite and PostgreSQL: a receiver on loopback gets a
//! message's events in order, each signed so that an independent Standard Webhooks check
//! accepts it (and rejects a tampered body and an old timestamp); a receiver that fails is
//! retried until it accepts; a gateway killed mid-delivery sends the event again after a
//! restart (at least once, nothing lost).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde_json::json;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::EmulatorHandle;
use yizhan_test_kit::postgres::TempDatabase;
use yizhan_test_kit::sqlite::TempSqlite;

use crate::support::webhook_receiver::{Received, Receiver, verify};
use crate::support::{ApiClient, Running};

/// The configured subscription's secret (24 bytes: `whsec_` + Base64).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A gateway configuration on `store_url` in front of `emu`, with API key `k` (channel `ops`)
/// and a `[[webhooks]]` subscription `recv` to every `message.*` event of `ops` at `hook`.
fn config(emu: &EmulatorHandle, store_url: &str, hook: &str) -> Config {
    let text = format!(
        "[store]\nurl = \"{store_url}\"\n\n[worker]\ninitial_delay_ms = 50\nmax_delay_secs = 1\nlease_secs = 2\n\
         request_timeout_ms = 200\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\n\
         agent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n\n\
         [[webhooks]]\nname = \"recv\"\nurl = \"{hook}\"\nevents = [\"message.*\"]\nchannels = [\"ops\"]\n\
         secret = \"{SECRET}\"\nallow_private_urls = true\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    Config::parse(&text, "t.toml", &HashMap::new()).expect("config")
}

/// The stores to run on: a SQLite file, and a fresh PostgreSQL database unless it is
/// unreachable outside CI. The guards keep them alive.
async fn stores() -> Vec<(String, Box<dyn std::any::Any>)> {
    let sqlite = TempSqlite::new();
    let mut out: Vec<(String, Box<dyn std::any::Any>)> = vec![(sqlite.url(), Box::new(sqlite))];
    if let Some(db) = TempDatabase::create().await {
        out.push((db.url.clone(), Box::new(db)));
    }
    out
}

/// The types of `received`, in order.
fn types(received: &[Received]) -> Vec<String> {
    received.iter().map(|r| r.json()["type"].as_str().unwrap_or_default().to_owned()).collect()
}

/// Asserts that a message's accepted deliveries are its lifecycle in order, once each.
fn assert_in_order(received: &[Received]) {
    let kinds = types(received);
    assert_eq!(kinds, ["message.accepted", "message.delivered"], "{kinds:?}");
    let mut ids: Vec<u64> =
        received.iter().map(|r| r.id.trim_start_matches("evt_").parse().expect("evt_<n>")).collect();
    let sorted = {
        let mut s = ids.clone();
        s.sort_unstable();
        s
    };
    assert_eq!(ids, sorted, "event ids arrive in log order");
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "each event accepted once");
}

#[tokio::test]
async fn events_arrive_in_order_signed_for_an_independent_verifier() {
    for (store_url, _guard) in stores().await {
        let emu = yizhan_test_kit::emulator::spawn_default().await;
        let (hook, receiver) = Receiver::start().await;
        let running = Running::start(config(&emu, &store_url, &hook)).await;
        let api = ApiClient::new(&running.base, "k");
        let id = api.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "disk"}})).await;
        api.wait_for(&id, &["delivered"]).await;
        let got = receiver.wait("accepted and delivered", |_| receiver.accepted_for(&id).len() >= 2).await;
        running.stop().await;
        let mine = receiver.accepted_for(&id);
        assert_in_order(&mine);
        assert!(
            got.iter().all(|r| r.json()["type"].as_str().is_some_and(|t| t.starts_with("message."))),
            "only message.*"
        );
        let first = mine[0].json();
        assert_eq!(first["data"]["event_id"], mine[0].id, "webhook-id is the event id");
        assert_eq!(first["data"]["channel"], "ops");
        let Some(verdicts) = verify(SECRET, &mine) else { return };
        assert!(verdicts.iter().all(|v| v == "ok"), "{verdicts:?} on {store_url}");
        let mut tampered = mine[0].clone();
        tampered.body = tampered.body.replace("message.accepted", "message.delivered");
        let mut old = mine[0].clone();
        old.timestamp = (old.timestamp.parse::<i64>().expect("ts") - 600).to_string();
        let verdicts = verify(SECRET, &[tampered, old]).expect("python ran before");
        assert_eq!(verdicts, ["bad_signature", "too_old"]);
        let other_key = verify("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", &mine[..1]).expect("python ran before");
        assert_eq!(other_key, ["bad_signature"], "another subscription's secret does not verify it");
    }
}

#[tokio::test]
async fn a_failing_receiver_is_retried_until_it_accepts_and_order_holds() {
    for (store_url, _guard) in stores().await {
        let emu = yizhan_test_kit::emulator::spawn_default().await;
        let (hook, receiver) = Receiver::start().await;
        receiver.failing.store(3, Ordering::SeqCst);
        let running = Running::start(config(&emu, &store_url, &hook)).await;
        let api = ApiClient::new(&running.base, "k");
        let id = api.send(&json!({"channel": "ops", "to": {"users": ["bob"]}, "content": {"text": "disk"}})).await;
        receiver.wait("both events accepted after the failures", |_| receiver.accepted_for(&id).len() >= 2).await;
        let deliveries = api.get("/v1/webhooks/recv/deliveries").await;
        running.stop().await;
        let mine = receiver.accepted_for(&id);
        assert_in_order(&mine);
        let all = receiver.got();
        assert_eq!(all.iter().filter(|r| !r.accepted).count(), 3, "three 500s");
        assert_eq!(all[0].id, all[1].id, "the first event is retried with the same webhook-id");
        let list = deliveries.as_array().expect("a list");
        let accepted = list.iter().find(|d| d["type"] == "message.accepted").expect("the accepted event's delivery");
        assert_eq!(accepted["status"], "delivered", "{deliveries}");
        let codes: Vec<u64> = accepted["attempts"]
            .as_array()
            .expect("attempts")
            .iter()
            .filter_map(|a| a["status_code"].as_u64())
            .collect();
        assert_eq!(codes, [500, 500, 500, 200], "{deliveries}");
        assert!(accepted["attempts"][0]["error"].as_str().is_some_and(|e| e.contains("500")), "{deliveries}");
    }
}

#[tokio::test]
async fn a_delivery_cut_by_a_kill_is_sent_again_after_a_restart() {
    let sqlite = TempSqlite::new();
    let store_url = sqlite.url();
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let (hook, receiver) = Receiver::start().await;
    receiver.hang_next.store(true, Ordering::SeqCst);
    let first = Running::start(config(&emu, &store_url, &hook)).await;
    let api = ApiClient::new(&first.base, "k");
    let id = api.send(&json!({"channel": "ops", "to": {"users": ["carol"]}, "content": {"text": "disk"}})).await;
    let hung = receiver.wait("the first delivery to hang", |got| !got.is_empty()).await;
    first.kill().await;
    let second = Running::start(config(&emu, &store_url, &hook)).await;
    receiver.wait("every event accepted after the restart", |_| receiver.accepted_for(&id).len() >= 2).await;
    second.stop().await;
    let mine = receiver.accepted_for(&id);
    assert_in_order(&mine);
    assert_eq!(mine[0].id, hung[0].id, "the event cut off by the kill came again, first");
    let sent: Vec<String> = receiver.got().into_iter().map(|r| r.id).collect();
    assert_eq!(sent.iter().filter(|s| **s == hung[0].id).count(), 2, "sent once more, not more: {sent:?}");
}
