//! What alert senders POST: Alertmanager's webhook payload (version 4), Grafana's alerting
//! webhook payload (version 1, Alertmanager's extended) and any JSON for the generic receiver.
//!
//! Parsing is from the raw bytes, so an error names the JSON path of the offending field
//! (`alerts[3].labels: invalid type: …`): a body that is not JSON is a [`PayloadError::Syntax`]
//! (HTTP 400), JSON of the wrong shape a [`PayloadError::Shape`] (HTTP 422). Unknown fields are
//! ignored: newer senders add some (Alertmanager 0.32 added `notification_reason`). The field
//! tables are in `docs/alerts.md`.

mod alert;

use serde::de::DeserializeOwned;

pub use alert::{Alert, Notification, Status};

/// Which receiver a payload arrived at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `POST /v1/intake/alertmanager/{route}`.
    Alertmanager,
    /// `POST /v1/intake/grafana/{route}`.
    Grafana,
    /// `POST /v1/intake/webhook/{route}`: any JSON.
    Webhook,
}

impl Source {
    /// The name in URLs, templates (`source`) and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Webhook => "webhook",
        }
    }

    /// The payload `version` this source sends, if it has one.
    fn version(self) -> Option<&'static str> {
        match self {
            Source::Alertmanager => Some("4"),
            Source::Grafana => Some("1"),
            Source::Webhook => None,
        }
    }
}

/// A parsed payload: the alerts it carries, and the JSON it came as (templates see it as `body`).
#[derive(Debug, Clone)]
pub struct Payload {
    /// Where it came from.
    pub source: Source,
    /// The alerts, as a notification. A generic webhook body is one alert (see [`webhook`]).
    pub notification: Notification,
    /// The body as JSON.
    pub body: serde_json::Value,
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Not JSON at all (HTTP 400).
    #[error("the body is not JSON: {0}")]
    Syntax(String),
    /// JSON, but a field has the wrong type, is missing or has a wrong value (HTTP 422).
    #[error("{field}: {message}")]
    Shape {
        /// The JSON path, e.g. `alerts[3].labels`.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Parses `body` as a payload of `source`.
pub fn parse(source: Source, body: &[u8]) -> Result<Payload, PayloadError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| PayloadError::Syntax(e.to_string()))?;
    let notification = match source.version() {
        Some(expected) => {
            let version = json.get("version").and_then(serde_json::Value::as_str);
            if version != Some(expected) {
                let found = json.get("version").map_or_else(|| "missing".to_owned(), |v| format!("{v}"));
                return Err(shape(
                    "version",
                    format_args!("is {found}; this receiver takes {} webhook payloads of version {expected:?}", {
                        if source == Source::Grafana { "Grafana alerting" } else { "Alertmanager" }
                    }),
                ));
            }
            typed::<Notification>(body)?
        }
        None => webhook(&json),
    };
    if source != Source::Webhook && notification.alerts.is_empty() {
        return Err(shape("alerts", "is empty; a notification carries at least one alert"));
    }
    Ok(Payload { source, notification, body: json })
}

/// A generic webhook body as a notification of one alert: its labels are the top-level members
/// of the JSON object that are strings, numbers or booleans (as text); its status is the
/// `status` member when that is `resolved` (case-insensitive), else firing. A body that is not
/// an object has no labels.
pub fn webhook(json: &serde_json::Value) -> Notification {
    let labels: std::collections::BTreeMap<String, String> = json
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k.clone(), s.clone())),
            serde_json::Value::Number(n) => Some((k.clone(), n.to_string())),
            serde_json::Value::Bool(b) => Some((k.clone(), b.to_string())),
            _ => None,
        })
        .collect();
    let resolved = labels.get("status").is_some_and(|s| s.eq_ignore_ascii_case("resolved"));
    let status = if resolved { Status::Resolved } else { Status::Firing };
    let alert = Alert { status, labels: labels.clone(), ..Alert::default() };
    Notification { status, common_labels: labels, alerts: vec![alert], ..Notification::default() }
}

/// Deserializes `body` as a `T`, naming the path of the first field that does not fit.
fn typed<T: DeserializeOwned>(body: &[u8]) -> Result<T, PayloadError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { "body".to_owned() } else { field };
        let message = e.inner().to_string();
        // serde_json appends " at line L column C": keep it, it helps with a big payload.
        PayloadError::Shape { field, message }
    })
}

fn shape(field: &str, message: impl std::fmt::Display) -> PayloadError {
    PayloadError::Shape { field: field.to_owned(), message: message.to_string() }
}

#[cfg(test)]
mod tests;
