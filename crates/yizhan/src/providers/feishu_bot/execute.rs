//! Executing a `feishu_bot` dispatch: the hook call to the bot's group.

use bytes::Bytes;
use yizhan_feishu::FeishuClient;

use crate::providers::outcome::{Delivered, Failed};
use crate::providers::{Endpoint, group_bot};

/// Sends one persisted `feishu_bot` body (signed afresh by the client when the bot has a secret).
pub async fn execute(
    c: &FeishuClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::FeishuBotHook => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(group_bot::failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}
