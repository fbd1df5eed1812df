//! `DELETE /v1/messages/{id}` on a sent `wecom_app` message: WeCom recalls each delivered
//! `message/send` by its msgid, within 24 h (docs/wecom-client.md).

use yizhan_store::MessageRecord;
use yizhan_wecom::WecomClient;

use crate::gateway::ApiError;

/// Recalls every dispatch of `record` with a msgid through `client`; `refuse` makes the 409 of
/// a message that cannot be recalled. Returns the calls made, for the answer's `done` (none
/// listed: the message's status says it).
pub async fn recall(
    client: Option<&WecomClient>,
    record: &MessageRecord,
    status: &str,
    refuse: &(dyn Fn(String) -> ApiError + Sync),
) -> Result<Vec<String>, ApiError> {
    let msgids: Vec<&str> = record.dispatches.iter().filter_map(|d| d.handles.msgid.as_deref()).collect();
    if msgids.is_empty() || !matches!(status, "delivered" | "partially_delivered") {
        return Err(refuse("it is being sent or has no WeCom msgid yet; try again when it is delivered".to_owned()));
    }
    let client = client.ok_or_else(|| crate::providers::no_client(&record.channel))?;
    for msgid in msgids {
        client.recall(msgid).await.map_err(|e| refuse(format!("WeCom refused the recall: {e}")))?;
    }
    Ok(Vec::new())
}
