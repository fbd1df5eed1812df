//! What every provider endpoint shares: fault injection, the response delay and error counting.

use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::faults::{self, Fault};
use crate::inbox::bump;
use crate::state::AppState;

/// The content type the providers answer JSON with.
const JSON_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A provider's JSON answer (HTTP 200 unless [`Reply::with_status`] says otherwise).
#[derive(Debug)]
pub(crate) struct Reply {
    /// False when the answer reports an error (counted in `Stats::errors`).
    pub(crate) ok: bool,
    /// The HTTP status (WeCom: always 200; Getui: tracks the business code).
    pub(crate) status: StatusCode,
    /// The serialized JSON body.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Serializes `value` as the body of an HTTP 200 answer.
    pub(crate) fn json(ok: bool, value: &impl Serialize) -> Self {
        // Serializing plain structs and `Value`s into a Vec cannot fail.
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Self { ok, status: StatusCode::OK, body }
    }

    /// The same answer with another HTTP status.
    pub(crate) fn with_status(self, status: StatusCode) -> Self {
        Self { status, ..self }
    }
}

/// Runs one WeCom call: applies an armed fault instead of `handle` (answering a scripted
/// errcode with `fail`), counts errors, then waits out the configured delay.
pub(crate) async fn call(
    state: &AppState,
    path: &str,
    fail: impl FnOnce(i64) -> Reply,
    handle: impl FnOnce() -> Reply,
) -> Response {
    let fault = state.faults.take(path);
    respond(
        state,
        fault,
        |fault| match fault {
            Fault::Errcode(code) => fail(code),
            // `take` never hands a redirect to a WeCom call; answer "system busy" if it did.
            _ => fail(-1),
        },
        handle,
    )
    .await
}

/// Answers one provider call given the fault it consumed: a dropped connection or an HTTP 500
/// are answered here, any other fault by `fail`, no fault by `handle`. Errors are counted, then
/// the configured delay is waited out *after* the call was processed.
pub(crate) async fn respond(
    state: &AppState,
    fault: Option<Fault>,
    fail: impl FnOnce(Fault) -> Reply,
    handle: impl FnOnce() -> Reply,
) -> Response {
    let response = match fault {
        Some(Fault::DropConnection) => {
            bump(&state.inbox.errors);
            faults::dropped_connection()
        }
        Some(Fault::Http500) => {
            bump(&state.inbox.errors);
            faults::http_500()
        }
        Some(Fault::LoseAnswer(hold)) => {
            // Processed (and delivered) as usual; the answer never reaches the client.
            let _ = finish(state, handle());
            bump(&state.inbox.errors);
            tokio::time::sleep(hold).await;
            return faults::dropped_connection();
        }
        Some(Fault::ExpireTokens) => {
            state.expire_tokens();
            finish(state, handle())
        }
        Some(other) => finish(state, fail(other)),
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
    (reply.status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], reply.body).into_response()
}
