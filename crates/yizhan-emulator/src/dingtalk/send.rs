//! `POST /robot/send?access_token=TOKEN[&timestamp=MS&sign=SIGN]`.
//!
//! Checks in order: token (`unknown_token_code`, default 300005), robot state (400102, 400013),
//! the IP allow-list, the signature (`invalid timestamp`, then `sign not match`; all 310000), the
//! Content-Type (40035), the body size (460101), a JSON object (40035 `缺少参数 json`),
//! `msgtype` (400105), the fields ([`super::content`], 400402/400403), the keywords (310000),
//! then the rate limit (410100; refused messages do not count). An accepted message is one inbox
//! entry. Every answer is HTTP 200.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use super::config::DingtalkKeywordMatch;
use super::errmsg::{self, reply, standard};
use super::{DingtalkState, Robot, SEND_PATH, content};
use crate::faults::{CodeSet, Fault};
use crate::group_bot::{Rejection, allowed, delivered, has_keyword, hmac_sha256_base64, is_json};
use crate::inbox::{Record, bump};
use crate::provider;
use crate::query::param;
use crate::state::AppState;

/// The axum handler.
pub(super) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&state.inbox.dingtalk_calls);
    let fault = state.faults.take_as(&[SEND_PATH], CodeSet::Dingtalk);
    let fail = |fault: Fault| match fault {
        Fault::Errcode(code) => reply(&standard(code)),
        _ => reply(&standard(-1)),
    };
    provider::respond(&state, fault, fail, || {
        let request = Request { query: query.as_deref(), json_type: is_json(&headers), body: &body, ip: peer.ip() };
        match send(&state, &request) {
            Ok(record) => {
                state.inbox.record(vec![record]);
                reply(&standard(0))
            }
            Err(rejection) => reply(&rejection),
        }
    })
    .await
}

/// What [`send`] reads of one call.
struct Request<'a> {
    query: Option<&'a str>,
    json_type: bool,
    body: &'a [u8],
    ip: IpAddr,
}

fn send(state: &AppState, request: &Request<'_>) -> Result<Record, Rejection> {
    let dingtalk = &state.dingtalk;
    let limits = dingtalk.limits;
    let now_ms = state.clock.now_ms();
    let index = dingtalk
        .find(param(request.query, "access_token").as_deref())
        .ok_or_else(|| standard(limits.unknown_token_code))?;
    let robot = &dingtalk.robots[index];
    if let Some(code) = robot.status.errcode() {
        return Err(standard(code));
    }
    if !robot.allowlist.is_empty() && !allowed(&robot.allowlist, request.ip) {
        return Err(errmsg::ip_not_allowed(request.ip));
    }
    if let Some(secret) = &robot.secret {
        verify_signature(dingtalk, secret, request.query, now_ms)?;
    }
    if limits.require_json_content_type && !request.json_type {
        return Err(standard(40035));
    }
    if request.body.len() > limits.max_body_bytes {
        return Err(errmsg::too_long(limits.max_body_bytes));
    }
    let body = match serde_json::from_slice::<Value>(request.body) {
        Ok(Value::Object(body)) => body,
        _ => return Err(standard(40035)),
    };
    let checked = content::check(&body)?;
    check_keywords(robot, &checked.texts, limits.keyword_match)?;
    if !dingtalk.admit(index, now_ms) {
        return Err(standard(limits.rate_limit_code));
    }
    Ok(delivered("dingtalk_robot", &robot.label, checked.recipient, checked.msgtype, Value::Object(body), now_ms))
}

/// `timestamp` (ms, within the window) and `sign` = Base64(HMAC-SHA256(key = secret,
/// message = timestamp + "\n" + secret)), compared with the once-decoded query value.
fn verify_signature(dingtalk: &DingtalkState, secret: &str, query: Option<&str>, now_ms: i64) -> Result<(), Rejection> {
    let timestamp = param(query, "timestamp").unwrap_or_default();
    let in_window = timestamp.bytes().all(|b| b.is_ascii_digit())
        && timestamp
            .parse::<i64>()
            .is_ok_and(|ts| now_ms.abs_diff(ts) <= dingtalk.limits.timestamp_window_ms.unsigned_abs());
    if !in_window {
        return Err(errmsg::invalid_timestamp());
    }
    let expected = hmac_sha256_base64(secret.as_bytes(), format!("{timestamp}\n{secret}").as_bytes());
    if param(query, "sign").as_deref() != Some(expected.as_str()) {
        return Err(errmsg::sign_not_match());
    }
    Ok(())
}

/// The robot's keywords against the message's text fields, per `keyword_match`.
fn check_keywords(robot: &Robot, texts: &[String], mode: DingtalkKeywordMatch) -> Result<(), Rejection> {
    if robot.keywords.is_empty() {
        return Ok(());
    }
    let found = |text: &String| has_keyword(&robot.keywords, text);
    let ok = match mode {
        DingtalkKeywordMatch::EveryField => texts.iter().all(found),
        DingtalkKeywordMatch::AnyField => texts.iter().any(found),
    };
    if ok { Ok(()) } else { Err(errmsg::keywords_not_in_content()) }
}
