//! `POST /cgi-bin/message/send?access_token=TOKEN` (WeCom docs: 发送应用消息).
//!
//! The body is read as raw bytes whatever the Content-Type (real clients often send none). Checks
//! run in this order: token (41001, 40014, 42001), JSON (40035), `agentid` (41011, 40056),
//! `msgtype` (40008), recipients (82001, 40031, 82002, 82003), the message-type object
//! ([`super::validate`]), the `media_id` of image/voice/video/file messages (40007 when unknown,
//! of another corp, expired or of the wrong type — [`super::media`]), then resolution (81013
//! when nobody valid is left). Accepted messages are
//! recorded per recipient: delivered, dropped by a per-member window, or deduplicated.
//!
//! Duplicate check (WeCom docs: 发送应用消息, duplicate check): with `enable_duplicate_check=1`, a
//! request whose whole JSON (keys sorted at every level) equals one accepted within
//! `duplicate_check_interval` (default 1800 s, at most 14400) delivers nothing. The answer to it is
//! undocumented; the emulator's choice is configurable (`[wecom] duplicate_answer`, default the
//! first request's msgid).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{Map, Value};

use super::directory::{Resolution, join, parse_targets};
use super::errmsg::{Rejection, errmsg};
use super::ledger::{Accepted, MAX_DUPLICATE_INTERVAL_SECS, ResponseCodeRecord};
use super::request::{authorize, check_agent, json_object};
use super::token::random_id;
use super::validate::{self, Content};
use super::{SEND_PATH, fault_reply};
use crate::inbox::{Outcome, Record, bump};
use crate::provider::{self, Reply};
use crate::state::AppState;

/// Length of generated msgids (as long as the documented example).
const MSGID_LEN: usize = 63;
/// Length of generated response codes.
const RESPONSE_CODE_LEN: usize = 43;
/// Duplicate-check interval when the request names none.
const DEFAULT_DUPLICATE_INTERVAL_SECS: i64 = 1800;

#[derive(Serialize)]
struct SendBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    invaliduser: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    invalidparty: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    invalidtag: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    msgid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_code: Option<&'a str>,
}

/// The axum handler.
pub(super) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    bump(&state.inbox.send_calls);
    let ip = peer.ip();
    provider::call(
        &state,
        SEND_PATH,
        |code| fault_reply(&state, code, ip),
        || send(&state, query.as_deref(), &body, ip),
    )
    .await
}

/// A request that passed every check except resolution.
struct Checked {
    app: usize,
    resolution: Resolution,
    content: Content,
    /// Canonical JSON and interval when `enable_duplicate_check` is on.
    duplicate_check: Option<(String, i64)>,
}

fn send(state: &AppState, query: Option<&str>, body: &[u8], ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    if let Some(rejection) = super::request::untrusted(state, query, now_ms, ip) {
        return super::errmsg::error_reply(&rejection, ip, now_ms.div_euclid(1000));
    }
    let checked = match check(state, query, body, now_ms) {
        Ok(checked) => checked,
        Err(rejection) => return super::errmsg::error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    };
    let resolution = &checked.resolution;
    let (invaliduser, invalidparty, invalidtag) =
        (join(&resolution.invalid_users), join(&resolution.invalid_parties), join(&resolution.invalid_tags));
    let mut msgid: Arc<str> = random_id(MSGID_LEN).into();
    if resolution.users.is_empty() {
        let errmsg = errmsg(81013, super::errmsg::text(81013), ip, now_ms.div_euclid(1000));
        let body = SendBody {
            errcode: 81013,
            errmsg: &errmsg,
            invaliduser: &invaliduser,
            invalidparty: &invalidparty,
            invalidtag: &invalidtag,
            msgid: Some(&msgid),
            response_code: None,
        };
        return Reply::json(false, &body);
    }
    let card = checked.content.card.as_ref().filter(|c| c.response_code);
    let mut response_code: Option<Arc<str>> = card.map(|_| random_id(RESPONSE_CODE_LEN).into());
    let app = &state.wecom.apps[checked.app];
    let outcomes = {
        let mut ledger = state.wecom.ledger();
        let duplicate = checked
            .duplicate_check
            .as_ref()
            .and_then(|(canonical, interval)| ledger.duplicate_of(checked.app, canonical, now_ms, *interval));
        if let Some(earlier) = duplicate {
            // What WeCom answers here is not documented: see `WecomConfig::duplicate_answer`.
            if state.wecom.duplicate_answer == crate::config::DuplicateAnswer::FirstMsgid {
                (msgid, response_code) = (earlier.msgid, earlier.response_code);
            } else {
                response_code = None;
            }
            vec![Outcome::Deduplicated; resolution.users.len()]
        } else {
            let limits = state.wecom.limits;
            let outcomes = resolution
                .users
                .iter()
                .map(|&user| match ledger.admit(checked.app, user, now_ms, limits) {
                    Ok(()) => Outcome::Delivered,
                    Err(reason) => Outcome::Dropped(reason),
                })
                .collect();
            if let Some((canonical, _)) = checked.duplicate_check {
                let accepted = Accepted { msgid: msgid.clone(), response_code: response_code.clone(), at_ms: now_ms };
                ledger.remember(checked.app, canonical, accepted);
            }
            if let (Some(code), Some(card)) = (&response_code, card) {
                ledger.issue_response_code(ResponseCodeRecord {
                    response_code: code.to_string(),
                    app: app.label.to_string(),
                    msgid: msgid.to_string(),
                    card_type: card.card_type.clone(),
                    task_id: card.task_id.clone(),
                    issued_at_ms: now_ms,
                });
            }
            outcomes
        }
    };
    let msgtype = checked.content.msgtype;
    let content = Arc::new(checked.content.object);
    let records = resolution
        .users
        .iter()
        .zip(outcomes)
        .map(|(&user, outcome)| Record {
            provider: "wecom",
            app: app.label.clone(),
            recipient: state.wecom.directory.user(user).clone(),
            msgtype,
            content: content.clone(),
            msgid: msgid.clone(),
            outcome,
            at_ms: now_ms,
            request_id: None,
            status: None,
        })
        .collect::<Vec<_>>();
    let delivered = records.iter().filter(|r: &&Record| r.outcome == Outcome::Delivered).count();
    state.wecom.history().record(&msgid, checked.app, now_ms, delivered as u64);
    state.inbox.record(records);
    let body = SendBody {
        errcode: 0,
        errmsg: "ok",
        invaliduser: &invaliduser,
        invalidparty: &invalidparty,
        invalidtag: &invalidtag,
        msgid: Some(&msgid),
        response_code: response_code.as_deref(),
    };
    Reply::json(true, &body)
}

fn check(state: &AppState, query: Option<&str>, body: &[u8], now_ms: i64) -> Result<Checked, Rejection> {
    let wecom = &state.wecom;
    let app = authorize(state, query, now_ms)?;
    let mut body = json_object(body)?;
    check_agent(state, app, &body)?;
    let msgtype = validate::msgtype(&body)?;
    let resolution = wecom.directory.resolve(&parse_targets(&body)?);
    let duplicate_check = duplicate_check(&body);
    let content = validate::content(msgtype, body.remove(msgtype))?;
    if let Some(media_id) = validate::media_id_of(&content) {
        wecom.media.check(&wecom.apps[app].corp_id, msgtype, media_id, now_ms)?;
    }
    Ok(Checked { app, resolution, content, duplicate_check })
}

/// The canonical request and the interval, when `enable_duplicate_check` is 1.
fn duplicate_check(body: &Map<String, Value>) -> Option<(String, i64)> {
    let number = |key: &str| match body.get(key) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(Value::Bool(b)) => Some(i64::from(*b)),
        _ => None,
    };
    if number("enable_duplicate_check") != Some(1) {
        return None;
    }
    let interval = match number("duplicate_check_interval") {
        Some(secs) if secs > 0 => secs.min(MAX_DUPLICATE_INTERVAL_SECS),
        _ => DEFAULT_DUPLICATE_INTERVAL_SECS,
    };
    let mut canonical = String::with_capacity(256);
    write_map(&mut canonical, body);
    Some((canonical, interval))
}

fn write_map(out: &mut String, map: &Map<String, Value>) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_unstable_by_key(|(key, _)| *key);
    out.push('{');
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(key.clone()).to_string());
        out.push(':');
        write_canonical(out, value);
    }
    out.push('}');
}

/// Writes `value` as JSON with object keys sorted, whatever the map's own order is.
fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => write_map(out, map),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_sorts_keys_at_every_level() {
        let mut a = String::new();
        write_canonical(&mut a, &json!({"b": [{"y": 1, "x": "é\""}], "a": null}));
        assert_eq!(a, r#"{"a":null,"b":[{"x":"é\"","y":1}]}"#);
    }

    #[test]
    fn duplicate_check_options() {
        let on = |extra: Value| {
            let mut body = Map::new();
            body.insert("enable_duplicate_check".into(), json!(1));
            body.extend(extra.as_object().cloned().unwrap_or_default());
            duplicate_check(&body).map(|(_, i)| i)
        };
        assert_eq!(on(json!({})), Some(1800));
        assert_eq!(on(json!({"duplicate_check_interval": 60})), Some(60));
        assert_eq!(on(json!({"duplicate_check_interval": 99_999})), Some(14_400));
        assert_eq!(on(json!({"enable_duplicate_check": 0})), None);
        assert_eq!(on(json!({"enable_duplicate_check": "1"})), Some(1800));
    }
}
