//! Per-member windows and the duplicate check, driven by a manual clock.

use std::time::Duration;

use serde_json::{Value, json};
use yizhan_core::Clock;
use yizhan_emulator::{DEFAULT_AGENT_ID, EmulatorConfig};

use crate::support::{Env, START_MS, text_body};

fn dropped(env: &Env) -> Vec<Option<String>> {
    env.emu.inbox().into_iter().map(|d| d.dropped).collect()
}

#[tokio::test]
async fn thirty_per_minute_then_silently_dropped() {
    let env = Env::manual().await;
    let token = env.token().await;
    for i in 0..31 {
        let v = env.text(&token, "alice", &format!("n{i}")).await;
        assert_eq!(v["errcode"], 0, "drops are silent: {v}");
        assert!(v["msgid"].as_str().is_some());
        env.time().advance(Duration::from_millis(500));
    }
    let outcomes = dropped(&env);
    assert!(outcomes[..30].iter().all(Option::is_none));
    assert_eq!(outcomes[30].as_deref(), Some("per_member_minute_limit"));
    let stats = env.emu.stats();
    assert_eq!((stats.delivered, stats.dropped, stats.errors), (30, 1, 0));

    let v = env.text(&token, "alice|bob", "others are unaffected").await;
    assert_eq!(v["errcode"], 0);
    let inbox = env.emu.inbox();
    assert_eq!(inbox[31].recipient, "alice");
    assert!(inbox[31].dropped.is_some());
    assert_eq!((inbox[32].recipient.as_str(), inbox[32].dropped.as_ref()), ("bob", None));

    env.time().advance(Duration::from_secs(61));
    assert_eq!(env.text(&token, "alice", "again").await["errcode"], 0);
    assert_eq!(env.emu.inbox().last().unwrap().dropped, None);
}

#[tokio::test]
async fn a_thousand_per_hour() {
    let env = Env::manual().await;
    let token = env.token().await;
    for _ in 0..1000 {
        assert_eq!(env.text(&token, "carol", "tick").await["errcode"], 0);
        env.time().advance(Duration::from_secs(3)); // 20 per minute: under the minute limit
    }
    assert_eq!(env.emu.stats().delivered, 1000);
    env.text(&token, "carol", "one too many").await;
    assert_eq!(dropped(&env)[1000].as_deref(), Some("per_member_hour_limit"));
    // The first delivery was at START_MS; once it is an hour old there is room again.
    env.time().set_ms(START_MS + 3_600_000);
    env.text(&token, "carol", "room again").await;
    assert_eq!(dropped(&env)[1001], None);
    assert_eq!(env.emu.stats().dropped, 1);
}

#[tokio::test]
async fn limits_come_from_the_config() {
    let mut config = EmulatorConfig::default();
    config.wecom.per_member_per_minute = 2;
    let (clock, time) = Clock::manual(START_MS);
    let env = Env::with(config, Some((clock, time))).await;
    let token = env.token().await;
    for _ in 0..3 {
        env.text(&token, "dave", "x").await;
    }
    assert_eq!(env.emu.stats().dropped, 1);
}

fn dup_body(interval: Option<i64>) -> Value {
    let mut body = text_body("alice|bob", "deploy finished");
    body["enable_duplicate_check"] = 1.into();
    if let Some(secs) = interval {
        body["duplicate_check_interval"] = secs.into();
    }
    body
}

#[tokio::test]
async fn duplicates_within_the_interval_are_not_delivered_again() {
    let env = Env::manual().await;
    let token = env.token().await;
    let first = env.send(&token, &dup_body(Some(600))).await;
    env.time().advance(Duration::from_secs(599));
    // Same JSON with another key order and spacing: still a duplicate.
    let reordered = format!(
        r#"{{ "duplicate_check_interval": 600, "text": {{"content": "deploy finished"}}, "agentid": {DEFAULT_AGENT_ID},
            "msgtype": "text", "enable_duplicate_check": 1, "touser": "alice|bob" }}"#
    );
    let second = env.send_raw(Some(&token), reordered).await;
    assert_eq!(second["errcode"], 0);
    assert_eq!(second["msgid"], first["msgid"], "the original msgid");
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), 4);
    assert!(inbox[..2].iter().all(|d| !d.deduplicated));
    assert!(inbox[2..].iter().all(|d| d.deduplicated && d.dropped.is_none()));
    let stats = env.emu.stats();
    assert_eq!((stats.delivered, stats.deduplicated), (2, 2));

    env.time().advance(Duration::from_secs(2));
    let third = env.send(&token, &dup_body(Some(600))).await;
    assert_ne!(third["msgid"], first["msgid"], "after the interval it is delivered again");
    assert_eq!(env.emu.stats().delivered, 4);
}

#[tokio::test]
async fn duplicate_check_defaults_and_opt_in() {
    let env = Env::manual().await;
    let token = env.token().await;
    let first = env.send(&token, &dup_body(None)).await;
    env.time().advance(Duration::from_secs(1799));
    assert_eq!(env.send(&token, &dup_body(None)).await["msgid"], first["msgid"], "default interval 1800 s");
    let plain = text_body("alice|bob", "deploy finished");
    let a = env.send(&token, &plain).await;
    let b = env.send(&token, &plain).await;
    assert_ne!(a["msgid"], b["msgid"], "no duplicate check unless enabled");
    let mut other = dup_body(None);
    other["text"] = json!({"content": "another text"});
    assert_ne!(env.send(&token, &other).await["msgid"], first["msgid"]);
    assert_eq!(env.emu.stats().deduplicated, 2);
}
