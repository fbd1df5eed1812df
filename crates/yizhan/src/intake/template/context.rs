//! What a template sees: the notification as routed to one route (only that route's alerts),
//! with times already formatted in the route's time zone and links prepared.
//!
//! | variable | meaning |
//! |---|---|
//! | `source` | `alertmanager`, `grafana` or `webhook` |
//! | `route` | the route's name (`ops`, `ops/db`) |
//! | `status` | `firing` when any of the route's alerts fires, else `resolved` |
//! | `alerts`, `firing`, `resolved` | the route's alerts; only the firing; only the resolved |
//! | `alertname` | the common `alertname`, else the distinct names joined by `, ` |
//! | `labels`, `annotations` | labels and annotations every alert of the route has |
//! | `group_labels`, `group_key`, `receiver`, `external_url`, `truncated_alerts` | from the payload |
//! | `silence_url` | a silence form for the group (Alertmanager: its UI on `external_url`; Grafana: the first alert's) |
//! | `title`, `message` | Grafana's rendered title and message |
//! | `body` | the payload as JSON (for the generic webhook) |
//! | `time_zone`, `language`, `t` | the route's zone and language; `t` the built-in wording in that language |
//!
//! Each alert: `status`, `labels`, `annotations`, `summary` (summary, else description, else
//! alertname), `starts_at` and `ends_at` (formatted; `ends_at` empty while firing),
//! `starts_at_rfc3339`, `ends_at_rfc3339`, `generator_url`, `fingerprint`, `silence_url`,
//! `dashboard_url`, `panel_url`, `values`, `values_text` (`B=44.24, C=1`), `value_string`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::builtin::{Language, wording};
use crate::intake::payload::{Alert, Payload, Source, Status};

/// The default format of times: `2024-05-01 16:00:00 CST`.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S %Z";

/// Everything a template of one route sees.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateData {
    source: &'static str,
    route: String,
    status: &'static str,
    alerts: Vec<AlertData>,
    firing: Vec<AlertData>,
    resolved: Vec<AlertData>,
    alertname: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    group_labels: BTreeMap<String, String>,
    group_key: String,
    receiver: String,
    external_url: String,
    truncated_alerts: u64,
    silence_url: String,
    title: String,
    message: String,
    body: serde_json::Value,
    time_zone: String,
    language: &'static str,
    t: BTreeMap<&'static str, &'static str>,
}

/// One alert as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertData {
    status: &'static str,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    summary: String,
    starts_at: String,
    ends_at: String,
    starts_at_rfc3339: String,
    ends_at_rfc3339: String,
    generator_url: String,
    fingerprint: String,
    silence_url: String,
    dashboard_url: String,
    panel_url: String,
    values: BTreeMap<String, serde_json::Value>,
    values_text: String,
    value_string: String,
}

/// The zone and wording a route renders with.
#[derive(Debug, Clone)]
pub struct Locale {
    /// The IANA name, e.g. `Asia/Shanghai`.
    pub zone_name: String,
    /// The zone.
    pub zone: jiff::tz::TimeZone,
    /// The built-in wording.
    pub language: Language,
}

impl TemplateData {
    /// The data of `route` for `alerts` (the payload's alerts routed to it).
    pub fn new(payload: &Payload, alerts: &[&Alert], route: &str, locale: &Locale) -> TemplateData {
        let n = &payload.notification;
        let firing_any = alerts.iter().any(|a| a.status == Status::Firing);
        let status = if firing_any { Status::Firing } else { Status::Resolved };
        let data: Vec<AlertData> = alerts.iter().map(|a| AlertData::new(a, payload, locale)).collect();
        let labels = common(alerts.iter().map(|a| &a.labels));
        let names: BTreeSet<&str> =
            alerts.iter().filter_map(|a| a.labels.get("alertname").map(String::as_str)).collect();
        let alertname =
            labels.get("alertname").cloned().unwrap_or_else(|| names.into_iter().collect::<Vec<_>>().join(", "));
        let silence_url = match payload.source {
            Source::Alertmanager => {
                let matchers = if n.group_labels.is_empty() { &labels } else { &n.group_labels };
                alertmanager_silence_url(&n.external_url, matchers)
            }
            Source::Grafana => data.first().map(|a| a.silence_url.clone()).unwrap_or_default(),
            Source::Webhook => String::new(),
        };
        TemplateData {
            source: payload.source.as_str(),
            route: route.to_owned(),
            status: status.as_str(),
            firing: data.iter().filter(|a| a.status == "firing").cloned().collect(),
            resolved: data.iter().filter(|a| a.status == "resolved").cloned().collect(),
            alerts: data,
            alertname,
            labels,
            annotations: common(alerts.iter().map(|a| &a.annotations)),
            group_labels: n.group_labels.clone(),
            group_key: n.group_key.clone(),
            receiver: n.receiver.clone(),
            external_url: n.external_url.clone(),
            truncated_alerts: n.truncated_alerts,
            silence_url,
            title: n.title.clone().unwrap_or_default(),
            message: n.message.clone().unwrap_or_default(),
            body: payload.body.clone(),
            time_zone: locale.zone_name.clone(),
            language: locale.language.as_str(),
            t: wording(locale.language),
        }
    }

    /// As a MiniJinja value.
    pub fn to_value(&self) -> minijinja::Value {
        minijinja::Value::from(minijinja::value::Serde(self))
    }
}

impl AlertData {
    fn new(alert: &Alert, payload: &Payload, locale: &Locale) -> AlertData {
        let time =
            |t: Option<jiff::Timestamp>| t.map(|t| format_time(t, &locale.zone, TIME_FORMAT)).unwrap_or_default();
        let rfc3339 = |t: Option<jiff::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
        let summary = ["summary", "description"]
            .iter()
            .find_map(|k| alert.annotations.get(*k).filter(|v| !v.is_empty()))
            .or_else(|| alert.labels.get("alertname"))
            .cloned()
            .unwrap_or_default();
        let silence_url = match payload.source {
            Source::Alertmanager => alertmanager_silence_url(&payload.notification.external_url, &alert.labels),
            _ => alert.silence_url.clone().unwrap_or_default(),
        };
        AlertData {
            status: alert.status.as_str(),
            labels: alert.labels.clone(),
            annotations: alert.annotations.clone(),
            summary,
            starts_at: time(alert.started()),
            ends_at: time(alert.ended()),
            starts_at_rfc3339: rfc3339(alert.started()),
            ends_at_rfc3339: rfc3339(alert.ended()),
            generator_url: alert.generator_url.clone(),
            fingerprint: alert.fingerprint.clone(),
            silence_url,
            dashboard_url: alert.dashboard_url.clone().unwrap_or_default(),
            panel_url: alert.panel_url.clone().unwrap_or_default(),
            values: alert.values.clone().unwrap_or_default(),
            values_text: values_text(alert.values.as_ref()),
            value_string: alert.value_string.clone().unwrap_or_default(),
        }
    }
}

/// `timestamp` in `zone` with strftime `format`; an invalid format gives RFC 3339.
pub fn format_time(timestamp: jiff::Timestamp, zone: &jiff::tz::TimeZone, format: &str) -> String {
    let zoned = timestamp.to_zoned(zone.clone());
    let mut out = String::new();
    match jiff::fmt::strtime::BrokenDownTime::from(&zoned).format(format, &mut out) {
        Ok(()) => out,
        Err(_) => zoned.timestamp().to_string(),
    }
}

/// Grafana's values as `B=44.24, C=1` (two decimals at most).
fn values_text(values: Option<&BTreeMap<String, serde_json::Value>>) -> String {
    let show = |v: &serde_json::Value| match v.as_f64() {
        Some(f) if f.fract() != 0.0 => format!("{}", (f * 100.0).round() / 100.0),
        _ => v.to_string(),
    };
    values.into_iter().flatten().map(|(k, v)| format!("{k}={}", show(v))).collect::<Vec<_>>().join(", ")
}

/// The entries every map has with the same value.
fn common<'a>(mut maps: impl Iterator<Item = &'a BTreeMap<String, String>>) -> BTreeMap<String, String> {
    let Some(first) = maps.next() else { return BTreeMap::new() };
    let mut out = first.clone();
    for map in maps {
        out.retain(|k, v| map.get(k) == Some(v));
    }
    out
}

/// Alertmanager's silence form pre-filled with `labels` as equality matchers:
/// `<external>/#/silences/new?filter={a="b",c="d"}` (percent-encoded). Empty without a URL.
pub fn alertmanager_silence_url(external_url: &str, labels: &BTreeMap<String, String>) -> String {
    if external_url.is_empty() {
        return String::new();
    }
    let matchers: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    let filter = format!("{{{}}}", matchers.join(","));
    let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    format!("{}/#/silences/new?filter={encoded}", external_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_links_prefill_the_group_matchers() {
        let labels = BTreeMap::from([("alertname".to_owned(), "HighCPU".to_owned())]);
        assert_eq!(
            alertmanager_silence_url("http://am:9093/", &labels),
            "http://am:9093/#/silences/new?filter=%7Balertname%3D%22HighCPU%22%7D"
        );
        assert_eq!(alertmanager_silence_url("", &labels), "");
    }

    #[test]
    fn times_are_shown_in_the_zone() {
        let t: jiff::Timestamp = "2024-05-01T08:00:00.5Z".parse().unwrap();
        let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(format_time(t, &zone, TIME_FORMAT), "2024-05-01 16:00:00 CST");
        assert_eq!(format_time(t, &jiff::tz::TimeZone::UTC, "%H:%M"), "08:00");
    }
}
