//! [`ApiError`] as an HTTP response, and the mapping of everything else onto its codes.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yizhan_store::StoreError;

use super::AppState;
use super::auth::{Caller, Refusal};
use crate::gateway::ApiError;

/// Seconds a client should wait before sending a request answered 503 again.
pub(crate) const RETRY_AFTER_SECS: u32 = 2;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return (status, [(header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())], Json(self)).into_response();
        }
        (status, Json(self)).into_response()
    }
}

/// A store failure as an API error. Database details are logged, not shown.
///
/// An unavailable database (I/O error, full disk, lost connection, pool timeout, closed store)
/// is 503 with `Retry-After`: nothing was stored and the same request may be sent again.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("no such message"),
        StoreError::Conflict(m) => ApiError::conflict(m),
        StoreError::Database(_) | StoreError::Migrate(_) | StoreError::Closed => {
            tracing::error!(error = %e, "store unavailable");
            ApiError::unavailable("the store is unavailable; try again later")
        }
        other => {
            tracing::error!(error = %other, "store error");
            ApiError::internal("the store failed; try again")
        }
    }
}

/// An auth refusal as an API error.
pub(crate) fn refusal(r: Refusal) -> ApiError {
    match r {
        Refusal::Unauthorized => ApiError::unauthorized("a valid API key is required: Authorization: Bearer <key>"),
        Refusal::Forbidden => ApiError::forbidden("this API key may not use that channel"),
    }
}

/// 403 for a channel outside the caller's scope, naming the channels it may use.
pub(crate) fn forbidden_channel(caller: &Caller, channel: &str) -> ApiError {
    let mine = if caller.channels.is_empty() { "none".to_owned() } else { caller.channels.join(", ") };
    ApiError::forbidden(format!("this API key may not use channel {channel:?}; it may use: {mine}"))
}

/// The body could not be read: too large (413) or broken (400).
pub(crate) fn body_rejection(r: BytesRejection, limit: usize) -> ApiError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large(format!("the request body is over the limit of {limit} bytes"))
    } else {
        ApiError::malformed_json(format!("the request body could not be read: {}", r.body_text()))
    }
}

/// Identifies the caller from the `Authorization` header (401 without a known key).
pub(crate) fn caller(app: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    app.keys.authenticate(value).map_err(refusal)
}

/// Unknown routes answer the JSON error too.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
