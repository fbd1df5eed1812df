//! The emulated Getui (个推) push REST API v2, under `/v2/{appId}/…` (reference `getui-api.md`).
//!
//! | concern | module |
//! |---|---|
//! | configuration | [`config`] |
//! | routing, 404/405, unknown appId, token header | [`dispatch`] |
//! | envelope and HTTP status per code | [`envelope`] |
//! | `POST /auth`, `DELETE /auth/{token}` | [`auth`], [`tokens`] |
//! | push body checks | [`validate`], [`notification`] |
//! | `/push/single/*` | [`push_single`] |
//! | `/push/list/*` | [`push_list`] |
//! | `/push/all`, `/push/tag`, `/push/fast_custom_tag` | [`push_app`] |
//! | request_id dedupe, task creation shared by pushes | [`push`], [`ledger`] |
//! | `/task/*` | [`task_api`], [`tasks`] |
//! | `/user/*` | [`users`], [`registry`] |
//! | `/report/*` | [`reports`] |
//!
//! One mutex guards the registry, the tasks and the ledger; it is locked once per request and
//! never across an `.await`. Scheduled tasks are delivered lazily: before every Getui request
//! and every inbox or stats read, each pending task whose `schedule_time` has passed (by the
//! injectable clock) is sent, with its scheduled time as `at_ms`.

mod auth;
pub(crate) mod config;
mod dispatch;
mod envelope;
mod ledger;
mod notification;
mod push;
mod push_app;
mod push_list;
mod push_single;
mod registry;
mod reports;
mod task_api;
mod tasks;
mod time;
mod tokens;
mod users;
mod validate;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::inbox::{Record, bump};
use crate::provider;
use crate::query::decode_segment;
use crate::state::AppState;
use config::GetuiConfig;
use ledger::Ledger;
use registry::Registry;
use tasks::{ScheduleState, Tasks};
use tokens::Tokens;

/// The mutable part of the emulated Getui service.
#[derive(Debug)]
struct Inner {
    registry: Registry,
    tasks: Tasks,
    ledger: Ledger,
}

/// The emulated Getui service: apps, tokens, registry, tasks and push memory.
#[derive(Debug)]
pub(crate) struct GetuiState {
    config: GetuiConfig,
    /// The appIds, shared by every inbox record of the app.
    labels: Vec<Arc<str>>,
    tokens: Tokens,
    inner: Mutex<Inner>,
}

impl GetuiState {
    /// Builds the service from its (validated) configuration.
    pub(crate) fn new(config: &GetuiConfig) -> Self {
        Self {
            config: config.clone(),
            labels: config.apps.iter().map(|a| a.app_id.as_str().into()).collect(),
            tokens: Tokens::new(config.token_lifetime_ms),
            inner: Mutex::new(Self::fresh(config)),
        }
    }

    fn fresh(config: &GetuiConfig) -> Inner {
        Inner { registry: Registry::new(config), tasks: Tasks::default(), ledger: Ledger::default() }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Expires every issued token (they answer 10001 from now on).
    pub(crate) fn expire_tokens(&self) {
        self.tokens.expire_all();
    }

    /// Forgets tokens, tasks, request_ids and quotas, and restores the configured registry.
    pub(crate) fn reset(&self) {
        self.tokens.reset();
        *self.lock() = Self::fresh(&self.config);
    }

    /// Sends every scheduled task whose time has come; returns the inbox records.
    pub(crate) fn deliver_due(&self, now_ms: i64) -> Vec<Record> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let mut records = vec![];
        for (push_time_ms, id) in inner.tasks.due(now_ms) {
            records.extend(deliver_scheduled(inner, &self.labels, &id, push_time_ms));
        }
        records
    }
}

/// Marks the scheduled task `id` as sent and delivers it to its audience as resolved now.
fn deliver_scheduled(inner: &mut Inner, labels: &[Arc<str>], id: &str, push_time_ms: i64) -> Vec<Record> {
    let Some((app, audience)) = inner.tasks.scheduled_audience(id) else {
        return vec![];
    };
    let targets = push_app::resolve(&inner.registry, &audience);
    if let Some(schedule) = inner.tasks.get_mut(app, id).and_then(|t| t.schedule.as_mut()) {
        schedule.state = ScheduleState::Sent;
    }
    inner.tasks.deliver(id, &targets, push_time_ms, &labels[app])
}

/// One Getui request on its way through the handlers.
pub(super) struct Ctx<'a> {
    pub(super) state: &'a AppState,
    /// Index of the app named in the path.
    pub(super) app: usize,
    pub(super) now_ms: i64,
    /// Percent-decoded path parameters, in order.
    pub(super) params: Vec<String>,
    pub(super) body: &'a [u8],
}

impl Ctx<'_> {
    fn getui(&self) -> &GetuiState {
        &self.state.getui
    }

    /// The Getui configuration.
    pub(super) fn config(&self) -> &GetuiConfig {
        &self.getui().config
    }

    /// The appId of this request, as recorded in the inbox.
    pub(super) fn label(&self) -> &Arc<str> {
        &self.getui().labels[self.app]
    }

    /// Path parameter `i` (decoded).
    pub(super) fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }

    /// Appends inbox records.
    pub(super) fn record(&self, records: Vec<Record>) {
        if !records.is_empty() {
            self.state.inbox.record(records);
        }
    }
}

/// The Getui routes: everything under `/v2/`.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/v2/{*rest}", any(handle))
}

async fn handle(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let rest = path.strip_prefix("/v2/").unwrap_or_default();
    let (app_raw, suffix) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    if app_raw == "check" && suffix.is_empty() {
        // The Java SDK's stable-domain probe (`HEAD /v2/check`).
        return StatusCode::OK.into_response();
    }
    bump(&state.inbox.getui_calls);
    if suffix == "/auth" && method == Method::POST {
        bump(&state.inbox.auth_calls);
    }
    if suffix.starts_with("/push/") {
        bump(&state.inbox.push_calls);
    }
    state.deliver_due();
    let fault = state.faults.take_for(&[path, suffix], true);
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let token = headers.get("token").and_then(|h| h.to_str().ok());
    let request = dispatch::Request { method: &method, app_id: &decode_segment(app_raw), suffix, token, body: &body };
    provider::respond(
        &state,
        fault,
        |fault| envelope::fault_answer(fault, host).into_reply(),
        || dispatch::dispatch(&state, &request, host).into_reply(),
    )
    .await
}
