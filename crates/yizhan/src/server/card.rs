//! `POST /v1/messages/{id}/card`: update a sent WeCom template card with the `response_code`
//! the gateway stored when the card was delivered (single use, 72 h at WeCom).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::ToSchema;
use yizhan_wecom::api::update_template_card::{CardUpdate, ReplaceButton};

use super::Ctx;
use super::messages::visible;
use super::views::StatusView;
use crate::gateway::ApiError;

/// The change to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CardUpdateRequest {
    /// Grey out the clicked button with this text (interaction cards).
    #[serde(default)]
    replace_name: Option<String>,
    /// Or replace the whole card (a `template_card` object).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    template_card: Option<serde_json::Value>,
    /// Only these users; default every recipient.
    #[serde(default)]
    userids: Vec<String>,
}

/// Update a delivered WeCom template card.
#[utoipa::path(post, path = "/v1/messages/{id}/card", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "The message id")),
    request_body = CardUpdateRequest,
    responses(
        (status = 200, description = "The card was updated", body = StatusView),
        (status = 400, description = "Not JSON", body = ApiError),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 404, description = "No such message", body = ApiError),
        (status = 409, description = "No usable response_code, or WeCom refused (used, expired)", body = ApiError),
        (status = 422, description = "Neither or both of replace_name and template_card", body = ApiError),
    ))]
pub(crate) async fn update_card(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<StatusView>, ApiError> {
    let record = visible(&ctx, &headers, &id).await?;
    let request: CardUpdateRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::malformed_json(e.to_string()))?;
    Ok(Json(apply(&ctx, &record, request).await?))
}

impl CardUpdateRequest {
    /// Grey out the clicked button with `name`, for every recipient.
    pub(crate) fn replace_name(name: String) -> CardUpdateRequest {
        CardUpdateRequest { replace_name: Some(name), template_card: None, userids: Vec::new() }
    }
}

/// Updates the card of `id` for `caller` (the console's card action).
pub(crate) async fn update_card_as(
    ctx: &Ctx,
    caller: &super::auth::Caller,
    id: &str,
    request: CardUpdateRequest,
) -> Result<StatusView, ApiError> {
    let record = super::messages::visible_to(ctx, caller, id).await?;
    apply(ctx, &record, request).await
}

async fn apply(
    ctx: &Ctx,
    record: &yizhan_store::MessageRecord,
    request: CardUpdateRequest,
) -> Result<StatusView, ApiError> {
    let update = match (request.replace_name, request.template_card) {
        (Some(name), None) => CardUpdate::Button { button: ReplaceButton { replace_name: name } },
        (None, Some(card)) => CardUpdate::Card {
            template_card: Box::new(
                serde_json::from_value(card).map_err(|e| ApiError::validation("template_card", e))?,
            ),
        },
        _ => return Err(ApiError::validation("replace_name", "give exactly one of replace_name and template_card")),
    };
    let channel = ctx.app.config.channel(&record.channel);
    crate::providers::update_card(channel, &ctx.app.channels, record, update, request.userids).await?;
    Ok(StatusView { id: record.id.to_string(), status: "card_updated".to_owned(), done: Vec::new() })
}
