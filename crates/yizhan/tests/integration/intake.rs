//! The intake receivers through a running gateway and the emulator: routing by labels and
//! severity with recipients from labels, a notification no route takes (202, `routed: 0`,
//! counted in `/metrics`), payloads refused naming the field, the `?token=` key, and nothing
//! stored when one message of a notification cannot be accepted.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::intake::samples;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::{ApiClient, Running};

const KEY: &str = "intake-key-0123456789";
const OPS_ONLY: &str = "ops-only-key-0123456789";

async fn gateway(emu: &EmulatorHandle) -> Running {
    let text = format!(
        r#"
[store]
url = "sqlite::memory:"

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "yizhan-demo-secret"
base_url = "{base}"

[[channels]]
name = "bot"
kind = "wecom_robot"
key = "yizhan-demo-robot-key"
base_url = "{base}"

[[api_keys]]
name = "monitoring"
sha256 = "{all}"
channels = ["ops", "bot"]

[[api_keys]]
name = "ops-only"
sha256 = "{ops}"
channels = ["ops"]

[[routes]]
name = "ops"
[[routes.channels]]
channel = "ops"
to = {{ users = ["{{{{ labels.owner | default('alice') }}}}"] }}
severity.critical = {{ tags = ["1"] }}
[[routes.routes]]
name = "db"
matchers = ['team="db"']
[[routes.routes.channels]]
channel = "bot"
to = {{ mentions = ["{{{{ labels.owner }}}}"] }}

[[routes]]
name = "quiet"
matchers = ['severity="info"']
[[routes.channels]]
channel = "ops"
to = {{ users = ["alice"] }}

[[routes]]
name = "both"
[[routes.channels]]
channel = "ops"
to = {{ users = ["alice"] }}
[[routes.channels]]
channel = "bot"
"#,
        base = emu.base_url(),
        all = ApiKeys::hash(KEY),
        ops = ApiKeys::hash(OPS_ONLY),
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

fn notification(alerts: Value) -> Value {
    json!({"version": "4", "status": "firing", "receiver": "yizhan", "groupKey": "{}:{alertname=\"X\"}",
           "externalURL": "http://alertmanager.example:9093", "alerts": alerts})
}

fn alert(labels: Value) -> Value {
    json!({"status": "firing", "labels": labels, "annotations": {"summary": "something broke"},
           "startsAt": "2026-11-23T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "0123456789abcdef"})
}

async fn post_raw(base: &str, path: &str, key: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}{path}")).body(body.to_owned());
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("post");
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn alerts_are_routed_by_labels_and_severity_to_recipients_from_labels() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    let api = ApiClient::new(&gateway.base, KEY);
    let body = notification(json!([
        alert(json!({"alertname": "X", "owner": "bob", "severity": "critical"})),
        alert(json!({"alertname": "X", "team": "db", "owner": "dave"})),
    ]));
    let (status, answer) = api.post("/v1/intake/alertmanager/ops", Some(&body)).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["routed"], 2, "{answer}");
    let messages = answer["messages"].as_array().expect("messages");
    let by_route: Vec<(&str, &str)> =
        messages.iter().map(|m| (m["route"].as_str().unwrap_or(""), m["channel"].as_str().unwrap_or(""))).collect();
    assert_eq!(by_route, [("ops", "ops"), ("ops/db", "bot")]);
    assert_eq!(messages[0]["recipients"], json!(["user:bob", "tag:1"]), "owner label, and tag 1 for critical");
    assert_eq!(messages[0]["group_key"], "{}:{alertname=\"X\"}");
    for m in messages {
        api.wait_for(m["id"].as_str().expect("id"), &["delivered"]).await;
    }
    let inbox = crate::support::wait_for_inbox(&emu, "the routed alerts", Duration::from_secs(20), |inbox| {
        ["bob", "carol", "dave"].iter().all(|u| inbox.iter().any(|d| d.provider == "wecom" && d.recipient == *u))
            && inbox.iter().any(|d| d.provider == "wecom_robot")
    })
    .await;
    let robot = inbox.iter().find(|d| d.provider == "wecom_robot").expect("robot message");
    let text = robot.content["content"].as_str().unwrap_or_default();
    assert!(
        text.contains("[告警 1] X") && text.ends_with("<@dave>"),
        "the db alert only, mentioning its owner: {text}"
    );
    let app = inbox.iter().find(|d| d.recipient == "bob").expect("bob");
    assert!(
        !app.content["content"].as_str().unwrap_or_default().contains("dave"),
        "the db alert is not in ops's message"
    );
    gateway.stop().await;
}

#[tokio::test]
async fn a_notification_no_route_takes_is_accepted_with_routed_zero_and_counted() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    let api = ApiClient::new(&gateway.base, KEY);
    let body = notification(json!([alert(json!({"alertname": "X", "severity": "critical"}))]));
    let (status, answer) = api.post("/v1/intake/alertmanager/quiet", Some(&body)).await;
    assert_eq!((status, answer.clone()), (202, json!({"routed": 0, "messages": []})));
    let metrics = reqwest::get(format!("{}/metrics", gateway.base)).await.expect("metrics").text().await.expect("text");
    assert!(
        metrics
            .contains(r#"yizhan_intake_notifications_total{source="alertmanager",route="quiet",outcome="unrouted"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("yizhan_messages_accepted_total 0"), "nothing was accepted: {metrics}");
    let list = api.get("/v1/messages").await;
    assert_eq!(list["items"], json!([]), "{list}");
    gateway.stop().await;
}

#[tokio::test]
async fn bad_payloads_are_refused_naming_the_field() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    let base = &gateway.base;
    let (status, answer) = post_raw(base, "/v1/intake/alertmanager/ops", Some(KEY), "{\"alerts\": [").await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("malformed_json")), "{answer}");
    let mut body = notification(json!([alert(json!({"alertname": "X"})), alert(json!({"alertname": "Y"}))]));
    body["alerts"][1]["labels"] = json!("severity=critical");
    let (status, answer) = post_raw(base, "/v1/intake/alertmanager/ops", Some(KEY), &body.to_string()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "alerts[1].labels");
    assert!(answer["message"].as_str().unwrap_or_default().contains("expected a map"), "{answer}");
    let (status, answer) = post_raw(base, "/v1/intake/grafana/ops", Some(KEY), samples::ALERTMANAGER_FIRING).await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("version")), "{answer}");
    let (status, answer) =
        post_raw(base, "/v1/intake/alertmanager/nope", Some(KEY), samples::ALERTMANAGER_FIRING).await;
    assert_eq!(status, 404);
    assert!(answer["message"].as_str().unwrap_or_default().contains("configured: ops, quiet, both"), "{answer}");
    let (status, _) = post_raw(base, "/v1/intake/alertmanager/ops", None, samples::ALERTMANAGER_FIRING).await;
    assert_eq!(status, 401);
    let (status, _) =
        post_raw(base, "/v1/intake/alertmanager/ops?token=wrong", None, samples::ALERTMANAGER_FIRING).await;
    assert_eq!(status, 401);
    let metrics = reqwest::get(format!("{base}/metrics")).await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains(r#"route="ops",outcome="refused"} 2"#), "{metrics}");
    assert!(emu.inbox().is_empty());
    gateway.stop().await;
}

#[tokio::test]
async fn a_token_in_the_query_authenticates_senders_without_headers() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    let path = format!("/v1/intake/grafana/ops?token={KEY}");
    let (status, answer) = post_raw(&gateway.base, &path, None, samples::GRAFANA_FIRING).await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["messages"][0]["id"].as_str().expect("id");
    ApiClient::new(&gateway.base, KEY).wait_for(id, &["delivered"]).await;
    // The sample's alert has no owner: the route's default user.
    crate::support::wait_for_inbox(&emu, "alice's message", Duration::from_secs(20), |inbox| {
        inbox.iter().any(|d| d.recipient == "alice")
    })
    .await;
    let generic = format!("/v1/intake/webhook/ops?token={KEY}");
    let (status, answer) = post_raw(&gateway.base, &generic, None, samples::WEBHOOK).await;
    assert_eq!((status, answer["routed"].as_u64()), (202, Some(1)), "{answer}");
    gateway.stop().await;
}

#[tokio::test]
async fn nothing_is_stored_when_one_message_of_a_notification_is_refused() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let gateway = gateway(&emu).await;
    // Route `both` sends to `ops` and `bot`; this key may use only `ops`.
    let api = ApiClient::new(&gateway.base, OPS_ONLY);
    let (status, answer) =
        api.post("/v1/intake/alertmanager/both", Some(&notification(json!([alert(json!({"alertname": "X"}))])))).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["message"].as_str().unwrap_or_default().contains("\"bot\""), "{answer}");
    let list = api.get("/v1/messages").await;
    assert_eq!(list["items"], json!([]), "the ops message was not stored either: {list}");
    gateway.stop().await;
}
