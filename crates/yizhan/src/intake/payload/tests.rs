//! Parsing the samples, unknown fields, and errors that name the field.

use super::*;
use crate::intake::samples;

#[test]
fn the_samples_parse_with_every_field() {
    let am = parse(Source::Alertmanager, samples::ALERTMANAGER_FIRING.as_bytes()).unwrap();
    let n = &am.notification;
    assert_eq!((n.status, n.alerts.len(), n.group_key.as_str()), (Status::Firing, 2, "{}:{alertname=\"HighCPU\"}"));
    assert_eq!(n.alerts[0].labels["severity"], "critical");
    assert_eq!(n.alerts[0].fingerprint, "c6eadffa33fcdf37");
    assert_eq!(n.alerts[0].ended(), None, "Go's zero time is no end");
    assert_eq!(n.external_url, "http://alertmanager:9093");
    let resolved = parse(Source::Alertmanager, samples::ALERTMANAGER_RESOLVED.as_bytes()).unwrap();
    assert_eq!(resolved.notification.alerts[0].ended().unwrap().to_string(), "2024-05-01T08:20:00.123456789Z");
    let grafana = parse(Source::Grafana, samples::GRAFANA_FIRING.as_bytes()).unwrap().notification;
    assert_eq!(grafana.title.as_deref(), Some("[FIRING:1] High memory usage (blue)"));
    assert!(grafana.alerts[0].silence_url.as_deref().unwrap().contains("/alerting/silence/new"));
    assert_eq!(grafana.alerts[0].values.as_ref().unwrap()["C"], 1);
}

#[test]
fn unknown_fields_of_newer_senders_are_ignored() {
    let mut body: serde_json::Value = serde_json::from_str(samples::ALERTMANAGER_FIRING).unwrap();
    body["notification_reason"] = "new_alerts".into();
    body["alerts"][1]["imageURL"] = "http://x".into();
    let parsed = parse(Source::Alertmanager, body.to_string().as_bytes()).unwrap();
    assert_eq!(parsed.notification.alerts.len(), 2);
}

fn shape_error(source: Source, body: serde_json::Value) -> (String, String) {
    match parse(source, body.to_string().as_bytes()) {
        Err(PayloadError::Shape { field, message }) => (field, message),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

#[test]
fn errors_name_the_field() {
    let mut body: serde_json::Value = serde_json::from_str(samples::ALERTMANAGER_FIRING).unwrap();
    body["alerts"][1]["labels"] = serde_json::json!(["not", "a", "map"]);
    let (field, message) = shape_error(Source::Alertmanager, body.clone());
    assert_eq!(field, "alerts[1].labels");
    assert!(message.contains("expected a map"), "{message}");

    body["alerts"][1]["labels"] = serde_json::json!({"alertname": "x"});
    body["alerts"][0]["startsAt"] = "yesterday".into();
    let (field, _) = shape_error(Source::Alertmanager, body.clone());
    assert_eq!(field, "alerts[0].startsAt");

    body["alerts"][0].as_object_mut().unwrap().remove("status");
    body["alerts"][0]["startsAt"] = "2024-05-01T08:00:00Z".into();
    let (field, message) = shape_error(Source::Alertmanager, body);
    assert_eq!(field, "alerts[0]");
    assert!(message.contains("missing field `status`"), "{message}");
}

#[test]
fn the_version_tells_the_sources_apart() {
    let grafana: serde_json::Value = serde_json::from_str(samples::GRAFANA_FIRING).unwrap();
    let (field, message) = shape_error(Source::Alertmanager, grafana);
    assert_eq!(field, "version");
    assert!(message.contains("\"1\"") && message.contains("Alertmanager"), "{message}");
    let (field, message) = shape_error(Source::Grafana, serde_json::json!({"ruleName": "legacy", "evalMatches": []}));
    assert_eq!(field, "version");
    assert!(message.starts_with("is missing"), "{message}");
    let (field, _) =
        shape_error(Source::Alertmanager, serde_json::json!({"version": "4", "status": "firing", "alerts": []}));
    assert_eq!(field, "alerts");
}

#[test]
fn a_body_that_is_not_json_is_a_syntax_error() {
    assert!(matches!(parse(Source::Webhook, b"{\"a\": "), Err(PayloadError::Syntax(_))));
    assert!(matches!(parse(Source::Alertmanager, b"status=firing"), Err(PayloadError::Syntax(_))));
}

#[test]
fn a_generic_body_is_one_alert_labelled_by_its_scalar_members() {
    let parsed = parse(Source::Webhook, samples::WEBHOOK.as_bytes()).unwrap();
    let alert = &parsed.notification.alerts[0];
    assert_eq!(alert.labels["service"], "checkout");
    assert_eq!(alert.labels["duration_s"], "42");
    assert_eq!(alert.status, Status::Firing);
    let resolved = parse(Source::Webhook, br#"{"status":"RESOLVED","nested":{"a":1}}"#).unwrap();
    assert_eq!(resolved.notification.status, Status::Resolved);
    assert!(!resolved.notification.alerts[0].labels.contains_key("nested"));
    assert!(parse(Source::Webhook, b"[1,2]").unwrap().notification.alerts[0].labels.is_empty());
}
