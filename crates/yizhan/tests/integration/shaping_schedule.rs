//! Scheduling through the API on a manual clock: peak avoidance moves sends scheduled on :00 or
//! :30 into the following window (unless `exact`), the status shows the effective time, expired
//! messages are never sent and scheduled ones can be cancelled.

use crate::shaping::{Rig, T0};
use serde_json::json;

/// 2026-11-23T09:00:00+08:00, one hour after T0.
const NINE: i64 = T0 + 3_600_000;
const WINDOW_MS: i64 = 180_000;

fn at_nine(text: &str, options: serde_json::Value) -> serde_json::Value {
    let mut options = options;
    options["send_at"] = json!("2026-11-23T09:00:00+08:00");
    json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": text}, "options": options})
}

#[tokio::test]
async fn a_send_at_nine_goes_out_within_the_window_after_nine_not_at_nine() {
    let rig = Rig::new(&[], "peak_spread_secs = 180").await;
    let spread = rig.send(at_nine("spread", json!({}))).await;
    let exact = rig.send(at_nine("exact", json!({"exact": true}))).await;

    let view = rig.view(&spread).await;
    assert_eq!(view["status"], "scheduled");
    let effective = view["send_at_ms"].as_i64().unwrap();
    assert!(effective > NINE && effective <= NINE + WINDOW_MS, "effective {effective}, nine {NINE}");
    assert_eq!(rig.view(&exact).await["send_at_ms"], NINE);

    rig.run_at(NINE - 1).await;
    assert!(rig.emu.inbox().is_empty(), "nothing before nine");
    rig.run_at(NINE).await;
    let inbox = rig.emu.inbox();
    assert_eq!(inbox.len(), 1, "only the exact one at nine: {inbox:?}");
    assert_eq!(inbox[0].content["content"], "exact");
    assert_eq!(rig.view(&spread).await["status"], "scheduled");

    rig.run_at(effective - 1).await;
    assert_eq!(rig.emu.inbox().len(), 1, "not before its effective time");
    rig.run_at(effective).await;
    assert_eq!(rig.view(&spread).await["status"], "delivered");
    assert_eq!(rig.emu.inbox().len(), 2);
}

#[tokio::test]
async fn times_off_the_peaks_and_a_zero_window_are_kept() {
    let rig = Rig::new(&[], "peak_spread_secs = 0").await;
    let id = rig.send(at_nine("x", json!({}))).await;
    assert_eq!(rig.view(&id).await["send_at_ms"], NINE);

    let rig = Rig::new(&[], "peak_spread_secs = 180").await;
    let mut request = at_nine("x", json!({}));
    request["options"]["send_at"] = json!("2026-11-23T09:01:00+08:00");
    let id = rig.send(request).await;
    assert_eq!(rig.view(&id).await["send_at_ms"], NINE + 60_000);
}

#[tokio::test]
async fn expired_messages_are_not_sent_and_scheduled_ones_can_be_cancelled() {
    let rig = Rig::new(&[], "").await;
    let mut request = at_nine("late", json!({"exact": true}));
    request["options"]["expires_at"] = json!("2026-11-23T09:00:30+08:00");
    let expiring = rig.send(request).await;
    let cancelled = rig.send(at_nine("cancelled", json!({"exact": true}))).await;
    let (status, answer) = rig.call("DELETE", &format!("/v1/messages/{cancelled}"), None).await;
    assert_eq!(status, 200, "{answer}");

    rig.run_at(NINE + 30_000).await;
    assert_eq!(rig.view(&expiring).await["status"], "expired");
    assert_eq!(rig.view(&cancelled).await["status"], "cancelled");
    rig.run_at(NINE + 600_000).await;
    assert!(rig.emu.inbox().is_empty(), "{:?}", rig.emu.inbox());
}
