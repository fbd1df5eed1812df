//! `POST /cgi-bin/webhook/send?key=KEY` (WeCom docs: 群机器人配置说明).
//!
//! Checks in order: key (93000 unknown or missing), robot state (93004 disabled, 93008 not in the
//! group), JSON object (40035), `msgtype` (40008), the msgtype object ([`super::content`]),
//! `file`/`voice` media of this robot, of that kind, under 3 days old (40007), then the minute
//! window (45009; refused messages do not count). An accepted message is one inbox entry.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::content;
use super::{KeyCheck, SEND_PATH};
use crate::inbox::{Outcome, Record, bump};
use crate::provider::{self, Reply};
use crate::query::param;
use crate::state::AppState;
use crate::wecom::errmsg::{Rejection, error_reply};
use crate::wecom::fault_reply;

/// The axum handler.
pub(in crate::wecom) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    bump(&state.inbox.robot_calls);
    let ip = peer.ip();
    provider::call(
        &state,
        SEND_PATH,
        |code| fault_reply(&state, code, ip),
        || send(&state, query.as_deref(), &body, ip),
    )
    .await
}

fn send(state: &AppState, query: Option<&str>, body: &[u8], ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    match accept(state, query, body, now_ms) {
        Ok(record) => {
            state.inbox.record(vec![record]);
            Reply::json(true, &json!({"errcode": 0, "errmsg": "ok"}))
        }
        Err(rejection) => error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    }
}

fn accept(state: &AppState, query: Option<&str>, body: &[u8], now_ms: i64) -> Result<Record, Rejection> {
    let robots = &state.wecom.robots;
    let robot = match robots.check_key(param(query, "key").as_deref()) {
        KeyCheck::Active(robot) => robot,
        KeyCheck::Refused(code) => return Err(Rejection::new(code)),
    };
    let mut body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(Rejection::with_text(40035, "Warning: wrong json format. invalid Request Parameter")),
    };
    let msgtype = content::msgtype(&body)?;
    let checked = content::check(msgtype, body.remove(msgtype))?;
    let mut ledger = robots.ledger();
    if let Some(media_id) = &checked.media_id
        && !ledger.media_usable(media_id, robot, msgtype, now_ms)
    {
        return Err(Rejection::new(40007));
    }
    if !ledger.admit(robots, robot, now_ms) {
        return Err(Rejection::new(45009));
    }
    Ok(Record {
        provider: "wecom_robot",
        app: robots.label(robot),
        recipient: checked.recipient.into(),
        msgtype: checked.msgtype,
        content: Arc::new(checked.object),
        msgid: "".into(),
        outcome: Outcome::Delivered,
        at_ms: now_ms,
        request_id: None,
        status: None,
    })
}
