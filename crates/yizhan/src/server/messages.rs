//! `/v1/messages`: accept (one or a batch), read, list, cancel and retry.
//!
//! Listing is in `list`. Accepting runs: API key (401) → body size (413) → JSON shape (400) → channel scope (403) →
//! [`plan()`] (422 naming the field) → one store transaction → 202; with `?dry_run=true` the
//! plan is answered (200, `dry_run`) instead of being stored. Nothing is stored unless
//! every check passed. A key only sees messages of its channels: another channel's message
//! answers 404, exactly like a message that does not exist.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use yizhan_core::MessageId;
use yizhan_store::{AcceptOutcome, CancelOutcome, Idempotency, MessageRecord, NewMessage};

use super::auth::Caller;
use super::dry_run::DryRun;
use super::error::{body_rejection, caller, forbidden_channel, store_error};
use super::views::{Accepted, BatchItem, BatchRequest, BatchResponse, MessageView, StatusView};
use super::{Ctx, MAX_BATCH, MAX_BATCH_BODY, MAX_BODY};
use crate::gateway::{ApiError, MessageRequest, plan};

/// The query of `POST /v1/messages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateQuery {
    /// Plan only: validate, answer the provider bodies, store and send nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Accept one message (or, with `dry_run=true`, only plan it).
#[utoipa::path(post, path = "/v1/messages", tag = "messages", security(("bearer" = [])),
    request_body = MessageRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Replays the first response for the same key and body; another body is 422"),
        ("dry_run" = Option<bool>, Query,
        description = "Validate and plan exactly as an accept would and answer 200 with the provider bodies; nothing is stored or sent")),
    responses(
        (status = 202, description = "Stored durably; will be sent", body = Accepted),
        (status = 200, description = "dry_run=true: the plan; nothing stored or sent", body = DryRun),
        (status = 400, description = "Not JSON, or not the request's shape", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "The key may not use the channel", body = ApiError),
        (status = 413, description = "Body over 1 MiB", body = ApiError),
        (status = 422, description = "Validation failed (names the field) or idempotency mismatch", body = ApiError),
    ))]
pub(crate) async fn create(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    query: Result<Query<CreateQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let Query(query) = query.map_err(|e| ApiError::malformed_json(format!("bad query: {}", e.body_text())))?;
    let body = body.map_err(|r| body_rejection(r, MAX_BODY))?;
    let request = parse_body(&body)?;
    let idempotency = headers.get("idempotency-key").map(|v| {
        let key = String::from_utf8_lossy(v.as_bytes()).into_owned();
        Idempotency { key, body_sha256: hex::encode(Sha256::digest(&body)) }
    });
    match accept_as(&ctx, &caller, request, idempotency, query.dry_run).await? {
        Submitted::Planned(plan) => Ok(Json(plan).into_response()),
        Submitted::Accepted(accepted) => Ok((StatusCode::ACCEPTED, Json(accepted)).into_response()),
    }
}

/// What [`accept_as`] did.
pub(crate) enum Submitted {
    /// A dry run: the plan; nothing stored.
    Planned(DryRun),
    /// Stored (or replayed for a repeated idempotency key).
    Accepted(Accepted),
}

/// Plans `request` for `caller` and stores it (or, with `dry_run`, answers the plan only): the
/// whole of `POST /v1/messages` after the body was read; the console's send page too.
pub(crate) async fn accept_as(
    ctx: &Ctx,
    caller: &Caller,
    request: MessageRequest,
    idempotency: Option<Idempotency>,
    dry_run: bool,
) -> Result<Submitted, ApiError> {
    let (msg, accepted) = prepare(ctx, caller, request, idempotency)?;
    if dry_run {
        return Ok(Submitted::Planned(super::dry_run::view(&msg, accepted)));
    }
    let outcome = ctx.app.store.accept(msg).await.map_err(store_error)?;
    match outcome {
        AcceptOutcome::Accepted(_) => {
            ctx.app.wake_after_accept();
            ctx.counters.accepted(1);
            Ok(Submitted::Accepted(accepted))
        }
        AcceptOutcome::Replayed(id) => {
            let first = ctx.app.store.message(id).await.map_err(store_error)?;
            let first = first.ok_or_else(|| ApiError::internal("the replayed message vanished"))?;
            Ok(Submitted::Accepted(first_response(&first)))
        }
        AcceptOutcome::IdempotencyMismatch(_) => Err(mismatch()),
    }
}

/// The request shape of a batch, items kept raw so each can fail on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    messages: Vec<serde_json::Value>,
}

/// Accept up to 1000 messages in one store transaction; results per item, in order.
///
/// With an `Idempotency-Key` (scoped to the API key, separate from single-message keys) the same
/// key and body replay the first results; another body is 422 `idempotency_mismatch`.
//
// Item `i` is stored under the derived key `<key>\u{1f}<i>` (no header value can hold U+001F)
// with the SHA-256 of the whole batch body. A replay answers stored items from the store and
// refuses refused items again (planning is deterministic).
#[utoipa::path(post, path = "/v1/messages:batch", tag = "messages", security(("bearer" = [])),
    request_body = BatchRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Replays the first results for the same key and body; another body is 422")),
    responses(
        (status = 202, description = "Per-item results; accepted items are stored durably", body = BatchResponse),
        (status = 400, description = "Not JSON, or not `{messages: [...]}`", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 413, description = "Body over 16 MiB", body = ApiError),
        (status = 422, description = "Empty or over 1000 messages, or idempotency mismatch", body = ApiError),
    ))]
pub(crate) async fn create_batch(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<BatchResponse>), ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let body = body.map_err(|r| body_rejection(r, MAX_BATCH_BODY))?;
    let batch: RawBatch = serde_json::from_slice(&body).map_err(malformed)?;
    if batch.messages.is_empty() || batch.messages.len() > MAX_BATCH {
        let n = batch.messages.len();
        return Err(ApiError::validation("messages", format_args!("has {n} messages; 1 to {MAX_BATCH} are allowed")));
    }
    let key = headers.get("idempotency-key").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body_sha256 = hex::encode(Sha256::digest(&body));
    if let Some(key) = &key {
        let prefix = batch_key(key, None);
        let stored = ctx.app.store.idempotency_hash(Some(&caller.name), &prefix).await.map_err(store_error)?;
        if stored.is_some_and(|h| h != body_sha256) {
            return Err(mismatch());
        }
    }
    let mut results: Vec<Result<Accepted, ApiError>> = Vec::with_capacity(batch.messages.len());
    let mut to_store = Vec::new();
    let mut stored_at = Vec::new();
    for (i, item) in batch.messages.into_iter().enumerate() {
        let idempotency =
            key.as_ref().map(|k| Idempotency { key: batch_key(k, Some(i)), body_sha256: body_sha256.clone() });
        let prepared = parse_request(item).and_then(|request| prepare(&ctx, &caller, request, idempotency));
        match prepared {
            Ok((msg, accepted)) => {
                to_store.push(msg);
                stored_at.push(results.len());
                results.push(Ok(accepted));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    if !to_store.is_empty() {
        let outcomes = ctx.app.store.accept_batch(to_store).await.map_err(store_error)?;
        let mut fresh = 0;
        for (outcome, at) in outcomes.into_iter().zip(stored_at) {
            match outcome {
                AcceptOutcome::Accepted(_) => fresh += 1,
                AcceptOutcome::Replayed(id) => {
                    let first = ctx.app.store.message(id).await.map_err(store_error)?;
                    let first = first.ok_or_else(|| ApiError::internal("the replayed message vanished"))?;
                    results[at] = Ok(first_response(&first));
                }
                // Only when another request with this key and another body raced this one.
                AcceptOutcome::IdempotencyMismatch(_) => return Err(mismatch()),
            }
        }
        if fresh > 0 {
            ctx.app.wake_after_accept();
            ctx.counters.accepted(fresh);
        }
    }
    let results = results
        .into_iter()
        .map(|r| match r {
            Ok(a) => BatchItem { accepted: Some(a), error: None },
            Err(e) => BatchItem { accepted: None, error: Some(e) },
        })
        .collect();
    Ok((StatusCode::ACCEPTED, Json(BatchResponse { results })))
}

/// The idempotency key of item `index` of a keyed batch, or (`None`) the prefix they share.
fn batch_key(key: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{key}\u{1f}{i}"),
        None => format!("{key}\u{1f}"),
    }
}

fn mismatch() -> ApiError {
    ApiError::idempotency_mismatch("this Idempotency-Key was used before with a different body; use a new key")
}

/// Checks scope and plans one request; the message to store and the 202 body to answer.
pub(super) fn prepare(
    ctx: &Ctx,
    caller: &Caller,
    request: MessageRequest,
    idempotency: Option<Idempotency>,
) -> Result<(NewMessage, Accepted), ApiError> {
    let channel = channel_for(&ctx.app.config, caller, &request.channel)?;
    let now = ctx.app.clock.now_ms();
    let resolved = crate::people::resolve(&ctx.app.config.people, &request, channel)?;
    let mut plan = plan(&resolved, channel, now)?;
    let id = MessageId::new();
    if !plan.exact && request.options.send_at.is_some() {
        let window_ms = i64::try_from(ctx.app.config.shaping.peak_spread_secs.saturating_mul(1000)).unwrap_or(0);
        plan.send_at_ms = crate::gateway::peak::spread(plan.send_at_ms, window_ms, id.to_string().as_bytes());
    }
    let accepted = Accepted {
        id: id.to_string(),
        status: initial_status(plan.send_at_ms, now).to_owned(),
        recipients: unique(plan.dispatches.iter().flat_map(|d| d.recipients.iter().cloned())),
    };
    let shaping = &ctx.app.config.shaping;
    let coalescing = shaping.coalesce_window_ms > 0 && channel.channel_kind().coalesces(shaping);
    let msg = NewMessage {
        id,
        channel: request.channel.clone(),
        api_key: Some(caller.name.clone()),
        request: serde_json::to_value(&request).map_err(|e| ApiError::internal(e.to_string()))?,
        idempotency,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: plan.expires_at_ms,
        created_at_ms: now,
        dispatches: plan.new_dispatches(coalescing.then_some(request.channel.as_str())),
    };
    Ok((msg, accepted))
}

/// The configured channel `name` if `caller` may use it. An unknown name is a 422 naming the
/// channels for a key that may use every configured channel; for a key limited to some, any
/// other name is a 403 that names only its own channels (it learns nothing about the rest).
fn channel_for<'a>(
    config: &'a crate::config::Config,
    caller: &Caller,
    name: &str,
) -> Result<&'a crate::config::ChannelConfig, ApiError> {
    let names = || config.channels.iter().map(|c| c.name());
    let everything = names().all(|c| caller.may_use(c).is_ok());
    match config.channel(name) {
        Some(channel) if caller.may_use(name).is_ok() => Ok(channel),
        None if caller.may_use(name).is_ok() => {
            // Configured, but a `${VAR}` it needs is not set (the reason names the variable only).
            let why = config.unusable(name).map_or("it is not configured", |_| "its configuration is incomplete");
            Err(ApiError::validation("channel", format_args!("channel {name:?} cannot be used: {why}")))
        }
        None if everything => Err(ApiError::validation(
            "channel",
            format_args!("no channel named {name:?}; configured: {}", names().collect::<Vec<_>>().join(", ")),
        )),
        _ => Err(forbidden_channel(caller, name)),
    }
}

/// The recipients of every dispatch, each once (split parts name the same ones), in order.
fn unique(recipients: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    recipients.filter(|r| seen.insert(r.clone())).collect()
}

/// `accepted` when due now, `scheduled` when `send_at` is in the future.
fn initial_status(send_at_ms: i64, now_ms: i64) -> &'static str {
    if send_at_ms > now_ms { "scheduled" } else { "accepted" }
}

/// The 202 a stored message was first answered with.
fn first_response(m: &MessageRecord) -> Accepted {
    Accepted {
        id: m.id.to_string(),
        status: initial_status(m.send_at_ms, m.created_at_ms).to_owned(),
        recipients: unique(m.dispatches.iter().flat_map(|d| d.recipients.iter().cloned())),
    }
}

fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::malformed_json(format!("the body is not a valid request: {e}"))
}

/// A request from a whole body: [`parse_request`], and nothing after the JSON value.
fn parse_body(body: &[u8]) -> Result<MessageRequest, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let request = parse_request(&mut de)?;
    de.end().map_err(malformed)?;
    Ok(request)
}

/// Objects whose fields are the provider's own (passed through to it), not the gateway's: the
/// OpenAPI document declares them as plain objects, so what breaks the provider's rules inside
/// them is a validation failure (422 naming the field), like every other rule the document
/// cannot express.
const PROVIDER_OBJECTS: [&str; 4] =
    ["content.wecom", "content.getui.notification", "content.getui.push_channel", "content.getui.settings"];

/// A request, or its refusal naming the path of the field that broke it: 400 `malformed_json`
/// for the gateway's own shape (an unknown field, a wrong type, nesting deeper than the
/// parser's limit of 128), 422 `validation_failed` inside a provider's object (any rule of it,
/// its field names included).
fn parse_request<'de, D>(de: D) -> Result<MessageRequest, ApiError>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            return malformed(e.into_inner());
        }
        if PROVIDER_OBJECTS.iter().any(|p| path.starts_with(p)) {
            return ApiError::validation(path, e.inner());
        }
        let mut error = ApiError::malformed_json(format!("the body is not a valid request: {path}: {}", e.inner()));
        error.field = Some(path);
        error
    })
}

/// Loads a message the caller may see; 404 otherwise (also for other channels' messages).
pub(crate) async fn visible(ctx: &Ctx, headers: &HeaderMap, id: &str) -> Result<MessageRecord, ApiError> {
    let caller = caller(&ctx.app, headers)?;
    visible_to(ctx, &caller, id).await
}

/// Loads a message `caller` may see; 404 otherwise (also for other channels' messages).
pub(crate) async fn visible_to(ctx: &Ctx, caller: &Caller, id: &str) -> Result<MessageRecord, ApiError> {
    let missing = || ApiError::not_found(format!("no message {id:?}"));
    let id = MessageId::parse(id).ok_or_else(missing)?;
    let record = ctx.app.store.message(id).await.map_err(store_error)?.ok_or_else(missing)?;
    caller.may_use(&record.channel).map_err(|_| missing())?;
    Ok(record)
}

/// One message: status, attempts, per-recipient outcomes, provider handles, last error.
#[utoipa::path(get, path = "/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    responses(
        (status = 200, description = "The message", body = MessageView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message, or one of a channel the key may not use", body = ApiError),
    ))]
pub(crate) async fn get(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<MessageView>, ApiError> {
    let record = visible(&ctx, &headers, &id).await?;
    Ok(Json(MessageView::from(&record)))
}

/// Cancel a message that was not sent yet, recall a delivered WeCom application message (within
/// WeCom's 24 h), or revoke a delivered Getui message (single pushes: a revoke push; list and
/// app pushes: the task is stopped; `done` lists the provider calls). Anything else already sent
/// answers 409 saying why.
#[utoipa::path(delete, path = "/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    responses(
        (status = 200, description = "Cancelled (also when it already was), recalled or revoked", body = StatusView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message", body = ApiError),
        (status = 409, description = "Already sent and not recallable, or being sent", body = ApiError),
    ))]
pub(crate) async fn cancel(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<StatusView>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    Ok(Json(cancel_as(&ctx, &caller, &id).await?))
}

/// Cancels, recalls or revokes message `id` for `caller` (`DELETE /v1/messages/{id}`).
pub(crate) async fn cancel_as(ctx: &Ctx, caller: &Caller, id: &str) -> Result<StatusView, ApiError> {
    let record = visible_to(ctx, caller, id).await?;
    match ctx.app.store.cancel(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)? {
        CancelOutcome::Cancelled => {
            Ok(StatusView { id: record.id.to_string(), status: "cancelled".to_owned(), done: Vec::new() })
        }
        CancelOutcome::AlreadySent(status) => recall(ctx, &record, &status.to_string()).await,
    }
}

/// Recalls (WeCom application) or revokes (Getui) a sent message through its provider;
/// anything else that was already sent is a 409 saying why.
async fn recall(ctx: &Ctx, record: &yizhan_store::MessageRecord, status: &str) -> Result<StatusView, ApiError> {
    let refuse = |why: String| ApiError::conflict(format!("message {} is {status}: {why}", record.id));
    let channel = ctx.app.config.channel(&record.channel);
    let done = crate::providers::recall(channel, &ctx.app.channels, record, status, &refuse).await?;
    ctx.app.store.mark_recalled(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)?;
    Ok(StatusView { id: record.id.to_string(), status: "recalled".to_owned(), done })
}

/// Why `record` has nothing to replay: only provider calls that ended dead are replayed.
fn nothing_to_retry(record: &MessageRecord) -> String {
    let (id, status) = (record.id, record.status);
    let refused: Vec<String> = record
        .dispatches
        .iter()
        .flat_map(|d| &d.outcomes)
        .filter(|o| !yizhan_store::SUCCESS_OUTCOMES.contains(&o.outcome.as_str()))
        .map(|o| format!("{} ({})", o.recipient, o.outcome))
        .collect();
    if status.is_final() && !refused.is_empty() {
        return format!(
            "message {id} is {status}: no provider call failed, the provider refused {}; a retry would \
             send the same request and be refused again",
            refused.join(", ")
        );
    }
    format!("message {id} is {status}; only a message with a provider call that ended dead can be retried")
}

/// Replay the provider calls of a message that ended dead (a dead message, or a partially
/// delivered one with a dead call) with the same provider bodies.
#[utoipa::path(post, path = "/v1/messages/{id}/retry", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    responses(
        (status = 200, description = "Its dead dispatches are pending again", body = StatusView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message", body = ApiError),
        (status = 409, description = "No provider call of the message ended dead (the answer says why)", body = ApiError),
    ))]
pub(crate) async fn retry(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<StatusView>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    Ok(Json(retry_as(&ctx, &caller, &id).await?))
}

/// Replays the dead provider calls of message `id` for `caller` (`POST /v1/messages/{id}/retry`).
pub(crate) async fn retry_as(ctx: &Ctx, caller: &Caller, id: &str) -> Result<StatusView, ApiError> {
    let record = visible_to(ctx, caller, id).await?;
    if !ctx.app.store.retry(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)? {
        return Err(ApiError::conflict(nothing_to_retry(&record)));
    }
    ctx.app.wake.notify_one();
    let now = ctx.app.store.message(record.id).await.map_err(store_error)?;
    let status = now.map_or_else(|| "accepted".to_owned(), |m| m.status.as_str().to_owned());
    Ok(StatusView { id: record.id.to_string(), status, done: Vec::new() })
}
