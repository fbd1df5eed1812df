//! What every provider endpoint shares: fault injection, the response delay and error counting.

use std::time::Duration;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::faults::{self, Fault};
use crate::inbox::bump;
use crate::state::AppState;

/// The content type the providers answer JSON with.
const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A provider's JSON answer, always HTTP 200.
#[derive(Debug)]
pub(crate) struct Reply {
    /// False when the answer reports an error (counted in `Stats::errors`).
    pub(crate) ok: bool,
    /// The serialized JSON body.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Serializes `value` as the body.
    pub(crate) fn json(ok: bool, value: &impl Serialize) -> Self {
        // Serializing plain structs and `Value`s into a Vec cannot fail.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self { ok, body }
    }
}

/// Runs one provider call: applies an armed fault instead of `handle` (answering a scripted
/// errcode with `fail`), counts errors, then waits out the configured delay.
pub(crate) async fn call(
    state: &AppState,
    path: &str,
    fail: impl FnOnce(i64) -> Reply,
    handle: impl FnOnce() -> Reply,
) -> Response {
    let response = match state.faults.take(path) {
        Some(Fault::DropConnection) => {
            bump(&state.inbox.errors);
            faults::dropped_connection()
        }
        Some(Fault::Http500) => {
            bump(&state.inbox.errors);
            faults::http_500()
        }
        Some(Fault::Errcode(code)) => finish(state, fail(code)),
        None => finish(state, handle()),
    };
    let delay = state.faults.delay();
    if delay > Duration::ZERO {
        tokio::time::sleep(delay).await;
    }
    response
}

fn finish(state: &AppState, reply: Reply) -> Response {
    if !reply.ok {
        bump(&state.inbox.errors);
    }
    ([(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], reply.body).into_response()
}
