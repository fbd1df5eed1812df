//! `POST/GET/DELETE /v1/webhooks`, `GET /v1/webhooks/{id}/deliveries` and
//! `POST /v1/webhooks/{id}/deliveries/{delivery}/replay` (docs/events.md, "Webhooks").
//!
//! Scoped like the API keys: a key creates subscriptions only on channels it may use (by
//! default all of them) and sees, deletes and replays only subscriptions all of whose channels
//! it may use; an `admin` key manages every subscription, including those of the configuration
//! and those on every channel, and alone may set `allow_private_urls`. The secret is shown once,
//! in the answer of the creation. Without `allow_private_urls` a URL whose host is (or resolves
//! to) a private or loopback address is refused with 422.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_store::{DeliveryRecord, WebhookRecord, WebhookSource};

use super::Ctx;
use super::auth::Caller;
use super::error::{caller, forbidden_channel, store_error};
use crate::events::payload::timestamp;
use crate::events::signature::SigningKey;
use crate::events::subscription::{check_types, check_url, private_refusal, refused_address};
use crate::gateway::ApiError;

/// Deliveries per page of `GET /v1/webhooks/{id}/deliveries` (default and most).
const DELIVERY_PAGE: i64 = 100;

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookRequest {
    /// A label.
    #[serde(default)]
    name: String,
    /// Where deliveries are POSTed (http or https).
    url: String,
    /// Event types: a type (`message.delivered`), a prefix (`message.*`) or `*`; default `["*"]`.
    #[serde(default)]
    events: Option<Vec<String>>,
    /// Only these channels; default every channel the key may use.
    #[serde(default)]
    channels: Option<Vec<String>>,
    /// The signing secret (`whsec_` + Base64 of 24 to 64 bytes); default a fresh random one.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    secret: Option<SecretString>,
    /// Let the URL reach private or loopback addresses (admin keys only). Default false.
    #[serde(default)]
    allow_private_urls: bool,
}

/// A subscription (its secret is shown only once, when it is created).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookView {
    /// Its id.
    id: String,
    /// Its label.
    name: String,
    /// Where deliveries go.
    url: String,
    /// Event type patterns.
    events: Vec<String>,
    /// Its channels (empty: every channel).
    channels: Vec<String>,
    /// Whether the URL may reach private addresses.
    allow_private_urls: bool,
    /// `api`, `config` or `forward_url`.
    source: String,
    /// When it was created (RFC 3339).
    created_at: String,
    /// The signing secret: only in the answer of `POST /v1/webhooks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl WebhookView {
    fn of(hook: WebhookRecord, with_secret: bool) -> WebhookView {
        WebhookView {
            secret: with_secret.then_some(hook.secret),
            id: hook.id,
            name: hook.name,
            url: hook.url,
            events: hook.event_types,
            channels: hook.channels,
            allow_private_urls: hook.allow_private_urls,
            source: hook.source.as_str().to_owned(),
            created_at: timestamp(hook.created_at_ms),
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookAttemptView {
    /// When it started (RFC 3339).
    at: String,
    /// The receiver's HTTP status, if it answered.
    status_code: Option<u16>,
    /// What went wrong, if anything.
    error: Option<String>,
    /// How long it took, in milliseconds.
    duration_ms: i64,
}

/// One event's delivery to a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookDeliveryView {
    /// The delivery's id (for replay).
    id: i64,
    /// The event's id (the `webhook-id` header).
    event_id: String,
    /// The event's type.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// The message the event is about.
    message_id: Option<String>,
    /// `pending`, `in_flight`, `delivered` or `failed`.
    status: String,
    /// When the next attempt is due (pending deliveries).
    next_attempt_at: Option<String>,
    /// When it was queued or last replayed.
    created_at: String,
    /// Every attempt, oldest first.
    attempts: Vec<WebhookAttemptView>,
}

impl From<DeliveryRecord> for WebhookDeliveryView {
    fn from(d: DeliveryRecord) -> Self {
        WebhookDeliveryView {
            id: d.id,
            event_id: format!("evt_{}", d.event_pos),
            kind: d.kind,
            message_id: d.message_id,
            next_attempt_at: (d.status == "pending").then(|| timestamp(d.next_attempt_at_ms)),
            status: d.status,
            created_at: timestamp(d.created_at_ms),
            attempts: d
                .attempts
                .into_iter()
                .map(|a| WebhookAttemptView {
                    at: timestamp(a.at_ms),
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

/// Paging of `GET /v1/webhooks/{id}/deliveries`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeliveriesQuery {
    /// Only deliveries with a smaller id (the last id of the previous page).
    before: Option<i64>,
    /// At most this many (1 to 100, default 100).
    limit: Option<i64>,
}

/// Whether `caller` may see and manage `hook`.
fn visible(caller: &Caller, hook: &WebhookRecord) -> bool {
    caller.admin || (!hook.channels.is_empty() && hook.channels.iter().all(|c| caller.may_use(c).is_ok()))
}

/// The subscription `id` if `caller` may manage it: 404 if there is none, 403 if it is on
/// channels the key may not use.
async fn managed(ctx: &Ctx, caller: &Caller, id: &str) -> Result<WebhookRecord, ApiError> {
    let hook = ctx.app.store.webhook(id).await.map_err(store_error)?;
    let hook = hook.ok_or_else(|| ApiError::not_found(format!("no webhook {id:?}")))?;
    if visible(caller, &hook) {
        Ok(hook)
    } else {
        let mine = if caller.channels.is_empty() { "none".to_owned() } else { caller.channels.join(", ") };
        Err(ApiError::forbidden(format!("webhook {id:?} is on channels this API key may not use; it may use: {mine}")))
    }
}

/// Create a webhook subscription.
#[utoipa::path(post, path = "/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Created; the answer holds the secret, shown only now", body = WebhookView),
        (status = 400, description = "Not JSON", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "A channel the key may not use, or allow_private_urls without admin", body = ApiError),
        (status = 422, description = "A bad field (names it): URL, private address, event type, channel, secret", body = ApiError),
    ))]
pub(crate) async fn create(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let request: WebhookRequest = serde_json::from_slice(&body).map_err(|e| ApiError::malformed_json(e.to_string()))?;
    let url = check_url(&request.url).map_err(|e| ApiError::validation("url", format!("{:?} {e}", request.url)))?;
    let events = request.events.unwrap_or_else(|| vec!["*".to_owned()]);
    check_types(&events).map_err(|e| ApiError::validation("events", e))?;
    let channels = match request.channels {
        Some(list) if list.is_empty() && !caller.admin => {
            return Err(ApiError::validation(
                "channels",
                "list at least one channel (only admin keys subscribe to every channel)",
            ));
        }
        Some(list) => list,
        None if caller.admin => Vec::new(),
        None => caller.channels.clone(),
    };
    for (i, channel) in channels.iter().enumerate() {
        if ctx.app.config.channel(channel).is_none() {
            return Err(ApiError::validation(format!("channels[{i}]"), format!("unknown channel {channel:?}")));
        }
        if !caller.admin {
            caller.may_use(channel).map_err(|_| forbidden_channel(&caller, channel))?;
        }
    }
    if request.allow_private_urls && !caller.admin {
        return Err(ApiError::forbidden("only an admin API key may set allow_private_urls"));
    }
    if !request.allow_private_urls
        && let Some(ip) = refused_address(&url).await
    {
        return Err(ApiError::validation("url", private_refusal(ip)));
    }
    let secret = match request.secret {
        Some(secret) => {
            let secret = secret.expose_secret().to_owned();
            SigningKey::parse(&secret).map_err(|e| ApiError::validation("secret", e))?;
            secret
        }
        None => SigningKey::generate().map_err(ApiError::internal)?,
    };
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).map_err(|e| ApiError::internal(format!("no randomness for an id: {e}")))?;
    let hook = WebhookRecord {
        id: format!("wh_{}", hex::encode(id)),
        name: request.name,
        url: request.url,
        event_types: events,
        channels,
        secret,
        allow_private_urls: request.allow_private_urls,
        source: WebhookSource::Api,
        api_key: Some(caller.name.clone()),
        after_pos: 0,
        created_at_ms: ctx.app.clock.now_ms(),
    };
    let stored = ctx.app.store.create_webhook(&hook).await.map_err(store_error)?;
    tracing::info!(webhook = %stored.id, key = %caller.name, "webhook subscription created");
    Ok((StatusCode::CREATED, Json(WebhookView::of(stored, true))))
}

/// The key's webhook subscriptions (every one for an admin key).
#[utoipa::path(get, path = "/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "Subscriptions, oldest first, without secrets", body = Vec<WebhookView>),
        (status = 401, description = "No or unknown API key", body = ApiError),
    ))]
pub(crate) async fn list(State(ctx): State<Ctx>, headers: HeaderMap) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let hooks = ctx.app.store.webhooks().await.map_err(store_error)?;
    Ok(Json(hooks.into_iter().filter(|h| visible(&caller, h)).map(|h| WebhookView::of(h, false)).collect()))
}

/// One webhook subscription.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses(
        (status = 200, description = "The subscription, without its secret", body = WebhookView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "On channels the key may not use", body = ApiError),
        (status = 404, description = "No such subscription", body = ApiError),
    ))]
pub(crate) async fn get(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<WebhookView>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    Ok(Json(WebhookView::of(managed(&ctx, &caller, &id).await?, false)))
}

/// Delete a webhook subscription created through the API, with its queue.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription id")),
    responses(
        (status = 204, description = "Deleted, with its pending deliveries"),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "On channels the key may not use", body = ApiError),
        (status = 404, description = "No such subscription", body = ApiError),
        (status = 409, description = "It comes from the configuration; remove it there", body = ApiError),
    ))]
pub(crate) async fn delete(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let hook = managed(&ctx, &caller, &id).await?;
    if hook.source != WebhookSource::Api {
        return Err(ApiError::conflict(format!(
            "webhook {id:?} comes from the configuration ({}); remove it there",
            hook.source.as_str()
        )));
    }
    ctx.app.store.delete_webhook(&id).await.map_err(store_error)?;
    tracing::info!(webhook = %id, key = %caller.name, "webhook subscription deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's deliveries with their attempts, newest first.
#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription id"), DeliveriesQuery),
    responses(
        (status = 200, description = "Deliveries, newest first", body = Vec<WebhookDeliveryView>),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "On channels the key may not use", body = ApiError),
        (status = 404, description = "No such subscription", body = ApiError),
        (status = 422, description = "A limit outside 1 to 100", body = ApiError),
    ))]
pub(crate) async fn deliveries(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<DeliveriesQuery>,
) -> Result<Json<Vec<WebhookDeliveryView>>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let hook = managed(&ctx, &caller, &id).await?;
    let limit = q.limit.unwrap_or(DELIVERY_PAGE);
    if !(1..=DELIVERY_PAGE).contains(&limit) {
        return Err(ApiError::validation("limit", format!("is {limit}; it must be 1 to {DELIVERY_PAGE}")));
    }
    let list = ctx.app.store.webhook_deliveries(&hook.id, q.before, limit).await.map_err(store_error)?;
    Ok(Json(list.into_iter().map(WebhookDeliveryView::from).collect()))
}

/// Send a delivered or failed delivery again (same event id, fresh 24 h of retries).
#[utoipa::path(post, path = "/v1/webhooks/{id}/deliveries/{delivery}/replay", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription id"),
        ("delivery" = i64, Path, description = "The delivery id")),
    responses(
        (status = 202, description = "Queued again, due now", body = Object),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "On channels the key may not use", body = ApiError),
        (status = 404, description = "No such subscription or delivery", body = ApiError),
        (status = 409, description = "The delivery is still waiting or in flight", body = ApiError),
    ))]
pub(crate) async fn replay(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path((id, delivery)): Path<(String, i64)>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let hook = managed(&ctx, &caller, &id).await?;
    match ctx.app.store.replay_webhook_delivery(&hook.id, delivery, ctx.app.clock.now_ms()).await {
        Ok(()) => Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"id": delivery, "status": "pending"})))),
        Err(yizhan_store::StoreError::NotFound) => {
            Err(ApiError::not_found(format!("no delivery {delivery} of webhook {id:?}")))
        }
        Err(e) => Err(store_error(e)),
    }
}
