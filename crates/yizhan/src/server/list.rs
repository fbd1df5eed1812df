//! `GET /v1/messages`: the key's messages, newest first, filtered and paginated by cursor.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use yizhan_store::ListFilter;

use super::Ctx;
use super::auth::Caller;
use super::error::{caller, forbidden_channel, store_error};
use super::views::{ListQuery, PageView, SummaryView};
use crate::gateway::ApiError;

/// Messages of the key's channels, newest first, filtered and paginated by cursor.
#[utoipa::path(get, path = "/v1/messages", tag = "messages", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page", body = PageView),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "The key may not use the channel", body = ApiError),
        (status = 422, description = "A malformed filter (names it)", body = ApiError),
    ))]
pub(crate) async fn list(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<PageView>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::validation("query", e.body_text()))?;
    Ok(Json(page(&ctx, &caller, &q).await?))
}

/// The page of `q` that `caller` may see (also the console's message list).
pub(crate) async fn page(ctx: &Ctx, caller: &Caller, q: &ListQuery) -> Result<PageView, ApiError> {
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        v.as_deref()
            .map(|s| s.parse::<i64>().or_else(|_| crate::gateway::time::parse_rfc3339_ms(s)))
            .transpose()
            .map_err(|e| ApiError::validation(field, e))
    };
    let status = q.status.as_deref().map(str::parse).transpose().map_err(|e| ApiError::validation("status", e))?;
    if let Some(c) = &q.channel {
        caller.may_use(c).map_err(|_| forbidden_channel(caller, c))?;
    }
    // A key scoped to one channel lists it directly; with several, other channels are
    // filtered out of each page (a page may then be shorter than `limit`).
    let channel = q.channel.clone().or_else(|| (caller.channels.len() == 1).then(|| caller.channels[0].clone()));
    let filter = ListFilter {
        status,
        channel,
        since_ms: time("since", &q.since)?,
        until_ms: time("until", &q.until)?,
        recipient: q.recipient.clone(),
        text: q.text.clone(),
        cursor: q.cursor.clone(),
        limit: q.limit,
    };
    let page = ctx.app.store.list(&filter).await.map_err(|e| match e {
        // The only input the store can refuse here is the opaque cursor.
        yizhan_store::StoreError::Invalid(m) => ApiError::validation("cursor", m),
        other => store_error(other),
    })?;
    let items = page.items.iter().filter(|m| caller.may_use(&m.channel).is_ok()).map(SummaryView::from).collect();
    Ok(PageView { items, next_cursor: page.next_cursor })
}
