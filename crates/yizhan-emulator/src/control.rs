//! The control API under `/__emulator/`, for tests and tools outside the process.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /__emulator/inbox` | JSON array of [`Delivery`](crate::Delivery), oldest first |
//! | `GET /__emulator/stats` | [`Stats`](crate::Stats) |
//! | `GET /__emulator/response_codes` | issued template-card response codes |
//! | `GET /__emulator/media` | uploaded temporary media ([`MediaRecord`](crate::MediaRecord)), oldest first |
//! | `POST /__emulator/reset` | clears inbox, stats, tokens, windows, duplicates, faults and Getui tasks/quotas |
//! | `POST /__emulator/click` | a member clicks a sent template card: `{"msgid"\|"task_id", "user", "key", "selected"?: [{"question_key","option_ids"}]}`; the encrypted event is POSTed to the app's `callback_url`; answers a [`ClickOutcome`](crate::ClickOutcome) (400/404/409 `{"error"}` when refused) |
//! | `POST /__emulator/faults` | arms faults, e.g. `{"fail_next":{"count":2,"errcode":-1,"path":"/cgi-bin/message/send"}, "expire_tokens":true, "delay_ms":200, "drop_connections":1, "http_500":1, "redirect":{"count":1,"domains":["http://127.0.0.1:9"]}, "random":{"seed":1,"busy_rate":0.1,"lost_answer_rate":0.05,"reset_rate":0.01,"token_expiry_every":1000,"rate_limit_every":500,"rate_limit_burst":5}, "random_off":true}` (every field optional; see [`RandomFaults`](crate::RandomFaults)) |
//!
//! Control endpoints are never faulted or delayed. Bodies are read as raw JSON whatever the
//! Content-Type; a bad body answers HTTP 400 `{"error":"..."}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;
use crate::wecom::click::Click;

/// The body of `POST /__emulator/faults`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FaultRequest {
    fail_next: Option<FailNext>,
    expire_tokens: bool,
    delay_ms: Option<u64>,
    drop_connections: Option<u32>,
    http_500: Option<u32>,
    redirect: Option<Redirect>,
    /// `{"random": {...}}` turns random faults on, `{"random": null}` leaves them as they are,
    /// `{"random_off": true}` turns them off.
    random: Option<crate::RandomFaults>,
    random_off: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Redirect {
    #[serde(default = "one")]
    count: u32,
    domains: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNext {
    #[serde(default = "one")]
    count: u32,
    errcode: i64,
    #[serde(default)]
    path: Option<String>,
}

fn one() -> u32 {
    1
}

/// The control routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/__emulator/inbox", get(inbox))
        .route("/__emulator/stats", get(stats))
        .route("/__emulator/response_codes", get(response_codes))
        .route("/__emulator/media", get(media))
        .route("/__emulator/reset", post(reset))
        .route("/__emulator/faults", post(faults))
        .route("/__emulator/click", post(click))
}

async fn click(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let request: Click = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error = json!({"error": format!("invalid click body: {e}")});
            return (StatusCode::BAD_REQUEST, Json(error)).into_response();
        }
    };
    match crate::wecom::click::click(&state, request).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Json(json!({"error": e.to_string()}))).into_response()
        }
    }
}

async fn inbox(State(state): State<Arc<AppState>>) -> Response {
    state.deliver_due();
    Json(state.inbox.deliveries()).into_response()
}

async fn stats(State(state): State<Arc<AppState>>) -> Response {
    state.deliver_due();
    Json(state.inbox.stats()).into_response()
}

async fn response_codes(State(state): State<Arc<AppState>>) -> Response {
    Json(state.wecom.response_codes()).into_response()
}

async fn media(State(state): State<Arc<AppState>>) -> Response {
    Json(state.wecom.media()).into_response()
}

async fn reset(State(state): State<Arc<AppState>>) -> Response {
    state.reset();
    Json(json!({"ok": true})).into_response()
}

async fn faults(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let request: FaultRequest = if body.iter().all(u8::is_ascii_whitespace) {
        FaultRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => {
                let error = json!({"error": format!("invalid faults body: {e}")});
                return (StatusCode::BAD_REQUEST, Json(error)).into_response();
            }
        }
    };
    if let Some(fail) = request.fail_next {
        state.faults.fail_next(fail.path.as_deref(), fail.count, fail.errcode);
    }
    if request.expire_tokens {
        state.expire_tokens();
    }
    if let Some(ms) = request.delay_ms {
        state.faults.set_delay(Duration::from_millis(ms));
    }
    if let Some(n) = request.drop_connections {
        state.faults.drop_connections(n);
    }
    if let Some(n) = request.http_500 {
        state.faults.http_500(n);
    }
    if let Some(redirect) = request.redirect {
        state.faults.redirect(redirect.count, redirect.domains);
    }
    if request.random_off {
        state.faults.set_random(None);
    }
    if let Some(random) = request.random {
        state.faults.set_random(Some(random));
    }
    Json(json!({"ok": true})).into_response()
}
