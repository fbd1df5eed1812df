//! A client of Alertmanager's API v2 (`/api/v2/`): create and list silences, post alerts.
//!
//! Silences take matchers as `{name, value, isRegex, isEqual}` (`isEqual` exists since
//! Alertmanager 0.22); the server moves a start in the past to now, refuses an end in the past,
//! and answers the new silence's id. See `docs/alerts.md`, "Alertmanager API".

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::matcher::{Matcher, Op};

/// How long one call to Alertmanager may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum AlertmanagerError {
    /// The base URL is not an http(s) URL.
    #[error("{0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    /// No answer (connection refused, timeout, …).
    #[error("Alertmanager did not answer: {0}")]
    Transport(String),
    /// An answer other than 2xx, with Alertmanager's message.
    #[error("Alertmanager answered {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The body (Alertmanager answers errors as a JSON string).
        message: String,
    },
    /// A 2xx answer that is not what the API documents.
    #[error("Alertmanager's answer could not be read: {0}")]
    Decode(String),
}

/// One silence matcher as the API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceMatcher {
    /// The label name.
    pub name: String,
    /// The value or regular expression.
    pub value: String,
    /// `=~` or `!~`.
    pub is_regex: bool,
    /// `=` or `=~` (true) versus `!=` or `!~` (false). Absent means true.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl SilenceMatcher {
    /// `name="value"`.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> SilenceMatcher {
        SilenceMatcher { name: name.into(), value: value.into(), is_regex: false, is_equal: true }
    }

    /// Equality matchers for every label of `labels` (a group's labels).
    pub fn for_labels(labels: &BTreeMap<String, String>) -> Vec<SilenceMatcher> {
        labels.iter().map(|(k, v)| SilenceMatcher::equal(k, v)).collect()
    }
}

impl From<&Matcher> for SilenceMatcher {
    fn from(m: &Matcher) -> SilenceMatcher {
        SilenceMatcher {
            name: m.name.clone(),
            value: m.value.clone(),
            is_regex: matches!(m.op, Op::Regex | Op::NotRegex),
            is_equal: matches!(m.op, Op::Equal | Op::Regex),
        }
    }
}

/// A silence to create (`PostableSilence`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    /// At least one, and one must not match the empty string.
    pub matchers: Vec<SilenceMatcher>,
    /// Start (a past start becomes now).
    pub starts_at: jiff::Timestamp,
    /// End, after the start and not in the past.
    pub ends_at: jiff::Timestamp,
    /// Who silenced (shown in Alertmanager's UI).
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl NewSilence {
    /// A silence of `matchers` from now for `duration`.
    pub fn lasting(
        matchers: Vec<SilenceMatcher>,
        duration: Duration,
        created_by: impl Into<String>,
        comment: impl Into<String>,
    ) -> NewSilence {
        let starts_at = jiff::Timestamp::now();
        let span = jiff::SignedDuration::try_from(duration).unwrap_or(jiff::SignedDuration::MAX);
        let ends_at = starts_at.checked_add(span).unwrap_or(jiff::Timestamp::MAX);
        NewSilence { matchers, starts_at, ends_at, created_by: created_by.into(), comment: comment.into() }
    }
}

/// A silence as Alertmanager lists it (`GettableSilence`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    /// Its id.
    pub id: String,
    /// Its matchers.
    pub matchers: Vec<SilenceMatcher>,
    /// Start.
    pub starts_at: jiff::Timestamp,
    /// End.
    pub ends_at: jiff::Timestamp,
    /// Who created it.
    pub created_by: String,
    /// Why.
    #[serde(default)]
    pub comment: String,
    /// `active`, `pending` or `expired`.
    pub status: SilenceStatus,
}

/// A silence's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// An alert to post (`PostableAlert`): Alertmanager keeps it firing until `endsAt` (default:
/// its `resolve_timeout` after the post).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAlert {
    /// Labels, `alertname` included.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// A link back to the source.
    #[serde(rename = "generatorURL", skip_serializing_if = "String::is_empty")]
    pub generator_url: String,
    /// When it ends (an end in the past posts a resolved alert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<jiff::Timestamp>,
}

/// A client of one Alertmanager.
#[derive(Debug, Clone)]
pub struct AlertmanagerApi {
    base: String,
    http: reqwest::Client,
}

impl AlertmanagerApi {
    /// A client of the Alertmanager at `base_url` (e.g. `http://127.0.0.1:9093`).
    pub fn new(base_url: &str) -> Result<AlertmanagerApi, AlertmanagerError> {
        match url::Url::parse(base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => return Err(AlertmanagerError::BadUrl(base_url.to_owned())),
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| AlertmanagerError::Transport(e.to_string()))?;
        Ok(AlertmanagerApi { base: base_url.trim_end_matches('/').to_owned(), http })
    }

    /// `POST /api/v2/silences`: creates `silence`; its id.
    pub async fn create_silence(&self, silence: &NewSilence) -> Result<String, AlertmanagerError> {
        #[derive(Deserialize)]
        struct Created {
            #[serde(rename = "silenceID")]
            silence_id: String,
        }
        let response = self.http.post(self.url("silences")).json(silence).send().await;
        let created: Created = decode(checked(response).await?).await?;
        Ok(created.silence_id)
    }

    /// `GET /api/v2/silences`, filtered by `filters` (every one must be among a silence's
    /// matchers), in Alertmanager's order.
    pub async fn silences(&self, filters: &[Matcher]) -> Result<Vec<Silence>, AlertmanagerError> {
        let query: Vec<(&str, String)> = filters.iter().map(|m| ("filter", m.to_string())).collect();
        let response = self.http.get(self.url("silences")).query(&query).send().await;
        decode(checked(response).await?).await
    }

    /// `POST /api/v2/alerts`.
    pub async fn post_alerts(&self, alerts: &[NewAlert]) -> Result<(), AlertmanagerError> {
        let response = self.http.post(self.url("alerts")).json(alerts).send().await;
        checked(response).await.map(drop)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v2/{path}", self.base)
    }
}

/// The response when it is a 2xx; else the error with Alertmanager's message.
async fn checked(response: reqwest::Result<reqwest::Response>) -> Result<reqwest::Response, AlertmanagerError> {
    let response = response.map_err(|e| AlertmanagerError::Transport(e.to_string()))?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<String>(&body).unwrap_or(body);
    Err(AlertmanagerError::Refused { status, message: message.trim().to_owned() })
}

async fn decode<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, AlertmanagerError> {
    let bytes = response.bytes().await.map_err(|e| AlertmanagerError::Transport(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| AlertmanagerError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_map_onto_is_regex_and_is_equal() {
        let m = |s: &str| SilenceMatcher::from(&Matcher::parse(s).unwrap());
        assert_eq!(
            m(r#"a="1""#),
            SilenceMatcher { name: "a".into(), value: "1".into(), is_regex: false, is_equal: true }
        );
        assert_eq!((m(r#"a!="1""#).is_regex, m(r#"a!="1""#).is_equal), (false, false));
        assert_eq!((m(r#"a=~"1""#).is_regex, m(r#"a=~"1""#).is_equal), (true, true));
        assert_eq!((m(r#"a!~"1""#).is_regex, m(r#"a!~"1""#).is_equal), (true, false));
        let json = serde_json::to_value(NewSilence::lasting(vec![m("a=1")], Duration::from_secs(3600), "alice", "ack"))
            .unwrap();
        assert_eq!(
            json["matchers"][0],
            serde_json::json!({"name": "a", "value": "1", "isRegex": false, "isEqual": true})
        );
        assert_eq!(json["createdBy"], "alice");
        let (start, end): (jiff::Timestamp, jiff::Timestamp) =
            (json["startsAt"].as_str().unwrap().parse().unwrap(), json["endsAt"].as_str().unwrap().parse().unwrap());
        assert_eq!(end.duration_since(start), jiff::SignedDuration::from_hours(1));
    }

    #[test]
    fn only_http_urls() {
        assert!(matches!(AlertmanagerApi::new("alertmanager:9093"), Err(AlertmanagerError::BadUrl(_))));
        assert!(AlertmanagerApi::new("http://127.0.0.1:9093/").is_ok());
    }
}
