//! Executing a `feishu_bot` dispatch: the hook call to the bot's group.

use bytes::Bytes;
use yizhan_feishu::FeishuClient;

use crate::providers::Endpoint;
use crate::providers::outcome::{Delivered, Failed};

/// Sends one persisted `feishu_bot` body (signed afresh by the client when the bot has a secret).
pub async fn execute(
    c: &FeishuClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::FeishuBotHook => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}

/// A failed Feishu call, classified.
fn failure(e: yizhan_feishu::Error) -> Failed {
    let failed = Failed {
        kind: e.kind(),
        code: e.code(),
        message: e.provider_message().map_or_else(|| e.to_string(), str::to_owned),
        ambiguous: e.is_ambiguous(),
    };
    crate::worker::local::or_local(failed, &e)
}
