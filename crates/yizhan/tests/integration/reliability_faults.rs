//! Provider faults: the emulator answers WeCom and Getui calls with seeded random faults —
//! "system busy" (10 %), answers lost after the call was processed (5 %, held past the clients'
//! read timeout), connection resets, token expiry every N calls and bursts of rate-limit answers
//! (WeCom 45009, Getui quota 30014). Every message accepted by a real `yizhan serve` ends
//! delivered exactly once or dead with the provider's reason; nothing is delivered twice.
//!
//! CI size: 150 messages per provider, token expiry every 100 calls, a rate-limit burst every 150
//! calls. Full size (`bench/reliability.sh`): `YIZHAN_FAULT_MESSAGES=2000 YIZHAN_FAULT_TOKEN_EVERY=1000 YIZHAN_FAULT_BURST_EVERY=700`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::RandomFaults;

use crate::reliability::{Gateway, delivered_texts, emulator_config, free_port, gateway_config, size};
use yizhan_test_kit::emulator;

const KEY: &str = "fault-test-key";

const GETUI: &str = "[[channels]]\nname = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\n\
                     app_key = \"yizhan-demo-appkey\"\nmaster_secret = \"yizhan-demo-master\"\nbase_url = \"{emu}\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_provider_faults_end_in_exactly_once_or_dead_with_a_reason() {
    let per_provider = size("YIZHAN_FAULT_MESSAGES", 150);
    let seed = size("YIZHAN_TEST_SEED", 20_261_123) as u64;
    let emu = emulator::spawn(emulator_config(per_provider)).await;
    let tmp = yizhan_test_kit::temp_dir("faults");
    let dir = tmp.path();
    let (db, log, config) = (dir.join("outbox.db"), dir.join("serve.log"), dir.join("yizhan.toml"));
    let port = free_port();
    let extra = GETUI.replace("{emu}", &emu.base_url());
    let text = gateway_config(&db, port, &emu.base_url(), &ApiKeys::hash(KEY), &extra, r#"["ops", "app"]"#)
        .replace("lease_secs = 5\nrequest_timeout_ms = 400", "lease_secs = 60\nconcurrency = 64");
    std::fs::write(&config, text).expect("config");
    emu.random_faults(Some(RandomFaults {
        seed,
        busy_rate: 0.10,
        lost_answer_rate: 0.05,
        reset_rate: 0.02,
        token_expiry_every: size("YIZHAN_FAULT_TOKEN_EVERY", 100) as u64,
        rate_limit_every: size("YIZHAN_FAULT_BURST_EVERY", 150) as u64,
        rate_limit_burst: 5,
        ..RandomFaults::default()
    }));
    let gateway = Gateway::start(&config, port, &log, &[]).await;
    let http = reqwest::Client::new();
    let mut ids: HashMap<String, String> = HashMap::new(); // id -> text
    for i in 0..per_provider {
        let wecom = format!("wecom fault {i}");
        let getui = format!("getui fault {i}");
        let bodies = [
            (wecom.clone(), format!(r#"{{"channel":"ops","to":{{"users":["u{i}"]}},"content":{{"text":"{wecom}"}}}}"#)),
            (
                getui.clone(),
                format!(
                    r#"{{"channel":"app","to":{{"cids":["cid-alice"]}},"content":{{"getui":{{"notification":{{"title":"t","body":"{getui}","click_type":"startapp"}}}}}}}}"#
                ),
            ),
        ];
        for (text, body) in bodies {
            let r = http.post(format!("{}/v1/messages", gateway.base)).bearer_auth(KEY).body(body).send().await;
            let r = r.expect("post");
            assert_eq!(r.status(), 202, "{text}");
            let v: Value = r.json().await.expect("json");
            ids.insert(v["id"].as_str().expect("id").to_owned(), text);
        }
    }

    // Wait until every message is terminal.
    let started = Instant::now();
    let deadline = started + Duration::from_secs(300);
    let mut views: HashMap<String, Value> = HashMap::new();
    loop {
        for id in ids.keys() {
            if views.get(id).is_some_and(|v| matches!(v["status"].as_str(), Some("delivered" | "dead"))) {
                continue;
            }
            let r = http.get(format!("{}/v1/messages/{id}", gateway.base)).bearer_auth(KEY).send().await;
            views.insert(id.clone(), r.expect("get").json().await.expect("json"));
        }
        let open = views.values().filter(|v| !matches!(v["status"].as_str(), Some("delivered" | "dead"))).count();
        if open == 0 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    gateway.terminate().await;

    let delivered = delivered_texts(&emu.inbox());
    let stats = emu.stats();
    let mut by_status: HashMap<String, usize> = HashMap::new();
    let (mut wrong, mut dead_reasons) = (Vec::new(), Vec::new());
    for (id, view) in &views {
        let status = view["status"].as_str().unwrap_or("?").to_owned();
        let times = delivered.get(&ids[id]).copied().unwrap_or(0);
        match status.as_str() {
            "delivered" if times == 1 => {}
            "dead" if times <= 1 && !view["last_error"]["message"].as_str().unwrap_or("").is_empty() => {
                dead_reasons.push(format!("{}: {}", ids[id], view["last_error"]));
            }
            _ => wrong.push(format!("{} {status} delivered {times}x: {}", ids[id], view["last_error"])),
        }
        *by_status.entry(status).or_insert(0) += 1;
    }
    println!(
        "seed {seed}: {} messages in {:.0?}: {by_status:?}; provider calls: wecom send {}, gettoken {}, getui {} \
         (auth {}); errors answered {}, resends suppressed by the provider {}",
        ids.len(),
        started.elapsed(),
        stats.send_calls,
        stats.gettoken_calls,
        stats.getui_calls,
        stats.auth_calls,
        stats.errors,
        stats.deduplicated
    );
    for reason in &dead_reasons {
        println!("dead: {reason}");
    }
    assert!(wrong.is_empty(), "{} messages not delivered exactly once nor dead with a reason: {wrong:#?}", wrong.len());
    assert_eq!(views.len(), ids.len());
    assert!(stats.errors > 0 && stats.deduplicated > 0, "the faults did happen: {stats:?}");
    assert!(stats.gettoken_calls > 1 && stats.auth_calls > 1, "expired tokens were fetched again: {stats:?}");
}
