//! The stored messages of an alert card: a new card (planned like any `POST /v1/messages`
//! request) and an update (one `wecom.update_template_card` dispatch with the
//! `response_code` it uses). Both carry an idempotency key, so redoing a step after a crash
//! stores nothing twice: a new card is keyed by its task id, an update by the code it uses
//! (a code can serve one update only).

use yizhan_core::MessageId;
use yizhan_store::{Idempotency, NewDispatch, NewMessage};
use yizhan_wecom::api::update_template_card::{CardUpdate, Request};
use yizhan_wecom::message::Message as WecomMessage;
use yizhan_wecom::message::template_card::TemplateCard;

use super::sha256_hex;
use crate::config::Config;
use crate::gateway::{ApiError, Content, MessageRequest, Options, To, endpoint, plan};

/// The message that sends `card` to `to` on `channel`, stored under `api_key`.
pub fn new_card(
    config: &Config,
    channel: &str,
    to: &To,
    card: TemplateCard,
    api_key: Option<&str>,
    now_ms: i64,
) -> Result<NewMessage, ApiError> {
    let task = card.task_id().unwrap_or_default().to_owned();
    let request = MessageRequest {
        channel: channel.to_owned(),
        to: to.clone(),
        content: Content::Wecom(WecomMessage::template_card(card)),
        options: Options::default(),
    };
    let configured = config
        .channel(channel)
        .ok_or_else(|| ApiError::validation("channel", format_args!("channel {channel:?} cannot be used")))?;
    let plan = plan(&request, configured, now_ms)?;
    let request = serde_json::to_value(&request).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(NewMessage {
        id: MessageId::new(),
        channel: channel.to_owned(),
        api_key: api_key.map(str::to_owned),
        idempotency: Some(Idempotency {
            key: format!("alert-card:{task}"),
            body_sha256: sha256_hex(&request.to_string()),
        }),
        request,
        send_at_ms: plan.send_at_ms,
        expires_at_ms: plan.expires_at_ms,
        created_at_ms: now_ms,
        dispatches: plan.new_dispatches(None),
    })
}

/// The message that replaces the card of every recipient by `card`, with `response_code`.
pub fn update(
    channel: &str,
    agent_id: i64,
    response_code: &str,
    card: TemplateCard,
    api_key: Option<&str>,
    now_ms: i64,
) -> Result<NewMessage, ApiError> {
    let task = card.task_id().unwrap_or_default().to_owned();
    let body = Request {
        userids: Vec::new(),
        partyids: Vec::new(),
        tagids: Vec::new(),
        atall: Some(1),
        agentid: agent_id,
        response_code: response_code.to_owned(),
        enable_id_trans: None,
        update: CardUpdate::Card { template_card: Box::new(card) },
    };
    let body = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    // What `GET /v1/messages/{id}` shows as the request: which card, not the code.
    let request = serde_json::json!({"channel": channel, "card_update": {"task_id": task}});
    Ok(NewMessage {
        id: MessageId::new(),
        channel: channel.to_owned(),
        api_key: api_key.map(str::to_owned),
        idempotency: Some(Idempotency {
            key: format!("alert-card-update:{}", &sha256_hex(response_code)[..32]),
            body_sha256: sha256_hex(&String::from_utf8_lossy(&body)),
        }),
        request,
        send_at_ms: now_ms,
        expires_at_ms: None,
        created_at_ms: now_ms,
        dispatches: vec![NewDispatch {
            body,
            endpoint: endpoint::WECOM_UPDATE_TEMPLATE_CARD.to_owned(),
            dedupe_id: None,
            recipients: vec!["all".to_owned()],
            coalesce_key: None,
            after_seq: None,
            resend_safe: false,
            duplicate: None,
        }],
    })
}
