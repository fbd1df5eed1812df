//! The checks every WeCom business endpoint starts with (the token, a JSON object body, the
//! `agentid` it names) and [`json_route`], which serves a plain check-and-act function as a
//! provider endpoint.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use bytes::Bytes;
use serde_json::{Map, Value};

use super::errmsg::{Rejection, error_reply};
use super::fault_reply;
use super::token::TokenCheck;
use crate::provider::{self, Reply};
use crate::query::param;
use crate::state::AppState;

/// The app index behind `access_token` (41001 missing, 42001 expired, 40014 unknown).
pub(crate) fn authorize(state: &AppState, query: Option<&str>, now_ms: i64) -> Result<usize, Rejection> {
    let token = param(query, "access_token").filter(|t| !t.is_empty()).ok_or_else(|| Rejection::new(41001))?;
    match state.wecom.tokens.check(&token, now_ms) {
        TokenCheck::Valid(app) => Ok(app),
        TokenCheck::Expired => Err(Rejection::new(42001)),
        TokenCheck::Unknown => Err(Rejection::new(40014)),
    }
}

/// 60020 when the app whose valid token `query` carries has 企业可信IP and `ip` is not among
/// them; `None` otherwise (token problems are the endpoint's to report).
pub(crate) fn untrusted(state: &AppState, query: Option<&str>, now_ms: i64, ip: IpAddr) -> Option<Rejection> {
    let app = authorize(state, query, now_ms).ok()?;
    (!state.wecom.trusts(app, ip)).then(|| Rejection::new(60020))
}

/// The body as a JSON object (40035 with WeCom's "wrong json format" warning otherwise).
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, Rejection> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Rejection::with_text(40035, "Warning: wrong json format. invalid Request Parameter")),
    }
}

/// Checks that `agentid` is present (41011) and is the token's app (40056).
pub(crate) fn check_agent(state: &AppState, app: usize, body: &Map<String, Value>) -> Result<(), Rejection> {
    let agent_id = match body.get("agentid") {
        None | Some(Value::Null) => return Err(Rejection::new(41011)),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    if agent_id != Some(state.wecom.apps[app].agent_id) {
        return Err(Rejection::new(40056));
    }
    Ok(())
}

/// A string field, trimmed; `None` when absent or empty (40035 when not a string).
pub(crate) fn opt_str<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Rejection> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(_) => Err(Rejection::with_text(40035, format!("{key} must be a string. invalid Request Parameter"))),
    }
}

/// A list of ids given as strings or numbers (40035 otherwise); absent is empty.
pub(crate) fn id_list(body: &Map<String, Value>, key: &str) -> Result<Vec<String>, Rejection> {
    let Some(value) = body.get(key).filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let bad = || Rejection::with_text(40035, format!("{key} must be a list of ids. invalid Request Parameter"));
    let items = value.as_array().ok_or_else(bad)?;
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.trim().to_owned()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(bad()),
        })
        .collect()
}

/// A JSON endpoint: checks and acts at `now_ms`, answering the fields to add to
/// `{"errcode":0,"errmsg":"ok"}` or the rejection.
pub(crate) type Endpoint = fn(&AppState, Option<&str>, &[u8], i64) -> Result<Map<String, Value>, Rejection>;

/// Runs an [`Endpoint`] as a provider call: faults, the delay and error counting included.
async fn serve_json(
    state: &AppState,
    path: &'static str,
    ip: IpAddr,
    query: Option<&str>,
    body: &[u8],
    endpoint: Endpoint,
) -> Response {
    provider::call(
        state,
        path,
        |code| fault_reply(state, code, ip),
        || {
            let now_ms = state.clock.now_ms();
            if let Some(rejection) = untrusted(state, query, now_ms, ip) {
                return error_reply(&rejection, ip, now_ms.div_euclid(1000));
            }
            match endpoint(state, query, body, now_ms) {
                Ok(mut fields) => {
                    fields.insert("errcode".to_owned(), Value::from(0));
                    fields.insert("errmsg".to_owned(), Value::from("ok"));
                    Reply::json(true, &fields)
                }
                Err(rejection) => error_reply(&rejection, ip, now_ms.div_euclid(1000)),
            }
        },
    )
    .await
}

/// The route of a JSON endpoint at `path`, for `GET` or `POST` (raw body, any Content-Type).
pub(crate) fn json_route(method: Method, path: &'static str, endpoint: Endpoint) -> MethodRouter<Arc<AppState>> {
    let handler = move |State(state): State<Arc<AppState>>,
                        ConnectInfo(peer): ConnectInfo<SocketAddr>,
                        RawQuery(query): RawQuery,
                        body: Bytes| async move {
        serve_json(&state, path, peer.ip(), query.as_deref(), &body, endpoint).await
    };
    match method {
        Method::Get => get(handler),
        Method::Post => post(handler),
    }
}

/// The HTTP method of a [`json_route`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}
