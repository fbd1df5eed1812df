use std::collections::HashMap;
use std::time::Instant;

use yizhan_core::MessageId;
use yizhan_store::{ClaimToken, ClaimedDispatch};

use super::*;
use crate::config::Config;
use crate::gateway::endpoint;

fn shaping(extra: &str) -> Shaping {
    let text = format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww1\"\nagent_id = 7\nsecret = \"s\"\n{extra}"
    );
    Shaping::new(&Config::parse(&text, "t.toml", &HashMap::new()).expect("config"))
}

fn claimed(endpoint: &str, recipients: &[&str], body: &str) -> ClaimedDispatch {
    ClaimedDispatch {
        claim: ClaimToken { dispatch_id: 1, token: "t".to_owned() },
        message_id: MessageId::new(),
        channel: "ops".to_owned(),
        seq: 0,
        endpoint: endpoint.to_owned(),
        body: body.as_bytes().to_vec(),
        dedupe_id: None,
        recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
        attempts: 0,
        lease_until_ms: 0,
        created_at_ms: 0,
        expires_at_ms: None,
        coalesce_key: None,
        merged: false,
        suppress_repeats: false,
        repeat_of: None,
        resend_safe: false,
        upstream: None,
    }
}

#[tokio::test]
async fn the_calls_cap_defers_whole_calls() {
    let shaping = shaping("[channels.quota]\ncalls_per_minute = 2\n");
    let d = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a"], r#"{"touser":"a"}"#);
    assert_eq!(shaping.admit(&d, 0).await, Admission::Send);
    assert_eq!(shaping.admit(&d, 1).await, Admission::Send);
    assert_eq!(shaping.admit(&d, 2).await, Admission::Defer { until_ms: 60_000, budget: Budget::Calls });
    assert_eq!(shaping.deferrals(), vec![("ops".to_owned(), "calls", 1)]);
    let usage = shaping.usage("ops", 2).await.unwrap();
    let calls = usage.iter().find(|u| u.budget == "calls").expect("calls budget");
    assert_eq!((calls.window_secs, calls.limit, calls.used), (60, 2, Some(2)));
    let member: Vec<_> =
        usage.iter().filter(|u| u.budget == "member").map(|u| (u.window_secs, u.limit, u.used)).collect();
    assert_eq!(member, vec![(60, 30, None), (3600, 1000, None)]);
}

#[tokio::test]
async fn party_tag_and_all_sends_are_counted_per_call() {
    let shaping = shaping("[channels.quota]\nwecom_member_per_minute = 1\n");
    let party = claimed(endpoint::WECOM_MESSAGE_SEND, &["party:2"], r#"{"toparty":"2"}"#);
    assert_eq!(shaping.admit(&party, 0).await, Admission::Send);
    let all = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:@all"], r#"{"touser":"@all"}"#);
    assert_eq!(shaping.admit(&all, 10).await, Admission::Defer { until_ms: 60_000, budget: Budget::GroupSends });
    let direct = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a"], r#"{"touser":"a"}"#);
    assert_eq!(shaping.admit(&direct, 10).await, Admission::Send, "direct members have their own keys");
}

#[tokio::test]
async fn a_retry_is_deferred_whole_never_split() {
    let shaping = shaping("[channels.quota]\nwecom_member_per_minute = 1\n");
    let busy = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a"], r#"{"touser":"a"}"#);
    assert_eq!(shaping.admit(&busy, 0).await, Admission::Send);
    let mut both = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a", "user:B"], r#"{"touser":"a|B"}"#);
    both.attempts = 1;
    assert_eq!(shaping.admit(&both, 5).await, Admission::Defer { until_ms: 60_000, budget: Budget::Member });
    // The first attempt's split is fine (B's unit went to the refused retry above: never refunded).
    let mut fresh = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a", "user:C"], r#"{"touser":"a|C"}"#);
    fresh.attempts = 0;
    let Admission::Split { keep, defer, until_ms, .. } = shaping.admit(&fresh, 6).await else { panic!("split") };
    assert_eq!(
        (keep.recipients, defer.recipients, until_ms),
        (vec!["user:C".to_owned()], vec!["user:a".to_owned()], 60_000)
    );
    assert_eq!(keep.body, br#"{"touser":"C"}"#);
    assert_eq!(defer.body, br#"{"touser":"a"}"#);
}

#[tokio::test]
async fn a_coalesced_call_is_deferred_whole_never_split() {
    let shaping = shaping("[channels.quota]\nwecom_member_per_minute = 1\n");
    let busy = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a"], r#"{"touser":"a"}"#);
    assert_eq!(shaping.admit(&busy, 0).await, Admission::Send);
    let mut merged = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a", "user:B"], r#"{"touser":"a|B"}"#);
    merged.merged = true;
    assert_eq!(shaping.admit(&merged, 5).await, Admission::Defer { until_ms: 60_000, budget: Budget::Member });
    let fresh = claimed(endpoint::WECOM_MESSAGE_SEND, &["user:a", "user:C"], r#"{"touser":"a|C"}"#);
    let split = shaping.admit(&fresh, 6).await;
    assert!(matches!(split, Admission::Split { .. }), "the same call unmerged is split: {split:?}");
}

/// The price of the check for a dispatch within budget (reported in docs/shaping.md).
#[tokio::test]
async fn an_in_budget_dispatch_costs_microseconds() {
    let shaping = shaping("");
    let dispatches: Vec<ClaimedDispatch> = (0..20_000)
        .map(|i| claimed(endpoint::WECOM_MESSAGE_SEND, &[&format!("user:u{i}")], r#"{"touser":"x"}"#))
        .collect();
    let started = Instant::now();
    for d in &dispatches {
        assert_eq!(shaping.admit(d, 1_000).await, Admission::Send);
    }
    let per_call = started.elapsed() / 20_000;
    println!("admit of a one-member dispatch within budget: {per_call:?} per call");
    assert!(per_call.as_micros() < 500, "{per_call:?}");
}
