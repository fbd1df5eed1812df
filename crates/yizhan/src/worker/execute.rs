//! Sends one dispatch — an endpoint name and the exact provider body persisted at accept time —
//! through the channel's client, and turns the answer into per-recipient outcomes or a classified
//! failure. The body is sent as persisted, so a retry is recognised by the provider's dedupe
//! (`enable_duplicate_check` at WeCom, `request_id` at Getui).

use std::collections::BTreeMap;

use bytes::Bytes;
use yizhan_core::FailureKind;
use yizhan_getui::GetuiClient;
use yizhan_getui::api::{
    push_all, push_list_alias, push_list_cid, push_list_message, push_single_alias, push_single_cid, push_tag,
};
use yizhan_getui::push::{Audience, PushRequest, RequestId};
use yizhan_getui::status::{CidStatus, TaskResults};
use yizhan_wecom::PreparedSend;
use yizhan_wecom::api::appchat;

use crate::gateway::getui::ListPushBody;
use crate::providers::{ChannelKind, Endpoint};

pub use crate::channels::AnyClient;
pub use crate::gateway::endpoint::*;

/// Provider handles kept for later recall, revoke or card updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handles {
    /// WeCom msgid.
    pub msgid: Option<String>,
    /// WeCom response_code of an interactive card.
    pub response_code: Option<String>,
    /// Getui taskid.
    pub taskid: Option<String>,
}

/// What a recipient got: `delivered`, `invalid`, `unlicensed`, `offline`, `ignored`, or a
/// provider status kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    /// The recipient as addressed (userid, cid, alias, `group`).
    pub recipient: String,
    /// The outcome.
    pub outcome: String,
}

/// A successful provider call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Handles for later operations.
    pub handles: Handles,
    /// Per-recipient outcomes.
    pub outcomes: Vec<RecipientOutcome>,
}

/// A failed provider call, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// What it means for the next attempt.
    pub kind: FailureKind,
    /// The provider's code.
    pub code: Option<i64>,
    /// The provider's message (no secret).
    pub message: String,
    /// The provider may have acted although no answer was read.
    pub ambiguous: bool,
}

/// Sends one dispatch. `upstream` holds the handles recorded by the dispatch this one waits
/// for, if it waits for one (a Getui list chunk takes the taskid of its create call from it).
pub async fn execute(
    client: &AnyClient,
    endpoint: &str,
    body: &[u8],
    recipients: &[String],
    upstream: Option<&yizhan_store::Handles>,
) -> Result<Delivered, Failed> {
    match (client, endpoint) {
        (AnyClient::WecomApp(c), WECOM_MESSAGE_SEND) => {
            // The client never resends after an ambiguous failure itself: the worker does, as an
            // attempt of its own (decide(), with the resend safety stored with the dispatch), so
            // that the attempt log holds every send whose outcome is unknown and a later
            // permanent answer cannot hide it (the message then stays "outcome unknown").
            let prepared = PreparedSend { body: Bytes::copy_from_slice(body), resend_is_safe: false };
            let receipt = c.send_prepared(&prepared).await.map_err(wecom_failure)?;
            // Gateway plans label recipients `user:<id>`, `party:<id>`, `tag:<id>`.
            let outcome_of = |r: &String| {
                let (invalid, id) = match r.split_once(':') {
                    Some(("party", id)) => (&receipt.invalid_parties, id),
                    Some(("tag", id)) => (&receipt.invalid_tags, id),
                    Some(("user", id)) => (&receipt.invalid_users, id),
                    _ => (&receipt.invalid_users, r.as_str()),
                };
                let lower = id.to_lowercase();
                if invalid.iter().any(|i| i.to_lowercase() == lower) {
                    "invalid"
                } else if receipt.unlicensed_users.contains(&lower) {
                    "unlicensed"
                } else {
                    "delivered"
                }
            };
            let outcomes = recipients.iter().map(|r| outcome(r, outcome_of(r))).collect();
            let handles = Handles {
                msgid: Some(receipt.msgid.clone()).filter(|m| !m.is_empty()),
                response_code: receipt.response_code.clone(),
                taskid: None,
            };
            Ok(Delivered { handles, outcomes })
        }
        (AnyClient::WecomApp(c), WECOM_APPCHAT_SEND) => {
            let request: appchat::SendRequest = serde_json::from_slice(body).map_err(|e| undecodable(endpoint, &e))?;
            c.send_to_chat(&request).await.map_err(wecom_failure)?;
            Ok(Delivered {
                handles: Handles::default(),
                outcomes: recipients.iter().map(|r| outcome(r, "delivered")).collect(),
            })
        }
        (AnyClient::WecomRobot(c), WECOM_WEBHOOK_SEND) => {
            c.send_prepared(Bytes::copy_from_slice(body)).await.map_err(wecom_failure)?;
            Ok(Delivered {
                handles: Handles::default(),
                outcomes: recipients.iter().map(|r| outcome(r, "delivered")).collect(),
            })
        }
        (AnyClient::Getui(c), _) => getui(c, endpoint, body, upstream).await,
        _ => Err(Failed {
            kind: FailureKind::Permanent,
            code: None,
            message: format!("endpoint {endpoint} does not belong to this channel's kind"),
            ambiguous: false,
        }),
    }
}

fn outcome(recipient: &str, outcome: &str) -> RecipientOutcome {
    RecipientOutcome { recipient: recipient.to_owned(), outcome: outcome.to_owned() }
}

fn undecodable(endpoint: &str, e: &serde_json::Error) -> Failed {
    Failed {
        kind: FailureKind::Permanent,
        code: None,
        message: format!("persisted {endpoint} body does not decode: {e}"),
        ambiguous: false,
    }
}

async fn getui(
    client: &GetuiClient,
    endpoint: &str,
    body: &[u8],
    upstream: Option<&yizhan_store::Handles>,
) -> Result<Delivered, Failed> {
    let decode_error = |e: serde_json::Error| undecodable(endpoint, &e);
    let delivered_task = |taskid: String| Delivered {
        handles: Handles { taskid: Some(taskid), ..Handles::default() },
        outcomes: Vec::new(),
    };
    match endpoint {
        GETUI_PUSH_SINGLE_CID => {
            let request: push_single_cid::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_single_cid(&request).await.map(from_results).map_err(getui_failure)
        }
        GETUI_PUSH_SINGLE_ALIAS => {
            let request: push_single_alias::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_single_alias(&request).await.map(from_results).map_err(getui_failure)
        }
        GETUI_PUSH_LIST_MESSAGE => {
            let request: push_list_message::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.create_list_message(&request).await.map(delivered_task).map_err(getui_failure)
        }
        GETUI_PUSH_LIST_CID | GETUI_PUSH_LIST_ALIAS => {
            // The chunk pushes the list message its create call (the dispatch it waits for)
            // made: that call's taskid handle, whatever the persisted body holds.
            let Some(taskid) = upstream.and_then(|h| h.taskid.clone()) else {
                return Err(Failed {
                    kind: FailureKind::Permanent,
                    code: None,
                    message: "the create call of the list message recorded no taskid".to_owned(),
                    ambiguous: false,
                });
            };
            let results = if endpoint == GETUI_PUSH_LIST_CID {
                let request: push_list_cid::Request = serde_json::from_slice(body).map_err(decode_error)?;
                client.push_list_cid(&push_list_cid::Request { taskid, ..request }).await
            } else {
                let request: push_list_alias::Request = serde_json::from_slice(body).map_err(decode_error)?;
                client.push_list_alias(&push_list_alias::Request { taskid, ..request }).await
            };
            results.map(|r| r.map(from_results).unwrap_or_default()).map_err(getui_failure)
        }
        GETUI_PUSH_LIST => {
            // Legacy single-dispatch list push (no longer planned): a retry after a failed
            // chunk re-creates the message (deduplicated by its request_id) and pushes every
            // chunk again.
            let list: ListPushBody = serde_json::from_slice(body).map_err(decode_error)?;
            let pushed = match list.audience {
                Audience::Cid(cids) => client.push_to_cids(list.message, &cids).await,
                Audience::Alias { alias, .. } => client.push_to_aliases(list.message, &alias).await,
                other => {
                    return Err(undecodable(
                        endpoint,
                        &serde::de::Error::custom(format!("list audience {}", other.kind())),
                    ));
                }
            }
            .map_err(getui_failure)?;
            let outcomes = pushed.statuses.iter().map(|(cid, s)| outcome(cid, getui_outcome(s))).collect();
            Ok(Delivered { handles: Handles { taskid: Some(pushed.taskid), ..Handles::default() }, outcomes })
        }
        GETUI_MERGED_LIST => merged_list(client, body).await,
        GETUI_PUSH_ALL => {
            let request: push_all::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_all(&request).await.map(delivered_task).map_err(getui_failure)
        }
        GETUI_PUSH_TAG => {
            let request: push_tag::Request = serde_json::from_slice(body).map_err(decode_error)?;
            client.push_tag(&request).await.map(delivered_task).map_err(getui_failure)
        }
        other => Err(Failed {
            kind: FailureKind::Permanent,
            code: None,
            message: format!("unknown getui endpoint {other}"),
            ambiguous: false,
        }),
    }
}

/// A merged Getui call ([`GETUI_MERGED_LIST`]): creates the list message, then pushes it to the
/// ≤1000 cids with its taskid. Each cid's outcome is labelled `cid:<id>` like the members'
/// recipients; a cid missing from Getui's answer (skipped as unknown) is `invalid`.
///
/// Creating a list message delivers nothing, so a failure of that step is never ambiguous: it
/// is resent with the persisted `request_id` (Getui answers a repeat with the first taskid, or
/// with 20001 `request_id cannot be repeat.`, and then the message is created again under a
/// fresh id). A failure of the list push is reported as it is, ambiguous included.
async fn merged_list(client: &GetuiClient, body: &[u8]) -> Result<Delivered, Failed> {
    let list: ListPushBody = serde_json::from_slice(body).map_err(|e| undecodable(GETUI_MERGED_LIST, &e))?;
    let Audience::Cid(cids) = list.audience else {
        let e = serde::de::Error::custom(format!("merged audience {}", list.audience.kind()));
        return Err(undecodable(GETUI_MERGED_LIST, &e));
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

fn getui_outcome(status: &CidStatus) -> &str {
    match status {
        CidStatus::SuccessedOnline => "delivered",
        CidStatus::SuccessedOffline => "offline",
        CidStatus::SuccessedIgnore => "ignored",
        other @ CidStatus::Other(_) => other.as_str(),
    }
}

/// Whether `failed` says the provider refused every recipient of the call: WeCom
/// `message/send` 81013 ("all of user, party and tag invalid").
pub(crate) fn refused_every_recipient(endpoint: &str, failed: &Failed) -> bool {
    Endpoint::parse(endpoint) == Some(Endpoint::WecomMessageSend) && failed.code == Some(81013)
}

/// The documented meaning of a provider error code of a call to `endpoint`.
pub(crate) fn code_meaning(endpoint: &str, code: Option<i64>) -> Option<&'static str> {
    let code = code?;
    match Endpoint::parse(endpoint)?.kind() {
        ChannelKind::Getui => yizhan_getui::errcode::describe(code),
        ChannelKind::WecomApp | ChannelKind::WecomRobot => yizhan_wecom::errcode::describe(code),
    }
}

fn wecom_failure(e: yizhan_wecom::Error) -> Failed {
    let failed = Failed {
        kind: e.kind(),
        code: e.code(),
        message: e.provider_message().map_or_else(|| e.to_string(), str::to_owned),
        ambiguous: e.is_ambiguous(),
    };
    super::local::or_local(failed, &e)
}

fn getui_failure(e: yizhan_getui::Error) -> Failed {
    let failed = Failed { kind: e.kind(), code: e.code(), message: e.to_string(), ambiguous: e.is_ambiguous() };
    super::local::or_local(failed, &e)
}
