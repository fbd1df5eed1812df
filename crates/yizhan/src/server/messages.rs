//! `/v1/messages`: accept (one or a batch), read, list, cancel and retry.
//!
//! Listing is in `list`. Accepting runs: API key (401) → body size (413) → JSON shape (400) → channel scope (403) →
//! [`plan()`] (422 naming the field) → one store transaction → 202. Nothing is stored unless
//! every check passed. A key only sees messages of its channels: another channel's message
//! answers 404, exactly like a message that does not exist.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use yizhan_core::MessageId;
use yizhan_store::{AcceptOutcome, CancelOutcome, Idempotency, MessageRecord, NewDispatch, NewMessage};

use super::auth::Caller;
use super::error::{body_rejection, caller, refusal, store_error};
use super::views::{Accepted, BatchItem, BatchRequest, BatchResponse, MessageView, StatusView};
use super::{Ctx, MAX_BATCH, MAX_BATCH_BODY, MAX_BODY};
use crate::gateway::{ApiError, MessageRequest, plan};

/// Accept one message.
#[utoipa::path(post, path = "/v1/messages", tag = "messages", security(("bearer" = [])),
    request_body = MessageRequest,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Replays the first response for the same key and body; another body is 422")),
    responses(
        (status = 202, description = "Stored durably; will be sent", body = Accepted),
        (status = 400, description = "Not JSON, or not the request's shape", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "The key may not use the channel", body = ApiError),
        (status = 413, description = "Body over 1 MiB", body = ApiError),
        (status = 422, description = "Validation failed (names the field) or idempotency mismatch", body = ApiError),
    ))]
pub(crate) async fn create(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let body = body.map_err(|r| body_rejection(r, MAX_BODY))?;
    let request: MessageRequest = serde_json::from_slice(&body).map_err(malformed)?;
    let idempotency = headers.get("idempotency-key").map(|v| {
        let key = String::from_utf8_lossy(v.as_bytes()).into_owned();
        Idempotency { key, body_sha256: hex(&Sha256::digest(&body)) }
    });
    let (msg, accepted) = prepare(&ctx, &caller, request, idempotency)?;
    let outcome = ctx.app.store.accept(msg).await.map_err(store_error)?;
    match outcome {
        AcceptOutcome::Accepted(_) => {
            ctx.app.wake.notify_one();
            ctx.counters.accepted(1);
            Ok((StatusCode::ACCEPTED, Json(accepted)))
        }
        AcceptOutcome::Replayed(id) => {
            let first = ctx.app.store.message(id).await.map_err(store_error)?;
            let first = first.ok_or_else(|| ApiError::internal("the replayed message vanished"))?;
            Ok((StatusCode::ACCEPTED, Json(first_response(&first))))
        }
        AcceptOutcome::IdempotencyMismatch(_) => Err(ApiError::idempotency_mismatch(
            "this Idempotency-Key was used before with a different body; use a new key",
        )),
    }
}

/// The request shape of a batch, items kept raw so each can fail on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    messages: Vec<serde_json::Value>,
}

/// Accept up to 1000 messages in one store transaction; results per item, in order.
/// `Idempotency-Key` is not supported on batches yet.
#[utoipa::path(post, path = "/v1/messages:batch", tag = "messages", security(("bearer" = [])),
    request_body = BatchRequest,
    responses(
        (status = 202, description = "Per-item results; accepted items are stored durably", body = BatchResponse),
        (status = 400, description = "Not JSON, or not `{messages: [...]}`", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 413, description = "Body over 16 MiB", body = ApiError),
        (status = 422, description = "Empty or over 1000 messages", body = ApiError),
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
    let mut results: Vec<Result<Accepted, ApiError>> = Vec::with_capacity(batch.messages.len());
    let mut to_store = Vec::new();
    for item in batch.messages {
        let prepared = serde_json::from_value::<MessageRequest>(item)
            .map_err(malformed)
            .and_then(|request| prepare(&ctx, &caller, request, None));
        match prepared {
            Ok((msg, accepted)) => {
                to_store.push(msg);
                results.push(Ok(accepted));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let stored = to_store.len();
    if stored > 0 {
        ctx.app.store.accept_batch(to_store).await.map_err(store_error)?;
        ctx.app.wake.notify_one();
        ctx.counters.accepted(stored as u64);
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

/// Checks scope and plans one request; the message to store and the 202 body to answer.
fn prepare(
    ctx: &Ctx,
    caller: &Caller,
    request: MessageRequest,
    idempotency: Option<Idempotency>,
) -> Result<(NewMessage, Accepted), ApiError> {
    caller.may_use(&request.channel).map_err(|r| refusal(r, Some(&request.channel)))?;
    let channel =
        ctx.app.config.channel(&request.channel).ok_or_else(|| {
            ApiError::validation("channel", format_args!("no channel is named {:?}", request.channel))
        })?;
    let now = ctx.app.clock.now_ms();
    let plan = plan(&request, channel, now)?;
    let id = MessageId::new();
    let accepted = Accepted {
        id: id.to_string(),
        status: initial_status(plan.send_at_ms, now).to_owned(),
        recipients: plan.dispatches.iter().flat_map(|d| d.recipients.iter().cloned()).collect(),
    };
    let msg = NewMessage {
        id,
        channel: request.channel.clone(),
        api_key: Some(caller.name.clone()),
        request: serde_json::to_value(&request).map_err(|e| ApiError::internal(e.to_string()))?,
        idempotency,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: plan.expires_at_ms,
        created_at_ms: now,
        dispatches: plan
            .dispatches
            .into_iter()
            .map(|d| NewDispatch {
                body: d.body,
                endpoint: d.endpoint.to_owned(),
                dedupe_id: d.dedupe_id,
                recipients: d.recipients,
            })
            .collect(),
    };
    Ok((msg, accepted))
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
        recipients: m.dispatches.iter().flat_map(|d| d.recipients.iter().cloned()).collect(),
    }
}

fn malformed(e: serde_json::Error) -> ApiError {
    ApiError::malformed_json(format!("the body is not a valid request: {e}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads a message the caller may see; 404 otherwise (also for other channels' messages).
pub(crate) async fn visible(ctx: &Ctx, headers: &HeaderMap, id: &str) -> Result<MessageRecord, ApiError> {
    let caller = caller(&ctx.app, headers)?;
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

/// Cancel a message that was not sent yet, or recall a delivered WeCom application message
/// (within WeCom's 24 h). Anything else already sent answers 409 saying why (Getui revoke is not
/// available through this endpoint yet).
#[utoipa::path(delete, path = "/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    responses(
        (status = 200, description = "Cancelled (also when it already was), or recalled", body = StatusView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message", body = ApiError),
        (status = 409, description = "Already sent and not recallable, or being sent", body = ApiError),
    ))]
pub(crate) async fn cancel(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<StatusView>, ApiError> {
    let record = visible(&ctx, &headers, &id).await?;
    match ctx.app.store.cancel(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)? {
        CancelOutcome::Cancelled => Ok(Json(StatusView { id: record.id.to_string(), status: "cancelled".to_owned() })),
        CancelOutcome::AlreadySent(status) => recall(&ctx, &record, &status.to_string()).await,
    }
}

/// Recalls a sent WeCom application message (every dispatch with a msgid, within WeCom's 24 h);
/// anything else that was already sent is a 409 saying why.
async fn recall(ctx: &Ctx, record: &yizhan_store::MessageRecord, status: &str) -> Result<Json<StatusView>, ApiError> {
    let refuse = |why: String| ApiError::conflict(format!("message {} is {status}: {why}", record.id));
    let Some(crate::config::ChannelConfig::WecomApp(app)) = ctx.app.config.channel(&record.channel) else {
        return Err(refuse("it was already sent; only WeCom application messages can be recalled".to_owned()));
    };
    let msgids: Vec<&str> = record.dispatches.iter().filter_map(|d| d.handles.msgid.as_deref()).collect();
    if msgids.is_empty() || !matches!(status, "delivered" | "partially_delivered") {
        return Err(refuse("it is being sent or has no WeCom msgid yet; try again when it is delivered".to_owned()));
    }
    let client = crate::channels::wecom_client(app).map_err(|e| ApiError::internal(e.to_string()))?;
    for msgid in msgids {
        client.recall(msgid).await.map_err(|e| refuse(format!("WeCom refused the recall: {e}")))?;
    }
    ctx.app.store.mark_recalled(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)?;
    Ok(Json(StatusView { id: record.id.to_string(), status: "recalled".to_owned() }))
}

/// Replay a dead (or partially delivered) message with the same provider bodies.
#[utoipa::path(post, path = "/v1/messages/{id}/retry", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    responses(
        (status = 200, description = "Its dead dispatches are pending again", body = StatusView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message", body = ApiError),
        (status = 409, description = "Nothing dead to retry", body = ApiError),
    ))]
pub(crate) async fn retry(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<StatusView>, ApiError> {
    let record = visible(&ctx, &headers, &id).await?;
    if !ctx.app.store.retry(record.id, ctx.app.clock.now_ms()).await.map_err(store_error)? {
        return Err(ApiError::conflict(format!(
            "message {} is {}; only dead or partially delivered messages can be retried",
            record.id, record.status
        )));
    }
    ctx.app.wake.notify_one();
    let now = ctx.app.store.message(record.id).await.map_err(store_error)?;
    let status = now.map_or_else(|| "accepted".to_owned(), |m| m.status.as_str().to_owned());
    Ok(Json(StatusView { id: record.id.to_string(), status }))
}
