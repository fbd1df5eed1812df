//! Executing a `wecom_robot` dispatch: `webhook/send` to the robot's group.

use bytes::Bytes;
use yizhan_wecom::RobotClient;

use crate::providers::Endpoint;
use crate::providers::outcome::{Delivered, Failed};
use crate::providers::wecom::wecom_failure;

/// Sends one persisted `wecom_robot` body.
pub async fn execute(
    c: &RobotClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::WecomWebhookSend => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(wecom_failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}
