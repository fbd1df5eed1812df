//! The notification and alert types shared by Alertmanager (webhook version 4) and Grafana
//! (version 1, the same with more fields, all optional here).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One webhook notification: a group of alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// `"4"` (Alertmanager) or `"1"` (Grafana).
    #[serde(default)]
    pub version: String,
    /// Identifies the alert group (`{}:{alertname="HighCPU"}`); stable across notifications.
    #[serde(default)]
    pub group_key: String,
    /// Alerts left out by the sender's `max_alerts`.
    #[serde(default)]
    pub truncated_alerts: u64,
    /// `firing` when any alert fires, else `resolved`.
    pub status: Status,
    /// The sender's receiver name.
    #[serde(default)]
    pub receiver: String,
    /// The labels the sender groups by.
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    /// Labels every alert has.
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    /// Annotations every alert has.
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    /// Alertmanager's `--web.external-url` (Grafana: its root URL).
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    /// The alerts.
    pub alerts: Vec<Alert>,
    /// Grafana: the organisation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<i64>,
    /// Grafana: its rendered title (`[FIRING:1] …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Grafana: `alerting` or `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Grafana: its rendered message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One alert of a notification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// `firing` or `resolved`.
    pub status: Status,
    /// Every label, `alertname` included.
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description`, `runbook_url`, …
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// When it started firing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<jiff::Timestamp>,
    /// When it resolved; Alertmanager sends `0001-01-01T00:00:00Z` while it fires (see
    /// [`Alert::ended`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<jiff::Timestamp>,
    /// A link back to the rule; may be empty.
    #[serde(default, rename = "generatorURL")]
    pub generator_url: String,
    /// A hash of the label set, stable for an alert across notifications.
    #[serde(default)]
    pub fingerprint: String,
    /// Grafana: a link to its silence form for this alert.
    #[serde(default, rename = "silenceURL", skip_serializing_if = "Option::is_none")]
    pub silence_url: Option<String>,
    /// Grafana: the rule's dashboard, if any.
    #[serde(default, rename = "dashboardURL", skip_serializing_if = "Option::is_none")]
    pub dashboard_url: Option<String>,
    /// Grafana: the rule's panel, if any.
    #[serde(default, rename = "panelURL", skip_serializing_if = "Option::is_none")]
    pub panel_url: Option<String>,
    /// Grafana: the query values by refId (`{"B": 44.2, "C": 1}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<BTreeMap<String, serde_json::Value>>,
    /// Grafana (legacy): the values as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

impl Alert {
    /// The resolve time, when it resolved: `None` while firing, and for Go's zero time
    /// (`0001-01-01T00:00:00Z`) that Alertmanager sends instead of a future end.
    pub fn ended(&self) -> Option<jiff::Timestamp> {
        self.ends_at.filter(|t| self.status == Status::Resolved && t.as_second() > 0)
    }

    /// The start time, unless it is Go's zero time.
    pub fn started(&self) -> Option<jiff::Timestamp> {
        self.starts_at.filter(|t| t.as_second() > 0)
    }
}

/// An alert's or a notification's status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Firing.
    #[default]
    Firing,
    /// Resolved.
    Resolved,
}

impl Status {
    /// `firing` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
        }
    }
}
