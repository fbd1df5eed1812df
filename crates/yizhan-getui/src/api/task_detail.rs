//! `GET /task/detail/{cid}/{taskid}` — the delivery path of one cid in one task (Getui REST v2
//! docs: task API). Needs a granted permission (otherwise 401/10004).
//!
//! The doc table says `detail`, the doc's example JSON spells it `deatil`; which one the server
//! sends is unconfirmed, so both are accepted (docs/getui-client.md, mistake 9). Use
//! [`Response::events`].

use serde::{Deserialize, Serialize};

use super::Method;

/// The endpoint path.
pub const PATH: &str = "/task/detail/{cid}/{taskid}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

/// One step of the delivery path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailEvent {
    /// Local time `yyyy-MM-dd HH:mm:ss`.
    #[serde(default)]
    pub time: String,
    /// What happened, e.g. `消息请求成功`.
    #[serde(default)]
    pub event: String,
}

/// The `data`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The events, documented spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Vec<DetailEvent>>,
    /// The events, as the doc's example spells the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deatil: Option<Vec<DetailEvent>>,
}

impl Response {
    /// The events under whichever key the server used (`detail` first).
    pub fn events(&self) -> &[DetailEvent] {
        self.detail.as_deref().or(self.deatil.as_deref()).unwrap_or_default()
    }
}
