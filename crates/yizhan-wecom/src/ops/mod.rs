//! Operations beyond message/send, as methods on [`WecomClient`]: recall, template-card
//! updates, statistics, application group chats and the directory (departments and members). Each validates before sending and goes
//! through the same token and retry loop as message/send.

mod appchat;
mod directory;
mod messages;

use bytes::Bytes;
use serde::Serialize;
use yizhan_core::{FailureKind, Provider, SendError};

use crate::error::Error;

/// Serializes a request body once, so a retry sends the same bytes.
fn body(value: &impl Serialize) -> Result<Bytes, Error> {
    serde_json::to_vec(value).map(Bytes::from).map_err(|e| {
        SendError::transport(Provider::Wecom, FailureKind::Permanent, format!("cannot serialize request: {e}")).into()
    })
}
