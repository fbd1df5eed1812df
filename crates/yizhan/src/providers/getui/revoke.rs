//! `DELETE /v1/messages/{id}` on a delivered Getui message: what Getui allows (docs/getui-client.md,
//! "Revoke and reports").
//!
//! * Single pushes (`/push/single/cid`, `/push/single/alias`): a revoke push to the same target,
//!   `push_message.revoke.old_task_id` = the delivered taskid (withdraws a Getui-channel
//!   notification; vendor channels are not reached).
//! * List and app pushes (`/push/list/…`, `/push/all`, `/push/tag`): `DELETE /task/{taskid}`,
//!   which stops what Getui still holds for offline devices. Notifications already shown stay.
//!
//! The calls are made at once, not through the outbox (like the WeCom recall). A provider error
//! is a 409 carrying Getui's message; what was done before it stays done.

use yizhan_getui::api::{push_single_alias, push_single_cid};
use yizhan_getui::push::{PushMessage, Revoke};
use yizhan_store::{DispatchStatus, MessageRecord};

use yizhan_getui::GetuiClient;

use crate::gateway::ApiError;
use crate::providers::{Endpoint, Recipient};

/// One provider call a revoke makes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    /// A revoke push of `taskid` to one cid.
    RevokeCid { taskid: String, cid: String },
    /// A revoke push of `taskid` to one alias.
    RevokeAlias { taskid: String, alias: String },
    /// `DELETE /task/{taskid}`.
    Stop { taskid: String },
}

/// The calls that revoke `record`'s delivered dispatches; empty when none has a taskid.
fn actions(record: &MessageRecord) -> Vec<Action> {
    let mut out = Vec::new();
    for d in record.dispatches.iter().filter(|d| d.status == DispatchStatus::Delivered) {
        let Some(taskid) = d.handles.taskid.clone() else { continue };
        let parsed = || d.recipients.iter().map(|r| Recipient::parse(r));
        let cids = || parsed().filter_map(Recipient::cid).map(str::to_owned);
        let aliases = || {
            parsed().filter_map(|r| match r {
                Recipient::Alias(alias) => Some(alias.to_owned()),
                _ => None,
            })
        };
        match Endpoint::parse(&d.endpoint) {
            Some(Endpoint::GetuiPushSingleCid) => {
                out.extend(cids().map(|cid| Action::RevokeCid { taskid: taskid.clone(), cid }));
            }
            Some(Endpoint::GetuiPushSingleAlias) => {
                out.extend(aliases().map(|alias| Action::RevokeAlias { taskid: taskid.clone(), alias }));
            }
            Some(
                Endpoint::GetuiPushListMessage
                | Endpoint::GetuiPushList
                | Endpoint::GetuiPushAll
                | Endpoint::GetuiPushTag,
            ) => {
                out.push(Action::Stop { taskid });
            }
            // List chunks share the create call's taskid, which is stopped once.
            _ => {}
        }
    }
    out
}

/// Revokes or stops a delivered Getui message through `client`; `refuse` makes the 409 of a
/// message that cannot be revoked. Returns one line per call made.
pub async fn revoke(
    client: Option<&GetuiClient>,
    record: &MessageRecord,
    status: &str,
    refuse: &(dyn Fn(String) -> ApiError + Sync),
) -> Result<Vec<String>, ApiError> {
    if !matches!(status, "delivered" | "partially_delivered") {
        return Err(refuse("it is being sent or failed; only delivered Getui messages can be revoked".to_owned()));
    }
    let planned = actions(record);
    if planned.is_empty() {
        return Err(refuse("no delivered Getui task to revoke".to_owned()));
    }
    let client = client.ok_or_else(|| crate::providers::no_client(&record.channel))?;
    let mut done = Vec::with_capacity(planned.len());
    for action in planned {
        let result = match &action {
            Action::RevokeCid { taskid, cid } => {
                let request =
                    push_single_cid::Request::new(cid.clone(), PushMessage::revoke(Revoke::new(taskid.clone())));
                client.push_single_cid(&request).await.map(|_| format!("revoked Getui task {taskid} for cid:{cid}"))
            }
            Action::RevokeAlias { taskid, alias } => {
                let request =
                    push_single_alias::Request::new(alias.clone(), PushMessage::revoke(Revoke::new(taskid.clone())));
                client
                    .push_single_alias(&request)
                    .await
                    .map(|_| format!("revoked Getui task {taskid} for alias:{alias}"))
            }
            Action::Stop { taskid } => client.stop_task(taskid).await.map(|()| format!("stopped Getui task {taskid}")),
        };
        match result {
            Ok(line) => done.push(line),
            Err(e) => {
                let so_far =
                    if done.is_empty() { String::new() } else { format!(" (done before: {})", done.join("; ")) };
                return Err(refuse(format!("Getui refused the revoke: {e}{so_far}")));
            }
        }
    }
    Ok(done)
}
