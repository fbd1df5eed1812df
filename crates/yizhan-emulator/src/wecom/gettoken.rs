//! `GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET` (WeCom docs: 获取access_token).
//!
//! Checks in order: 41002 corpid missing, 41004 corpsecret missing, 40013 unknown corpid, 40001
//! secret of no app of that corp. Success returns the app's current token while it is valid, with
//! `expires_in` = the remaining seconds (rounded up), or a fresh one.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::response::Response;
use serde::Serialize;

use super::errmsg::{Rejection, error_reply};
use super::{GETTOKEN_PATH, fault_reply};
use crate::inbox::bump;
use crate::provider::{self, Reply};
use crate::query::param;
use crate::state::AppState;

#[derive(Serialize)]
struct TokenBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    access_token: &'a str,
    expires_in: i64,
}

/// The axum handler.
pub(super) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
) -> Response {
    bump(&state.inbox.gettoken_calls);
    let ip = peer.ip();
    provider::call(
        &state,
        GETTOKEN_PATH,
        |code| fault_reply(&state, code, ip),
        || gettoken(&state, query.as_deref(), ip),
    )
    .await
}

fn gettoken(state: &AppState, query: Option<&str>, ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    match issue(state, query, now_ms) {
        Ok((token, expires_in)) => {
            Reply::json(true, &TokenBody { errcode: 0, errmsg: "ok", access_token: &token, expires_in })
        }
        Err(rejection) => error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    }
}

fn issue(state: &AppState, query: Option<&str>, now_ms: i64) -> Result<(String, i64), Rejection> {
    let wecom = &state.wecom;
    let corp_id = param(query, "corpid").filter(|c| !c.is_empty()).ok_or_else(|| Rejection::new(41002))?;
    let secret = param(query, "corpsecret").filter(|s| !s.is_empty()).ok_or_else(|| Rejection::new(41004))?;
    if !wecom.apps.iter().any(|a| a.corp_id == corp_id) {
        return Err(Rejection::new(40013));
    }
    let app = wecom
        .apps
        .iter()
        .position(|a| a.corp_id == corp_id && a.secret == secret)
        .ok_or_else(|| Rejection::new(40001))?;
    Ok(wecom.tokens.issue(app, now_ms))
}
