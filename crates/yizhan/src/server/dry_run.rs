//! `POST /v1/messages?dry_run=true`: the message validated and planned exactly as an accept
//! would, answered with the provider bodies it would send; nothing stored, nothing sent.

use serde::Serialize;
use utoipa::ToSchema;
use yizhan_store::NewMessage;

use super::views::Accepted;

/// The plan of a message that was not accepted (`dry_run=true`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct DryRun {
    /// Always true: nothing was stored or sent.
    pub(crate) dry_run: bool,
    /// The channel.
    pub(crate) channel: String,
    /// What the status would be: `accepted` (due now) or `scheduled`.
    pub(crate) status: String,
    /// When the first call would be due (epoch ms), after peak spreading.
    pub(crate) send_at_ms: i64,
    /// Who the provider calls reach (as in the 202 of an accept).
    pub(crate) recipients: Vec<String>,
    /// The provider calls, in order, with their exact bodies.
    pub(crate) dispatches: Vec<PlannedView>,
}

/// One provider call of a dry run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PlannedView {
    /// Position within the message (0-based).
    pub(crate) seq: usize,
    /// The provider call, e.g. `wecom.message_send`.
    #[schema(example = "wecom.message_send")]
    pub(crate) endpoint: String,
    /// Who it reaches.
    pub(crate) recipients: Vec<String>,
    /// Sent only after the call at this position was delivered.
    pub(crate) after_seq: Option<i64>,
    /// The exact provider request body (JSON). A Getui list chunk holds an empty `taskid`:
    /// it is sent with the taskid of its list message.
    #[schema(value_type = Object)]
    pub(crate) body: serde_json::Value,
}

/// The dry-run answer for a prepared message.
pub(crate) fn view(msg: &NewMessage, accepted: Accepted) -> DryRun {
    let dispatches = msg
        .dispatches
        .iter()
        .enumerate()
        .map(|(seq, d)| PlannedView {
            seq,
            endpoint: d.endpoint.clone(),
            recipients: d.recipients.clone(),
            after_seq: d.after_seq,
            body: serde_json::from_slice(&d.body)
                .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&d.body).into_owned())),
        })
        .collect();
    DryRun {
        dry_run: true,
        channel: msg.channel.clone(),
        status: accepted.status,
        send_at_ms: msg.send_at_ms,
        recipients: accepted.recipients,
        dispatches,
    }
}
