//! `POST /cgi-bin/message/get_statistics` (WeCom docs, page 92369):
//! `{"time_type": 0|1}` (today or yesterday, natural days in China time) →
//! `{"statistics":[{"agentid","app_name","count"}]}`, count = delivered person-times of the app.

use serde_json::{Map, Value, json};

use super::errmsg::Rejection;
use super::request::{authorize, json_object};
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// The endpoint.
pub(super) fn statistics(
    state: &AppState,
    query: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Map<String, Value>, Rejection> {
    let app = authorize(state, query, now_ms)?;
    let body = json_object(body)?;
    let day_ms = match body.get("time_type").and_then(Value::as_i64) {
        Some(0) | None => now_ms,
        Some(1) => now_ms - DAY_MS,
        Some(_) => return Err(Rejection::with_text(40035, "time_type must be 0 or 1")),
    };
    let count = state.wecom.history().delivered_on(app, day_ms);
    let agent_id = state.wecom.apps[app].agent_id;
    let statistics = json!([{"agentid": agent_id, "app_name": format!("app {agent_id}"), "count": count}]);
    Ok(Map::from_iter([("statistics".to_owned(), statistics)]))
}
