//! `GET|POST /v1/callbacks/wecom/{channel}`: the URL WeCom calls for an application's messages
//! and events. No API key: WeCom authenticates with the SHA1 signature over the configured Token,
//! checked in constant time. `GET` is URL verification (answer the decrypted `echostr` raw);
//! `POST` bodies are decrypted, stored as a `card.clicked` or `wecom.callback` event
//! (docs/events.md), a click on an alert group's card recorded on the card
//! (`crate::intake::cards::click`: the card is updated and the silence created later, not
//! inline), and answered with an empty 200 (WeCom gives 5 s). The channel's
//! `forward_url` is a webhook subscription to those events ([`crate::events::Deliverer`]
//! delivers them, retried, as JSON `{channel, msg_type, event, xml}`). If the event cannot be
//! stored the answer is 500, so WeCom calls again.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage};

use super::Ctx;
use crate::config::{ChannelConfig, WecomAppConfig};
use crate::intake::cards::click::{Click, record as record_click};

type Params = Query<HashMap<String, String>>;

fn crypto(ctx: &Ctx, channel: &str) -> Result<CallbackCrypto, StatusCode> {
    let Some(WecomAppConfig { corp_id, callback: Some(cb), .. }) =
        ctx.app.config.channel(channel).and_then(ChannelConfig::wecom_app)
    else {
        return Err(StatusCode::NOT_FOUND);
    };
    CallbackCrypto::new(cb.token.expose_secret(), cb.encoding_aes_key.expose_secret(), corp_id.clone()).map_err(|e| {
        tracing::error!(channel, error = %e, "callback EncodingAESKey is invalid");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> &'a str {
    q.get(name).map_or("", String::as_str)
}

/// URL verification.
pub(crate) async fn verify(
    State(ctx): State<Ctx>,
    Path(channel): Path<String>,
    Query(q): Params,
) -> Result<String, StatusCode> {
    let crypto = crypto(&ctx, &channel)?;
    crypto
        .verify_url(param(&q, "msg_signature"), param(&q, "timestamp"), param(&q, "nonce"), param(&q, "echostr"))
        .map_err(|e| {
            tracing::warn!(channel, code = e.code(), "callback URL verification refused");
            StatusCode::UNAUTHORIZED
        })
}

/// A pushed message or event.
pub(crate) async fn receive(
    State(ctx): State<Ctx>,
    Path(channel): Path<String>,
    Query(q): Params,
    body: Bytes,
) -> Result<StatusCode, StatusCode> {
    let crypto = crypto(&ctx, &channel)?;
    let xml = crypto
        .decrypt_message(param(&q, "msg_signature"), param(&q, "timestamp"), param(&q, "nonce"), &body)
        .map_err(|e| {
            tracing::warn!(channel, code = e.code(), "callback refused");
            StatusCode::UNAUTHORIZED
        })?;
    let parsed = CallbackMessage::parse(&xml).ok();
    let (msg_type, event) = match &parsed {
        Some(m) => (m.msg_type().to_owned(), m.event().map(str::to_owned)),
        None => (String::new(), None),
    };
    tracing::info!(channel, msg_type, event = event.as_deref().unwrap_or(""), "callback received");
    let card = matches!(
        event.as_deref(),
        Some(yizhan_wecom::callback::TEMPLATE_CARD_EVENT | yizhan_wecom::callback::TEMPLATE_CARD_MENU_EVENT)
    );
    let logged = yizhan_store::NewEvent {
        kind: if card { yizhan_store::kind::CARD_CLICKED } else { yizhan_store::kind::WECOM_CALLBACK },
        message_id: None,
        channel: channel.clone(),
        at_ms: ctx.app.clock.now_ms(),
        data: serde_json::json!({"msg_type": msg_type, "event": event, "xml": xml}),
    };
    if let Err(e) = ctx.app.store.record_event(logged).await {
        tracing::error!(channel, error = %e, "could not store the callback event; WeCom will call again");
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    if let Some(CallbackMessage::TemplateCardEvent { from_user, event_key, task_id, response_code, .. }) = &parsed {
        let click = Click { channel: &channel, user: from_user, key: event_key, task_id, response_code };
        if let Err(e) = record_click(&ctx.app.store, click, ctx.app.clock.now_ms()).await {
            tracing::error!(channel, error = %e, "could not record the alert card click; WeCom will call again");
            return Err(StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
    Ok(StatusCode::OK)
}
