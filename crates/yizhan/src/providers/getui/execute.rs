//! Executing a `getui` dispatch: single, list, tag and app pushes, the merged call of coalesced
//! single pushes, and the legacy one-dispatch list push. Handles are the Getui taskid;
//! per-recipient outcomes are Getui's cid statuses.

use std::collections::BTreeMap;

use yizhan_getui::GetuiClient;
use yizhan_getui::api::{
    push_all, push_list_alias, push_list_cid, push_list_message, push_single_alias, push_single_cid, push_tag,
};
use yizhan_getui::push::{Audience, PushRequest, RequestId};
use yizhan_getui::status::{CidStatus, TaskResults};

use super::plan::ListPushBody;
use crate::providers::Endpoint;
use crate::providers::outcome::{Delivered, Failed, Handles, outcome, undecodable};

/// Sends one persisted `getui` body.
pub async fn execute(
    client: &GetuiClient,
    endpoint: Endpoint,
    body: &[u8],
    upstream: Option<&yizhan_store::Handles>,
) -> Result<Delivered, Failed> {
    let decode_error = |e: serde_json::Error| undecodable(endpoint.name(), &e);
    let delivered_task = |taskid: String| Delivered {
        handles: Handles { taskid: Some(taskid), ..Handles::default() },
        outcomes: Vec::new(),
    };
    match endpoint {
        Endpoint::GetuiPushSingleCid => {
            let request: push_single_cid::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_single_cid(&request).await.map(from_results).map_err(getui_failure)
        }
        Endpoint::GetuiPushSingleAlias => {
            let request: push_single_alias::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_single_alias(&request).await.map(from_results).map_err(getui_failure)
        }
        Endpoint::GetuiPushListMessage => {
            let request: push_list_message::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.create_list_message(&request).await.map(delivered_task).map_err(getui_failure)
        }
        Endpoint::GetuiPushListCid | Endpoint::GetuiPushListAlias => {
            // The chunk pushes the list message its create call (the dispatch it waits for)
            // made: that call's taskid handle, whatever the persisted body holds.
            let Some(taskid) = upstream.and_then(|h| h.taskid.clone()) else {
                return Err(Failed::permanent("the create call of the list message recorded no taskid".to_owned()));
            };
            let results = if endpoint == Endpoint::GetuiPushListCid {
                let request: push_list_cid::Request = serde_json::from_slice(body).map_err(decode_error)?;
                client.push_list_cid(&push_list_cid::Request { taskid, ..request }).await
            } else {
                let request: push_list_alias::Request = serde_json::from_slice(body).map_err(decode_error)?;
                client.push_list_alias(&push_list_alias::Request { taskid, ..request }).await
            };
            results.map(|r| r.map(from_results).unwrap_or_default()).map_err(getui_failure)
        }
        Endpoint::GetuiPushList => {
            // Legacy single-dispatch list push (no longer planned): a retry after a failed
            // chunk re-creates the message (deduplicated by its request_id) and pushes every
            // chunk again.
            let list: ListPushBody = serde_json::from_slice(body).map_err(decode_error)?;
            let pushed = match list.audience {
                Audience::Cid(cids) => client.push_to_cids(list.message, &cids).await,
                Audience::Alias { alias, .. } => client.push_to_aliases(list.message, &alias).await,
                other => {
                    return Err(undecodable(
                        endpoint.name(),
                        &serde::de::Error::custom(format!("list audience {}", other.kind())),
                    ));
                }
            }
            .map_err(getui_failure)?;
            let outcomes = pushed.statuses.iter().map(|(cid, s)| outcome(cid, getui_outcome(s))).collect();
            Ok(Delivered { handles: Handles { taskid: Some(pushed.taskid), ..Handles::default() }, outcomes })
        }
        Endpoint::GetuiMergedList => merged_list(client, body).await,
        Endpoint::GetuiPushAll => {
            let request: push_all::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_all(&request).await.map(delivered_task).map_err(getui_failure)
        }
        Endpoint::GetuiPushTag => {
            let request: push_tag::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_tag(&request).await.map(delivered_task).map_err(getui_failure)
        }
        other => Err(super::super::foreign_endpoint(other)),
    }
}

/// A merged Getui call ([`Endpoint::GetuiMergedList`]): creates the list message, then pushes it to the
/// ≤1000 cids with its taskid. Each cid's outcome is labelled `cid:<id>` like the members'
/// recipients; a cid missing from Getui's answer (skipped as unknown) is `invalid`.
///
/// Creating a list message delivers nothing, so a failure of that step is never ambiguous: it
/// is resent with the persisted `request_id` (Getui answers a repeat with the first taskid, or
/// with 20001 `request_id cannot be repeat.`, and then the message is created again under a
/// fresh id). A failure of the list push is reported as it is, ambiguous included.
async fn merged_list(client: &GetuiClient, body: &[u8]) -> Result<Delivered, Failed> {
    let list: ListPushBody =
        serde_json::from_slice(body).map_err(|e| undecodable(Endpoint::GetuiMergedList.name(), &e))?;
    let Audience::Cid(cids) = list.audience else {
        let e = serde::de::Error::custom(format!("merged audience {}", list.audience.kind()));
        return Err(undecodable(Endpoint::GetuiMergedList.name(), &e));
    };
    let create = |message: PushRequest| push_list_message::Request(PushRequest { audience: None, ..message });
    let not_ambiguous = |e: yizhan_getui::Error| Failed { ambiguous: false, ..getui_failure(e) };
    let taskid = match client.create_list_message(&create(list.message.clone())).await {
        Ok(taskid) => taskid,
        Err(e) if e.code() == Some(20001) && e.to_string().contains("request_id") => {
            let fresh = PushRequest { request_id: RequestId::random(), ..list.message };
            client.create_list_message(&create(fresh)).await.map_err(not_ambiguous)?
        }
        Err(e) => return Err(not_ambiguous(e)),
    };
    let results = client
        .push_list_cid(&push_list_cid::Request::new(taskid.clone(), cids.iter().cloned()))
        .await
        .map_err(getui_failure)?
        .unwrap_or_default();
    let statuses: BTreeMap<&str, &CidStatus> =
        results.values().flat_map(|s| s.iter().map(|(cid, status)| (cid.as_str(), status))).collect();
    let outcomes = cids
        .iter()
        .map(|cid| outcome(&format!("cid:{cid}"), statuses.get(cid.as_str()).map_or("invalid", |s| getui_outcome(s))))
        .collect();
    Ok(Delivered { handles: Handles { taskid: Some(taskid), ..Handles::default() }, outcomes })
}

fn from_results(results: TaskResults) -> Delivered {
    let mut delivered = Delivered::default();
    for (taskid, statuses) in results {
        delivered.handles.taskid = Some(taskid);
        let statuses: BTreeMap<String, CidStatus> = statuses;
        delivered.outcomes.extend(statuses.iter().map(|(cid, s)| outcome(cid, getui_outcome(s))));
    }
    delivered
}

/// Getui's own name of the status behind an `outcome` (`delivered` is `successed_online`);
/// other outcomes are kept verbatim.
pub fn status_name(outcome: &str) -> &str {
    match outcome {
        "delivered" => CidStatus::SuccessedOnline.as_str(),
        "offline" => CidStatus::SuccessedOffline.as_str(),
        "ignored" => CidStatus::SuccessedIgnore.as_str(),
        other => other,
    }
}

fn getui_outcome(status: &CidStatus) -> &str {
    match status {
        CidStatus::SuccessedOnline => "delivered",
        CidStatus::SuccessedOffline => "offline",
        CidStatus::SuccessedIgnore => "ignored",
        other @ CidStatus::Other(_) => other.as_str(),
    }
}

/// A failed Getui call, classified.
pub(super) fn getui_failure(e: yizhan_getui::Error) -> Failed {
    let failed = Failed { kind: e.kind(), code: e.code(), message: e.to_string(), ambiguous: e.is_ambiguous() };
    crate::worker::local::or_local(failed, &e)
}
