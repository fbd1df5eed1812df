//! Built-in sample payloads: what `yizhan template render --sample …` and `yizhan config check`
//! render every route's templates with, and what the template snapshots are made of.

use super::payload::{self, Payload, Source};

/// An Alertmanager notification of two firing alerts (critical and warning) in one group.
pub const ALERTMANAGER_FIRING: &str = include_str!("samples/alertmanager_firing.json");
/// The same group, resolved.
pub const ALERTMANAGER_RESOLVED: &str = include_str!("samples/alertmanager_resolved.json");
/// A Grafana notification of one firing alert with dashboard and panel links.
pub const GRAFANA_FIRING: &str = include_str!("samples/grafana_firing.json");
/// The same alert, resolved.
pub const GRAFANA_RESOLVED: &str = include_str!("samples/grafana_resolved.json");
/// A generic webhook body.
pub const WEBHOOK: &str = include_str!("samples/webhook.json");

/// Every built-in sample: its name (as `--sample` takes it), source and text.
pub const ALL: &[(&str, Source, &str)] = &[
    ("alertmanager", Source::Alertmanager, ALERTMANAGER_FIRING),
    ("alertmanager-resolved", Source::Alertmanager, ALERTMANAGER_RESOLVED),
    ("grafana", Source::Grafana, GRAFANA_FIRING),
    ("grafana-resolved", Source::Grafana, GRAFANA_RESOLVED),
    ("webhook", Source::Webhook, WEBHOOK),
];

/// The built-in sample called `name`, parsed.
pub fn named(name: &str) -> Option<Payload> {
    let (_, source, text) = ALL.iter().find(|(n, _, _)| *n == name)?;
    payload::parse(*source, text.as_bytes()).ok()
}

/// A payload read from a file: Alertmanager when its `version` is `"4"`, Grafana when `"1"`,
/// else a generic webhook body.
pub fn from_bytes(bytes: &[u8]) -> Result<Payload, payload::PayloadError> {
    let version = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("version").and_then(serde_json::Value::as_str).map(str::to_owned));
    let source = match version.as_deref() {
        Some("4") => Source::Alertmanager,
        Some("1") => Source::Grafana,
        _ => Source::Webhook,
    };
    payload::parse(source, bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_sample_parses() {
        for (name, _, _) in super::ALL {
            assert!(super::named(name).is_some(), "{name}");
        }
    }
}
