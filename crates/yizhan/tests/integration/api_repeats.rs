//! Repeated messages through the HTTP API: a message sent on purpose is delivered even when an
//! identical one went out minutes before (WeCom's duplicate check would drop it while answering
//! ok), or, when the request asked for `options.dedupe`, reported `suppressed_duplicate`.
//! Whatever the emulator answers to a suppressed duplicate (its configurable choice, since
//! WeCom's answer is undocumented).

use std::collections::HashMap;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{DuplicateAnswer, Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

/// Final statuses.
const FINAL: &[&str] = &["delivered", "partially_delivered", "dead", "suppressed_duplicate"];

/// A gateway on an in-memory store in front of `emu`, with API key `k` for channel `ops`.
async fn gateway(emu: &EmulatorHandle) -> (Running, ApiClient) {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let running = Running::start(config).await;
    let api = ApiClient::new(&running.base, "k");
    (running, api)
}

fn alert(dedupe: bool) -> Value {
    let mut body = json!({"channel": "ops", "to": {"users": ["carol"]}, "content": {"text": "CPU high on web-1"}});
    if dedupe {
        body["options"] = json!({"dedupe": true});
    }
    body
}

fn msgid(view: &Value) -> String {
    view["dispatches"][0]["handles"]["msgid"].as_str().unwrap_or_default().to_owned()
}

async fn emulator(answer: DuplicateAnswer) -> EmulatorHandle {
    let mut config = EmulatorConfig::default();
    config.wecom.duplicate_answer = answer;
    Emulator::spawn(config).await.expect("emulator")
}

#[tokio::test]
async fn a_repeated_alert_is_delivered_again_whatever_wecom_answers_to_a_duplicate() {
    for answer in [DuplicateAnswer::FirstMsgid, DuplicateAnswer::NewMsgid] {
        let emu = emulator(answer).await;
        let (running, api) = gateway(&emu).await;
        let first = api.wait_for(&api.send(&alert(false)).await, FINAL).await;
        let again = api.wait_for(&api.send(&alert(false)).await, FINAL).await;
        // And two more at once, claimed together.
        let plain = alert(false);
        let (a, b) = tokio::join!(api.send(&plain), api.send(&plain));
        let (a, b) = (api.wait_for(&a, FINAL).await, api.wait_for(&b, FINAL).await);
        for view in [&first, &again, &a, &b] {
            assert_eq!(view["status"], "delivered", "{answer:?}: {view}");
        }
        let mut msgids = vec![msgid(&first), msgid(&again), msgid(&a), msgid(&b)];
        msgids.sort();
        msgids.dedup();
        assert_eq!(msgids.len(), 4, "{answer:?}: every message has its own msgid");
        let inbox = emu.inbox();
        let carol: Vec<_> = inbox.iter().filter(|d| d.recipient == "carol").collect();
        assert_eq!(carol.len(), 4, "{answer:?}: four deliveries, none dropped: {carol:?}");
        assert!(carol.iter().all(|d| !d.deduplicated && d.dropped.is_none()), "{carol:?}");
        // The first went with the duplicate check (a lost answer could be resent safely); the
        // repeats inside its window without it.
        let checked = |v: &Value| v["dispatches"][0]["body"].get("enable_duplicate_check").is_some();
        assert!(checked(&first), "{first}");
        assert!(!checked(&again), "{again}");
        running.stop().await;
    }
}

#[tokio::test]
async fn with_dedupe_a_repeat_is_reported_suppressed_and_not_sent() {
    let emu = emulator(DuplicateAnswer::NewMsgid).await;
    let (running, api) = gateway(&emu).await;
    let first_id = api.send(&alert(true)).await;
    let first = api.wait_for(&first_id, FINAL).await;
    assert_eq!(first["status"], "delivered", "{first}");
    let again = api.wait_for(&api.send(&alert(true)).await, FINAL).await;
    assert_eq!(again["status"], "suppressed_duplicate", "{again}");
    let outcome = &again["dispatches"][0]["outcomes"][0];
    assert_eq!(
        (outcome["recipient"].as_str(), outcome["outcome"].as_str()),
        (Some("user:carol"), Some("suppressed_duplicate"))
    );
    assert!(outcome["detail"].as_str().unwrap_or_default().contains(&first_id), "{outcome}");
    assert_eq!(emu.inbox().len(), 1, "the repeat was not sent: {:?}", emu.inbox());
    // Without dedupe the same alert is delivered again.
    let plain = api.wait_for(&api.send(&alert(false)).await, FINAL).await;
    assert_eq!(plain["status"], "delivered", "{plain}");
    assert_eq!(emu.inbox().iter().filter(|d| !d.deduplicated).count(), 2);
    running.stop().await;
}
