//! `GET /console/events`: the session's event stream, the same as `GET /v1/events` with the
//! session's key (a browser's `EventSource` cannot send an `Authorization` header, but it sends
//! the session cookie). Pages listen to it and refresh the part that changed (`console.js`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use super::session::SignedIn;
use crate::gateway::ApiError;
use crate::server::Ctx;
use crate::server::events::{EventsQuery, open};

/// `GET /console/events` (`channel`, `id`, `types`, `after` as for `/v1/events`).
pub(crate) async fn stream(
    State(ctx): State<Ctx>,
    signed: SignedIn,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::validation("query", e.body_text()).into_response(),
    };
    match open(&ctx, &signed.session.caller, &q, &headers).await {
        Ok(sse) => sse.into_response(),
        Err(e) => e.into_response(),
    }
}
