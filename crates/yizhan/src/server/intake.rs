//! `POST /v1/intake/{alertmanager,grafana,webhook}/{route}`: alert notifications in, messages
//! out (`crate::intake` does the routing and rendering).
//!
//! API key (`Authorization: Bearer`, or `?token=` for senders that cannot set a header: weaker,
//! the key then lands in access logs) → route (404) → body size (413) → payload (400 not JSON,
//! 422 naming the field) → routing and rendering → the same check and plan as `POST
//! /v1/messages` for every message → one store transaction for all of them → 202 with their
//! ids. A notification that no route takes is answered 202 with `routed: 0` and counted in
//! `/metrics`. A route that cannot render or plan a notification is a 500 naming the route's
//! key path: the sender retries, and nothing of the notification was stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yizhan_store::AcceptOutcome;

use super::Ctx;
use super::error::{body_rejection, refusal, store_error};
use super::messages::prepare;
use crate::gateway::ApiError;
use crate::intake::cards;
use crate::intake::cards::notify::{NoteError, Noted};
use crate::intake::metrics::Outcome;
use crate::intake::payload::{self, PayloadError, Source};

/// The largest accepted notification: 8 MiB (a group of many alerts with long annotations).
pub(crate) const MAX_INTAKE_BODY: usize = 8 * 1024 * 1024;

/// The query of the intake routes.
#[derive(Deserialize)]
pub(crate) struct IntakeQuery {
    /// The API key, for senders that cannot set `Authorization`.
    #[serde(default)]
    token: Option<String>,
}

/// The answer: what was accepted.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntakeAnswer {
    /// How many routes took alerts of the notification; 0 means none did and nothing was sent.
    routed: usize,
    /// The messages accepted, one per channel of each route that took alerts.
    messages: Vec<IntakeMessage>,
}

/// One accepted message.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntakeMessage {
    /// The message id (`GET /v1/messages/{id}`).
    id: String,
    /// The route that made it (`ops/db`).
    route: String,
    /// The channel.
    channel: String,
    /// `accepted` (or `scheduled`); for a group's card after its first notification,
    /// `card_update_queued` (the card will be updated; `id` is the card's message) or
    /// `unchanged` (a repeat inside the route's repeat window: nothing sent).
    status: String,
    /// Who it reaches.
    recipients: Vec<String>,
    /// The sender's alert group (Alertmanager's `groupKey`).
    group_key: String,
    /// How many of the notification's alerts it carries.
    alerts: usize,
}

macro_rules! receiver {
    ($name:ident, $path:literal, $source:expr, $what:literal) => {
        #[doc = $what]
        #[utoipa::path(post, path = $path, tag = "intake", security(("bearer" = [])),
            request_body(content = Object, description = "The sender's JSON body", content_type = "application/json"),
            params(("route" = String, Path, description = "A configured route's name"),
                ("token" = Option<String>, Query,
                    description = "The API key, for senders that cannot set Authorization (weaker: it lands in access logs)")),
            responses(
                (status = 202, description = "Accepted durably (or, with routed 0, taken by no route)", body = IntakeAnswer),
                (status = 400, description = "The body is not JSON", body = ApiError),
                (status = 401, description = "No or unknown API key", body = ApiError),
                (status = 403, description = "The key may not use a channel of the route", body = ApiError),
                (status = 404, description = "No route of that name", body = ApiError),
                (status = 413, description = "Body over 8 MiB", body = ApiError),
                (status = 422, description = "The payload does not have the source's shape (names the field)", body = ApiError),
                (status = 500, description = "The route cannot render or deliver it (names the configuration key); nothing stored", body = ApiError),
            ))]
        pub(crate) async fn $name(
            State(ctx): State<Ctx>,
            Path(route): Path<String>,
            query: Result<Query<IntakeQuery>, QueryRejection>,
            headers: HeaderMap,
            body: Result<Bytes, BytesRejection>,
        ) -> Result<(StatusCode, Json<IntakeAnswer>), ApiError> {
            receive(&ctx, $source, &route, query, &headers, body).await
        }
    };
}

receiver!(
    alertmanager,
    "/v1/intake/alertmanager/{route}",
    Source::Alertmanager,
    "Receive an Alertmanager webhook notification (version 4) and deliver it through the named route."
);
receiver!(
    grafana,
    "/v1/intake/grafana/{route}",
    Source::Grafana,
    "Receive a Grafana alerting webhook notification (version 1) and deliver it through the named route."
);
receiver!(
    webhook,
    "/v1/intake/webhook/{route}",
    Source::Webhook,
    "Receive any JSON body and deliver it through the named route, rendered by its templates."
);

async fn receive(
    ctx: &Ctx,
    source: Source,
    name: &str,
    query: Result<Query<IntakeQuery>, QueryRejection>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IntakeAnswer>), ApiError> {
    let token = query.ok().and_then(|Query(q)| q.token);
    let authorization = match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(value) => Some(value.to_owned()),
        None => token.map(|t| format!("Bearer {t}")),
    };
    let caller = ctx.app.keys.authenticate(authorization.as_deref()).map_err(refusal)?;
    let config = &ctx.app.config;
    let Some(entry) = config.routes.get(name) else {
        let names = config.routes.names();
        let names = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
        return Err(ApiError::not_found(format!("no route named {name:?}; configured: {names}")));
    };
    let count = |outcome| ctx.counters.intake.count(source, name, outcome);
    let body = body.map_err(|r| body_rejection(r, MAX_INTAKE_BODY))?;
    let payload = payload::parse(source, &body).map_err(|e| {
        count(Outcome::Refused);
        match e {
            PayloadError::Syntax(_) => ApiError::malformed_json(e.to_string()),
            PayloadError::Shape { field, message } => ApiError::validation(field, message),
        }
    })?;
    let routed = crate::intake::route_payload(entry, &payload, config).map_err(|e| {
        count(Outcome::Failed);
        route_failure(&e.at, &e.message)
    })?;
    if routed.is_empty() {
        count(Outcome::Unrouted);
        return Ok((StatusCode::ACCEPTED, Json(IntakeAnswer { routed: 0, messages: Vec::new() })));
    }
    // Every message of the notification is checked and planned before any is stored. A group's
    // card (template-card routes on WeCom applications) is sent with the first notification and
    // updated by the card updater after that (crate::intake::cards).
    let now_ms = ctx.app.clock.now_ms();
    let mut to_store = Vec::new();
    let mut answers = Vec::new();
    let mut first_cards = Vec::new();
    for routed in &routed {
        for message in &routed.messages {
            let answer = |id: String, status: &str, recipients: Vec<String>| IntakeMessage {
                id,
                route: routed.route.name.clone(),
                channel: message.request.channel.clone(),
                status: status.to_owned(),
                recipients,
                group_key: routed.group.key.clone(),
                alerts: routed.alerts,
            };
            let mut card = None;
            let mut request = message.request.clone();
            if cards::applies(routed.route, config.channel(&request.channel), &routed.group) {
                match cards::notify::note(&ctx.app.store, routed, message, Some(&caller.name), now_ms).await {
                    Ok(Noted::First { request: first, card: row }) => {
                        request = *first;
                        card = Some(row);
                    }
                    Ok(Noted::Queued { message_id }) => {
                        answers.push(answer(message_id, "card_update_queued", Vec::new()));
                        continue;
                    }
                    Ok(Noted::Unchanged { message_id }) => {
                        answers.push(answer(message_id, "unchanged", Vec::new()));
                        continue;
                    }
                    Err(NoteError::Card(why)) => {
                        count(Outcome::Failed);
                        return Err(route_failure(&message.target_at, &why));
                    }
                    Err(NoteError::Store(e)) => return Err(store_error(e)),
                }
            }
            let (msg, accepted) = prepare(ctx, &caller, request, None).map_err(|e| {
                count(Outcome::Failed);
                if e.status == 422 {
                    let field = e.field.as_deref().map_or_else(String::new, |f| format!("{f}: "));
                    let why =
                        format!("channel {:?} refuses the message: {field}{}", message.request.channel, e.message);
                    route_failure(&message.target_at, &why)
                } else {
                    e
                }
            })?;
            if let Some(mut row) = card {
                row.message_id = msg.id.to_string();
                first_cards.push((to_store.len(), answers.len(), row, routed, message));
            }
            to_store.push(msg);
            answers.push(answer(accepted.id, &accepted.status, accepted.recipients));
        }
    }
    // The card rows first: a row whose message then fails to be stored is found by the card
    // updater, which sends the card (see cards::notify). When another notification of the group
    // inserted its row first (the two instances of an HA Alertmanager pair), its card is the
    // group's: this message is not stored, and the notification updates that card instead.
    let mut dropped = Vec::new();
    for (index, at, row, routed, message) in first_cards {
        if ctx.app.store.insert_alert_card(&row).await.map_err(store_error)? {
            continue;
        }
        dropped.push(index);
        let noted = cards::notify::note(&ctx.app.store, routed, message, Some(&caller.name), now_ms).await;
        let (id, status) = match noted {
            Ok(Noted::Queued { message_id }) => (message_id, "card_update_queued"),
            Ok(Noted::Unchanged { message_id }) => (message_id, "unchanged"),
            Ok(Noted::First { .. }) => return Err(ApiError::internal("the alert card vanished; send again")),
            Err(NoteError::Card(why)) => return Err(route_failure(&message.target_at, &why)),
            Err(NoteError::Store(e)) => return Err(store_error(e)),
        };
        answers[at].id = id;
        answers[at].status = status.to_owned();
        answers[at].recipients.clear();
    }
    let to_store: Vec<_> =
        to_store.into_iter().enumerate().filter(|(i, _)| !dropped.contains(i)).map(|(_, m)| m).collect();
    let outcomes = ctx.app.store.accept_batch(to_store).await.map_err(store_error)?;
    let fresh = outcomes.iter().filter(|o| matches!(o, AcceptOutcome::Accepted(_))).count();
    ctx.app.wake_after_accept();
    ctx.counters.accepted(fresh as u64);
    count(Outcome::Routed);
    Ok((StatusCode::ACCEPTED, Json(IntakeAnswer { routed: routed.len(), messages: answers })))
}

/// A route that cannot deliver a notification: 500 (the sender retries; a configuration fix
/// makes the retry succeed), naming the configuration key. Logged, as nobody may read the answer.
fn route_failure(at: &str, message: &str) -> ApiError {
    tracing::error!(at, message, "an alert route cannot deliver a notification");
    let mut error = ApiError::internal(format!("{at}: {message}"));
    error.field = Some(at.to_owned());
    error
}
