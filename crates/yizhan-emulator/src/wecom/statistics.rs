//! `POST /cgi-bin/message/get_statistics` (reference §2.4 "Related", doc 92369):
//! `{"time_type": 0|1}` (today or yesterday, natural days in China time) →
//! `{"statistics":[{"agentid","app_name","count"}]}`, count = delivered person-times of the app.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::json;

use super::errmsg::{Rejection, error_reply};
use super::request::{authorize, json_object};
use super::{STATISTICS_PATH, fault_reply};
use crate::provider::{self, Reply};
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// The axum handler.
pub(super) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let ip = peer.ip();
    provider::call(
        &state,
        STATISTICS_PATH,
        |code| fault_reply(&state, code, ip),
        || statistics(&state, query.as_deref(), &body, ip),
    )
    .await
}

fn statistics(state: &AppState, query: Option<&str>, body: &[u8], ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    let result = (|| {
        let app = authorize(state, query, now_ms)?;
        let body = json_object(body)?;
        let day_ms = match body.get("time_type").and_then(serde_json::Value::as_i64) {
            Some(0) | None => now_ms,
            Some(1) => now_ms - DAY_MS,
            Some(_) => return Err(Rejection::with_text(40035, "time_type must be 0 or 1")),
        };
        let count = state.wecom.history().delivered_on(app, day_ms);
        let agent_id = state.wecom.apps[app].agent_id;
        Ok(json!({"errcode": 0, "errmsg": "ok", "statistics": [
            {"agentid": agent_id, "app_name": format!("app {agent_id}"), "count": count}
        ]}))
    })();
    match result {
        Ok(body) => Reply::json(true, &body),
        Err(rejection) => error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    }
}
