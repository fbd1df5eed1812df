//! Overflow through the API: a long text is split into numbered parts that reach every user in
//! order, each part only after the previous one was delivered.

use crate::shaping::{Rig, T0};
use serde_json::json;

fn long_text() -> String {
    (0..120).map(|i| format!("line {i:03}: replication lag above threshold on db-{i}\n")).collect()
}

#[tokio::test]
async fn split_parts_are_delivered_in_order() {
    let rig = Rig::new(&[], "").await;
    let text = long_text();
    let id = rig.send(json!({"channel": "ops", "to": {"users": ["alice", "bob"]}, "content": {"text": text}})).await;
    let (_, accepted) = rig.call("GET", &format!("/v1/messages/{id}"), None).await;
    let parts = accepted["dispatches"].as_array().expect("dispatches").len();
    assert!(parts >= 3, "{parts} parts");

    rig.run_at(T0 + 10).await;
    assert_eq!(rig.view(&id).await["status"], "delivered");
    for user in ["alice", "bob"] {
        let got: Vec<String> = rig
            .emu
            .inbox()
            .into_iter()
            .filter(|d| d.recipient == user)
            .map(|d| d.content["content"].as_str().expect("text").to_owned())
            .collect();
        assert_eq!(got.len(), parts);
        for (i, part) in got.iter().enumerate() {
            assert!(part.starts_with(&format!("({}/{parts}) ", i + 1)), "{user} got part {i}: {part:.12}");
            assert!(part.len() <= 2048);
        }
        let rejoined: String = got.iter().map(|p| yizhan::gateway::overflow::unnumber(p)).collect();
        assert_eq!(rejoined, text);
    }
}

#[tokio::test]
async fn a_later_part_waits_for_the_earlier_one() {
    let rig = Rig::new(&[], "").await;
    let id = rig.send(json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": long_text()}})).await;
    // The first part fails (one call per attempt), and the worker backs off.
    rig.emu.fail_next_on("/cgi-bin/message/send", 1, -1);
    rig.run_at(T0 + 10).await;
    assert!(rig.emu.inbox().is_empty(), "no later part overtook the first: {:?}", rig.emu.inbox());
    let view = rig.view(&id).await;
    assert_eq!(view["dispatches"][0]["status"], "retrying");
    assert_eq!(view["dispatches"][1]["status"], "pending");

    rig.run_at(T0 + 600_000).await;
    assert_eq!(rig.view(&id).await["status"], "delivered");
    let first = rig.emu.inbox()[0].content["content"].as_str().expect("text").to_owned();
    assert!(first.starts_with("(1/"), "{first:.10}");
}

#[tokio::test]
async fn reject_answers_422_naming_field_length_and_limit() {
    let rig = Rig::new(&[], "").await;
    let text = "x".repeat(2049);
    let (status, error) = rig
        .call(
            "POST",
            "/v1/messages",
            Some(json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"markdown": text},
                "options": {"overflow": "reject"}})),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "content.markdown");
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("2049 bytes") && message.contains("2048 bytes"), "{message}");
}
