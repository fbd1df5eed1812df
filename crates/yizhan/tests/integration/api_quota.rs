//! Deferrals through a running gateway: a message over a member's budget shows `deferred` with
//! its next attempt time in `GET /v1/messages/{id}`, and `/metrics` counts it.

use std::collections::HashMap;
use std::time::Duration;

use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};

use crate::support::Running;
use yizhan_test_kit::wait;

#[tokio::test]
async fn a_deferred_message_shows_its_next_attempt_and_is_counted_in_metrics() {
    // Both sides agree on a budget of 2 per member per minute (the channel's [channels.quota]).
    let mut emulator = EmulatorConfig::default();
    emulator.wecom.per_member_per_minute = 2;
    let emu = Emulator::spawn(emulator).await.expect("emulator");
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\
         [channels.quota]\nwecom_member_per_minute = 2\n\n\
         [[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let running = Running::start(config).await;
    let http = reqwest::Client::new();
    let base = running.base.clone();
    let started_ms = yizhan_core::Clock::System.now_ms();
    for i in 0..3 {
        let body =
            serde_json::json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": format!("m{i}")}});
        let response = http.post(format!("{base}/v1/messages")).bearer_auth("k").json(&body).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 202);
    }
    let get = |path: String| {
        let http = http.clone();
        async move { http.get(path).bearer_auth("k").send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let deferred = wait::for_state("2 delivered and 1 deferred", Duration::from_secs(10), async || {
        let page = get(format!("{base}/v1/messages?status=deferred")).await;
        let delivered = get(format!("{base}/v1/messages?status=delivered")).await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() == 1 && delivered["items"].as_array().map_or(0, Vec::len) == 2 {
            Ok(items[0]["id"].as_str().unwrap().to_owned())
        } else {
            Err(page)
        }
    })
    .await;
    let view = get(format!("{base}/v1/messages/{deferred}")).await;
    assert_eq!(view["status"], "deferred");
    assert_eq!(view["attempts"], 0, "a deferral spends no attempt");
    let next = view["next_attempt_at_ms"].as_i64().expect("next attempt time");
    assert!(next >= started_ms + 59_000 && next <= started_ms + 61_000 + 10_000, "{view}");
    assert_eq!(view["dispatches"][0]["status"], "deferred");
    assert_eq!(view["last_error"]["kind"], "rate_limited");

    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("yizhan_deferrals_total{channel=\"ops\",reason=\"member\"} 1\n"), "{metrics}");
    assert!(metrics.contains("yizhan_dispatches{status=\"deferred\"} 1\n"), "{metrics}");
    assert!(metrics.contains("yizhan_messages{status=\"deferred\"} 1\n"), "{metrics}");
    assert_eq!(emu.stats().dropped, 0);
    running.stop().await;
}
