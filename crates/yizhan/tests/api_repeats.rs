//! Repeated messages through the HTTP API: a message sent on purpose is delivered even when an
//! identical one went out minutes before (WeCom's duplicate check would drop it while answering
//! ok), or, when the request asked for `options.dedupe`, reported `suppressed_duplicate`.
//! Whatever the emulator answers to a suppressed duplicate (its configurable choice, since
//! WeCom's answer is undocumented).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{DuplicateAnswer, Emulator, EmulatorConfig, EmulatorHandle};

mod support;

use support::Running;

struct Gateway {
    base: String,
    http: reqwest::Client,
    running: Running,
}

impl Gateway {
    async fn start(emu: &EmulatorHandle) -> Gateway {
        let text = format!(
            "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
             corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n\
             [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
            emu.base_url(),
            ApiKeys::hash("k")
        );
        let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
        let running = Running::start(config).await;
        Gateway { base: running.base.clone(), http: reqwest::Client::new(), running }
    }

    async fn send(&self, body: &Value) -> String {
        let response = self
            .http
            .post(format!("{}/v1/messages", self.base))
            .bearer_auth("k")
            .json(body)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), 202);
        let answer: Value = response.json().await.expect("json");
        answer["id"].as_str().expect("id").to_owned()
    }

    /// Waits until message `id` is final; returns its view.
    async fn settled(&self, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let view: Value = self
                .http
                .get(format!("{}/v1/messages/{id}", self.base))
                .bearer_auth("k")
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            let status = view["status"].as_str().unwrap_or_default().to_owned();
            if ["delivered", "partially_delivered", "dead", "suppressed_duplicate"].contains(&status.as_str()) {
                return view;
            }
            assert!(Instant::now() < deadline, "not final in time: {view}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
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
        let gateway = Gateway::start(&emu).await;
        let first = gateway.settled(&gateway.send(&alert(false)).await).await;
        let again = gateway.settled(&gateway.send(&alert(false)).await).await;
        // And two more at once, claimed together.
        let plain = alert(false);
        let (a, b) = tokio::join!(gateway.send(&plain), gateway.send(&plain));
        let (a, b) = (gateway.settled(&a).await, gateway.settled(&b).await);
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
        gateway.running.stop().await;
    }
}

#[tokio::test]
async fn with_dedupe_a_repeat_is_reported_suppressed_and_not_sent() {
    let emu = emulator(DuplicateAnswer::NewMsgid).await;
    let gateway = Gateway::start(&emu).await;
    let first_id = gateway.send(&alert(true)).await;
    let first = gateway.settled(&first_id).await;
    assert_eq!(first["status"], "delivered", "{first}");
    let again = gateway.settled(&gateway.send(&alert(true)).await).await;
    assert_eq!(again["status"], "suppressed_duplicate", "{again}");
    let outcome = &again["dispatches"][0]["outcomes"][0];
    assert_eq!(
        (outcome["recipient"].as_str(), outcome["outcome"].as_str()),
        (Some("user:carol"), Some("suppressed_duplicate"))
    );
    assert!(outcome["detail"].as_str().unwrap_or_default().contains(&first_id), "{outcome}");
    assert_eq!(emu.inbox().len(), 1, "the repeat was not sent: {:?}", emu.inbox());
    // Without dedupe the same alert is delivered again.
    let plain = gateway.settled(&gateway.send(&alert(false)).await).await;
    assert_eq!(plain["status"], "delivered", "{plain}");
    assert_eq!(emu.inbox().iter().filter(|d| !d.deduplicated).count(), 2);
    gateway.running.stop().await;
}
