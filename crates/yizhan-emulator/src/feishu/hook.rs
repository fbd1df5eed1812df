//! `POST /open-apis/bot/v2/hook/{hook}`.
//!
//! Checks in order: hook id (19001), the IP allow-list (19022), the Content-Type, the body size
//! and a JSON object (9499 `Bad Request`), the signature in the body (19021), `msg_type`
//! (19002 `params error, msg_type need`) and its content ([`super::content`]: 9499 or 19002),
//! the keywords (19024), then the rate limits (11232; refused messages do not count). An
//! accepted message is one inbox entry holding the body without `timestamp` and `sign`. Every
//! answer is HTTP 200.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::reply::{self, BAD_REQUEST, standard};
use super::{Bot, FeishuState, HOOK_PREFIX, content};
use crate::faults::{CodeSet, Fault};
use crate::group_bot::{Rejection, allowed, delivered, has_keyword, hmac_sha256_base64, is_json};
use crate::inbox::{Record, bump};
use crate::provider;
use crate::state::AppState;

/// The axum handler.
pub(super) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(hook): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&state.inbox.feishu_calls);
    let path = format!("{HOOK_PREFIX}/{hook}");
    let fault = state.faults.take_as(&[&path, HOOK_PREFIX], CodeSet::Feishu);
    let fail = |fault: Fault| match fault {
        Fault::Errcode(code) => reply::error(&standard(code)),
        _ => reply::error(&standard(2200)),
    };
    provider::respond(&state, fault, fail, || {
        let request = Request { hook: &hook, json_type: is_json(&headers), body: &body, ip: peer.ip() };
        match send(&state, &request) {
            Ok(record) => {
                state.inbox.record(vec![record]);
                reply::success()
            }
            Err(rejection) => reply::error(&rejection),
        }
    })
    .await
}

/// What [`send`] reads of one call.
struct Request<'a> {
    hook: &'a str,
    json_type: bool,
    body: &'a [u8],
    ip: IpAddr,
}

fn send(state: &AppState, request: &Request<'_>) -> Result<Record, Rejection> {
    let feishu = &state.feishu;
    let config = &feishu.config;
    let now_ms = state.clock.now_ms();
    let index = feishu.find(request.hook).ok_or_else(|| standard(19001))?;
    let bot = &feishu.bots[index];
    if !bot.allowlist.is_empty() && !allowed(&bot.allowlist, request.ip) {
        return Err(standard(19022));
    }
    if (config.require_json_content_type && !request.json_type) || request.body.len() > config.max_body_bytes {
        return Err(Rejection::new(9499, BAD_REQUEST));
    }
    let mut body = match serde_json::from_slice::<Value>(request.body) {
        Ok(Value::Object(body)) => body,
        _ => return Err(Rejection::new(9499, BAD_REQUEST)),
    };
    if let Some(secret) = &bot.secret {
        verify_signature(feishu, secret, &body, now_ms)?;
    }
    let checked = content::check(&body, config.newer_post_tags)?;
    check_keywords(bot, &checked.texts)?;
    if !feishu.admit(index, now_ms) {
        return Err(standard(11232));
    }
    body.remove("timestamp");
    body.remove("sign");
    Ok(delivered("feishu_bot", &bot.label, checked.recipient, checked.msg_type, Value::Object(body), now_ms))
}

/// `timestamp` (seconds, a digit string or an integer, within the window) and `sign` =
/// Base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = empty)), both in the body.
fn verify_signature(
    feishu: &FeishuState,
    secret: &str,
    body: &Map<String, Value>,
    now_ms: i64,
) -> Result<(), Rejection> {
    let refused = || standard(19021);
    let timestamp = match body.get("timestamp") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        _ => return Err(refused()),
    };
    let seconds: i64 = timestamp.parse().map_err(|_| refused())?;
    if now_ms.div_euclid(1000).abs_diff(seconds) > feishu.config.timestamp_window_secs.unsigned_abs() {
        return Err(refused());
    }
    let expected = hmac_sha256_base64(format!("{timestamp}\n{secret}").as_bytes(), b"");
    if body.get("sign").and_then(Value::as_str) != Some(expected.as_str()) {
        return Err(refused());
    }
    Ok(())
}

/// At least one keyword somewhere in the message's text (19024; a message without text fails).
fn check_keywords(bot: &Bot, texts: &[String]) -> Result<(), Rejection> {
    if bot.keywords.is_empty() || texts.iter().any(|t| has_keyword(&bot.keywords, t)) {
        Ok(())
    } else {
        Err(standard(19024))
    }
}
