//! Executing a `dingtalk_robot` dispatch: `robot/send` to the robot's group.

use bytes::Bytes;
use yizhan_dingtalk::DingtalkClient;

use crate::providers::Endpoint;
use crate::providers::outcome::{Delivered, Failed};

/// Sends one persisted `dingtalk_robot` body.
pub async fn execute(
    c: &DingtalkClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::DingtalkRobotSend => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}

/// A failed DingTalk call, classified.
pub(crate) fn failure(e: yizhan_dingtalk::Error) -> Failed {
    let failed = Failed {
        kind: e.kind(),
        code: e.code(),
        message: e.provider_message().map_or_else(|| e.to_string(), str::to_owned),
        ambiguous: e.is_ambiguous(),
    };
    crate::worker::local::or_local(failed, &e)
}
