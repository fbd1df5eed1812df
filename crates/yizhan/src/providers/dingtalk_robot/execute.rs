//! Executing a `dingtalk_robot` dispatch: `robot/send` to the robot's group.

use bytes::Bytes;
use yizhan_dingtalk::DingtalkClient;

use crate::providers::outcome::{Delivered, Failed};
use crate::providers::{Endpoint, group_bot};

/// Sends one persisted `dingtalk_robot` body.
pub async fn execute(
    c: &DingtalkClient,
    endpoint: Endpoint,
    body: &[u8],
    recipients: &[String],
) -> Result<Delivered, Failed> {
    match endpoint {
        Endpoint::DingtalkRobotSend => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(group_bot::failure)?;
            Ok(Delivered::to_all(recipients))
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}
