//! `POST /v1/messages/{id}/card` on a `wecom_app` message: update a sent template card with
//! the `response_code` stored when the card was delivered (single use, 72 h at WeCom).

use yizhan_store::MessageRecord;
use yizhan_wecom::WecomClient;
use yizhan_wecom::api::update_template_card::{CardUpdate, Request};

use crate::config::WecomAppConfig;
use crate::gateway::ApiError;

/// Applies `update` to `record`'s card for `userids` (every recipient when empty).
pub async fn update(
    app: &WecomAppConfig,
    client: Option<&WecomClient>,
    record: &MessageRecord,
    update: CardUpdate,
    userids: Vec<String>,
) -> Result<(), ApiError> {
    let code = record.dispatches.iter().find_map(|d| d.handles.response_code.clone()).ok_or_else(|| {
        ApiError::conflict("this message has no response_code (not an interactive card, or not delivered yet)")
    })?;
    let request = Request {
        atall: userids.is_empty().then_some(1),
        userids,
        partyids: Vec::new(),
        tagids: Vec::new(),
        agentid: app.agent_id,
        response_code: code,
        enable_id_trans: None,
        update,
    };
    let client = client.ok_or_else(|| crate::providers::no_client(&record.channel))?;
    client.update_template_card(&request).await.map_err(|e| match e {
        yizhan_wecom::Error::Invalid(v) => ApiError::validation(v.field, v.problem),
        other => ApiError::conflict(format!("WeCom refused the update: {other}")),
    })?;
    Ok(())
}
