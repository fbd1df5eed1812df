//! Request ids and request logging through `tower-http` (docs/gateway.md, "Request ids,
//! timeouts and logs"): every request gets an `x-request-id` (the caller's, when it sends
//! one, else a new UUID), answered in the response header, and runs inside a `request` span
//! carrying it, so every line the request logs names it. The span holds the method and the
//! path only: a query string can hold a credential (`?token=` on the alert intake).

use axum::http::{HeaderName, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The header that carries the request id, both ways.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `router` inside the request-id and trace layers (outermost first: set the id, open the
/// span, copy the id to the response).
pub(super) fn layers(router: axum::Router) -> axum::Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(span)
        // One INFO line per answered request (status and latency); 5xx at ERROR.
        .on_response(DefaultOnResponse::new().level(Level::INFO))
        .on_failure(DefaultOnFailure::new().level(Level::ERROR));
    router
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
}

/// The `request` span: method, path (never the query) and request id.
fn span<B>(request: &Request<B>) -> tracing::Span {
    let id = request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("");
    tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id = id)
}
