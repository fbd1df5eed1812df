//! Channels, health, readiness and `/metrics` (Prometheus text format, written by hand).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Ctx;
use super::error::caller;
use super::views::{ChannelView, HealthView};
use crate::gateway::ApiError;

/// Request counters shown by `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    accepted: AtomicU64,
    /// Alert notifications by source, route and outcome.
    pub(crate) intake: crate::intake::metrics::IntakeCounters,
    responses: Mutex<BTreeMap<u16, u64>>,
}

impl Counters {
    /// Counts `n` accepted messages.
    pub(crate) fn accepted(&self, n: u64) {
        self.accepted.fetch_add(n, Ordering::Relaxed);
    }

    fn response(&self, status: u16) {
        let mut map = self.responses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(status).or_default() += 1;
    }

    fn snapshot(&self) -> (u64, BTreeMap<u16, u64>) {
        let map = self.responses.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        (self.accepted.load(Ordering::Relaxed), map)
    }
}

/// Middleware: counts every response by HTTP status.
pub(crate) async fn count_responses(State(ctx): State<Ctx>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    ctx.counters.response(response.status().as_u16());
    response
}

/// The channels the key may use: name, kind, delivery health, token age and quota budgets,
/// never credentials.
#[utoipa::path(get, path = "/v1/channels", tag = "channels", security(("bearer" = [])),
    responses(
        (status = 200, description = "The key's channels", body = Vec<ChannelView>),
        (status = 401, description = "No or unknown API key", body = ApiError),
    ))]
pub(crate) async fn channels(State(ctx): State<Ctx>, headers: HeaderMap) -> Result<Json<Vec<ChannelView>>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    Ok(Json(channel_views(&ctx, &caller).await))
}

/// The channels `caller` may use, with health, token age and quota use (the console's overview too).
pub(crate) async fn channel_views(ctx: &Ctx, caller: &super::auth::Caller) -> Vec<ChannelView> {
    let now_ms = ctx.app.clock.now_ms();
    let mut list = Vec::new();
    for c in ctx.app.config.channels.iter().filter(|c| caller.may_use(c.name()).is_ok()) {
        list.push(ChannelView {
            name: c.name().to_owned(),
            kind: c.kind().to_owned(),
            health: HealthView::from_health(ctx.app.health.health(c.name())),
            token_age_secs: ctx.app.health.token_age(c.name()).map(|d| d.as_secs()),
            quota: ctx.app.shaping.usage(c.name(), now_ms).await,
        });
    }
    list
}

/// Liveness: 200 whenever the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "Alive", body = Object, example = json!({"status": "ok"}))))]
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: 200 when the store answers and takes writes (SQLite: a small write is committed,
/// so a full disk or a reached size cap says 503), 503 otherwise.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses(
        (status = 200, description = "The store answers and takes writes", body = Object, example = json!({"status": "ready"})),
        (status = 503, description = "The store does not answer, or cannot take writes", body = Object),
    ))]
pub(crate) async fn readyz(State(ctx): State<Ctx>) -> (StatusCode, Json<serde_json::Value>) {
    let store = &ctx.app.store;
    match async {
        store.ping().await?;
        store.probe_write().await
    }
    .await
    {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"})))
        }
    }
}

/// Prometheus metrics: messages and dispatches per status, quota deferrals, accepts, HTTP responses.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain")))]
pub(crate) async fn metrics(State(ctx): State<Ctx>) -> Response {
    let mut out = String::new();
    match ctx.app.store.counts().await {
        Ok(counts) => {
            out.push_str("# HELP yizhan_messages Messages in the store by status.\n# TYPE yizhan_messages gauge\n");
            for status in yizhan_store::MessageStatus::ALL {
                let n = counts.get(status.as_str()).copied().unwrap_or(0);
                let _ = writeln!(out, "yizhan_messages{{status=\"{status}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: store counts failed"),
    }
    match ctx.app.store.dispatch_counts().await {
        Ok(counts) => {
            out.push_str(
                "# HELP yizhan_dispatches Provider calls in the store by status (deferred: waiting on a quota or \
                 rate limit).\n# TYPE yizhan_dispatches gauge\n",
            );
            for status in yizhan_store::DispatchStatus::ALL {
                let n = counts.get(status.as_str()).copied().unwrap_or(0);
                let _ = writeln!(out, "yizhan_dispatches{{status=\"{status}\"}} {n}");
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: store dispatch counts failed"),
    }
    ctx.app.shaping.write_metrics(&mut out);
    out.push_str(
        "# HELP yizhan_retention_deleted_rows_total Rows of finished messages and forwards deleted by retention.\n\
         # TYPE yizhan_retention_deleted_rows_total counter\n",
    );
    let _ = writeln!(out, "yizhan_retention_deleted_rows_total {}", ctx.app.retention.rows());
    let hub = &ctx.app.events;
    out.push_str("# HELP yizhan_event_stream_subscribers Live GET /v1/events streams.\n");
    out.push_str("# TYPE yizhan_event_stream_subscribers gauge\n");
    let _ = writeln!(out, "yizhan_event_stream_subscribers {}", hub.subscribers());
    out.push_str("# HELP yizhan_event_stream_events_total Events handed to live streams.\n");
    out.push_str("# TYPE yizhan_event_stream_events_total counter\n");
    let _ = writeln!(out, "yizhan_event_stream_events_total {}", hub.delivered());
    out.push_str("# HELP yizhan_event_stream_fell_behind_total Streams cut off for not keeping up.\n");
    out.push_str("# TYPE yizhan_event_stream_fell_behind_total counter\n");
    let _ = writeln!(out, "yizhan_event_stream_fell_behind_total {}", hub.fell_behind());
    ctx.app.webhook_metrics.write(&mut out);
    ctx.counters.intake.write(&mut out);
    let (accepted, responses) = ctx.counters.snapshot();
    out.push_str("# HELP yizhan_messages_accepted_total Messages accepted by this process.\n");
    out.push_str("# TYPE yizhan_messages_accepted_total counter\n");
    let _ = writeln!(out, "yizhan_messages_accepted_total {accepted}");
    out.push_str("# HELP yizhan_http_responses_total HTTP responses by status code.\n");
    out.push_str("# TYPE yizhan_http_responses_total counter\n");
    for (status, n) in responses {
        let _ = writeln!(out, "yizhan_http_responses_total{{status=\"{status}\"}} {n}");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
