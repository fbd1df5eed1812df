//! Planning a request for a `getui` channel.
//!
//! The `request_id` is chosen here, once (from `options.request_id` or random), and is part of
//! every stored body, so every retry of a dispatch carries the same id and Getui drops the
//! repeat. One cid or alias is a single push; several are a list push planned as one
//! `/push/list/message` dispatch (carrying the `request_id`) followed by one ordered dispatch per
//! chunk of ≤1000 (`after_seq` = the create call), whose stored body holds an empty taskid: the
//! chunk is sent with the taskid its create call recorded, which the store hands on with the
//! claim. Each chunk is retried alone and never resent once delivered.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use yizhan_getui::api::{
    push_all, push_list_alias, push_list_cid, push_list_message, push_single_alias, push_single_cid, push_tag,
};
use yizhan_getui::push::limits::AUDIENCE_MAX;
use yizhan_getui::push::{Audience, Condition, OptType, PushMessage, PushRequest, RequestId};
use yizhan_getui::validate::ValidationError;

use crate::gateway::model::{self, Content, MessageRequest};
use crate::gateway::plan::{invalid, reject_recipients, unsupported_content};
use crate::gateway::{ApiError, PlannedDispatch};
use crate::providers::{Recipient, endpoint};

/// A list push in one body: the merged call of coalesced single pushes
/// ([`endpoint::GETUI_MERGED_LIST`], see [`super::coalesce`]), and the body of legacy
/// [`endpoint::GETUI_PUSH_LIST`] dispatches (no longer planned).
///
/// The worker sends it as `POST /push/list/message` with `message` (carrying the fixed
/// `request_id`), then `/push/list/cid` (or `/push/list/alias`, legacy only) for each chunk of at
/// most 1000 of `audience`, all with the taskid the first call returned. A retry sends the whole
/// body again: the first call is deduplicated by its `request_id`; the list pushes are not known
/// to be, so an ambiguous failure of a merged call is not retried (the legacy endpoint resends
/// every chunk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListPushBody {
    /// The `/push/list/message` body (no audience).
    pub message: PushRequest,
    /// The cids or aliases, any number (sent in chunks of 1000).
    pub audience: Audience,
}

/// Whom a Getui push goes to. Shared by `yizhan send` and the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Client ids: one is a single push, several a list push.
    Cids(Vec<String>),
    /// Aliases: one is a single push, several a list push.
    Aliases(Vec<String>),
    /// Tag conditions (`/push/tag`).
    Tags(Vec<Condition>),
    /// Every user of the app (`/push/all`).
    All,
}

/// A push that is one call with one body: single, tag or app push.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectPush {
    /// `/push/single/cid`
    SingleCid(push_single_cid::Request),
    /// `/push/single/alias`
    SingleAlias(push_single_alias::Request),
    /// `/push/tag`
    Tag(push_tag::Request),
    /// `/push/all`
    All(push_all::Request),
}

impl DirectPush {
    /// The gateway's endpoint name (see [`endpoint`]).
    pub fn endpoint(&self) -> &'static str {
        match self {
            DirectPush::SingleCid(_) => endpoint::GETUI_PUSH_SINGLE_CID,
            DirectPush::SingleAlias(_) => endpoint::GETUI_PUSH_SINGLE_ALIAS,
            DirectPush::Tag(_) => endpoint::GETUI_PUSH_TAG,
            DirectPush::All(_) => endpoint::GETUI_PUSH_ALL,
        }
    }

    /// The Getui path, e.g. `/push/single/cid`.
    pub fn path(&self) -> &'static str {
        match self {
            DirectPush::SingleCid(_) => push_single_cid::PATH,
            DirectPush::SingleAlias(_) => push_single_alias::PATH,
            DirectPush::Tag(_) => push_tag::PATH,
            DirectPush::All(_) => push_all::PATH,
        }
    }

    /// The exact JSON body.
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            DirectPush::SingleCid(r) => serde_json::to_vec(r),
            DirectPush::SingleAlias(r) => serde_json::to_vec(r),
            DirectPush::Tag(r) => serde_json::to_vec(r),
            DirectPush::All(r) => serde_json::to_vec(r),
        }
    }
}

/// The validated single, tag or app push of `body` to `target`, or `None` when `target` is
/// several cids or aliases (a list push: see [`ListPushBody`]).
pub fn direct_push(target: &Target, body: &PushRequest, now_ms: i64) -> Result<Option<DirectPush>, ValidationError> {
    let with = |audience: Audience| PushRequest { audience: Some(audience), ..body.clone() };
    let push = match target {
        Target::Cids(cids) if cids.len() == 1 => {
            let r = push_single_cid::Request(with(Audience::cids(cids.clone())));
            r.validate(now_ms)?;
            DirectPush::SingleCid(r)
        }
        Target::Aliases(aliases) if aliases.len() == 1 => {
            let r = push_single_alias::Request(with(Audience::aliases(aliases.clone())));
            r.validate(now_ms)?;
            DirectPush::SingleAlias(r)
        }
        Target::Cids(_) | Target::Aliases(_) => return Ok(None),
        Target::Tags(conditions) => {
            let r = push_tag::Request(with(Audience::Tag(conditions.clone())));
            r.validate(now_ms)?;
            DirectPush::Tag(r)
        }
        Target::All => {
            let r = push_all::Request(with(Audience::All));
            r.validate(now_ms)?;
            DirectPush::All(r)
        }
    };
    Ok(Some(push))
}

/// The dispatch of a Getui message.
pub fn dispatches(request: &MessageRequest, channel: &str, now_ms: i64) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, channel, "getui", &["cids", "aliases", "tag_conditions", "all"])?;
    let Content::Getui(content) = &request.content else {
        return Err(unsupported_content(
            &request.content,
            channel,
            "getui",
            "getui (a notification or a transmission)",
        ));
    };
    let push_message = match (&content.notification, &content.transmission) {
        (Some(n), None) => PushMessage::notification(n.clone()),
        (None, Some(t)) => PushMessage::transmission(t.clone()),
        _ => return Err(ApiError::validation("content.getui", "give exactly one of notification and transmission")),
    };
    let request_id = match &request.options.request_id {
        Some(id) => RequestId::parse(id.clone()).map_err(|e| invalid(&e.field, &e.problem, request))?,
        None => RequestId::random(),
    };
    let body = PushRequest {
        request_id,
        group_name: content.group_name.clone(),
        audience: None,
        settings: content.settings.clone(),
        push_message,
        push_channel: content.push_channel.clone(),
    };
    let to = &request.to;
    let targets = [!to.cids.is_empty(), !to.aliases.is_empty(), !to.tag_conditions.is_empty(), to.all];
    if targets.iter().filter(|t| **t).count() != 1 {
        return Err(ApiError::validation("to", "give exactly one of cids, aliases, tag_conditions and all"));
    }
    let target = if !to.cids.is_empty() {
        Target::Cids(to.cids.clone())
    } else if !to.aliases.is_empty() {
        Target::Aliases(to.aliases.clone())
    } else if to.all {
        Target::All
    } else {
        Target::Tags(to.tag_conditions.iter().map(condition).collect())
    };
    let Some(push) = direct_push(&target, &body, now_ms).map_err(|e| invalid(&e.field, &e.problem, request))? else {
        return list_dispatches(body, &target, request, now_ms);
    };
    let recipients = match &target {
        Target::Cids(ids) => ids.iter().map(|id| Recipient::Cid(id).label()).collect(),
        Target::Aliases(ids) => ids.iter().map(|id| Recipient::Alias(id).label()).collect(),
        Target::All => vec!["all".to_owned()],
        Target::Tags(_) => to
            .tag_conditions
            .iter()
            .map(|c| format!("tag_condition:{}:{}:{}", c.key, c.opt_type.as_str(), c.values.join(",")))
            .collect(),
    };
    let json = push.to_json().map_err(serialization)?;
    let dedupe_id = Some(body.request_id.as_str().to_owned());
    Ok(vec![PlannedDispatch { endpoint: push.endpoint(), body: json, dedupe_id, recipients, after: None }])
}

/// A list push: the `/push/list/message` call (with the `request_id`), then one dispatch per
/// chunk of ≤1000 cids or aliases, each ordered after the first with an empty taskid (sent with
/// the taskid the first one recorded).
fn list_dispatches(
    body: PushRequest,
    target: &Target,
    request: &MessageRequest,
    now_ms: i64,
) -> Result<Vec<PlannedDispatch>, ApiError> {
    let check = |result: Result<(), ValidationError>| result.map_err(|e| invalid(&e.field, &e.problem, request));
    let (ids, audience, by_alias) = match target {
        Target::Aliases(ids) => (ids, Audience::aliases(ids.clone()), true),
        Target::Cids(ids) => (ids, Audience::cids(ids.clone()), false),
        Target::Tags(_) | Target::All => return Err(ApiError::internal("a tag or app push is not a list push")),
    };
    let create = push_list_message::Request(body);
    check(create.validate(now_ms))?;
    check_list(ids, &audience, request)?;
    let mut out = vec![PlannedDispatch {
        endpoint: endpoint::GETUI_PUSH_LIST_MESSAGE,
        body: serde_json::to_vec(&create).map_err(serialization)?,
        dedupe_id: Some(create.0.request_id.as_str().to_owned()),
        recipients: Vec::new(),
        after: None,
    }];
    for chunk in ids.chunks(AUDIENCE_MAX) {
        let (endpoint, json, prefix) = if by_alias {
            let r = push_list_alias::Request::new(String::new(), chunk.iter().cloned());
            (endpoint::GETUI_PUSH_LIST_ALIAS, serde_json::to_vec(&r), "alias")
        } else {
            let r = push_list_cid::Request::new(String::new(), chunk.iter().cloned());
            (endpoint::GETUI_PUSH_LIST_CID, serde_json::to_vec(&r), "cid")
        };
        out.push(PlannedDispatch {
            endpoint,
            body: json.map_err(serialization)?,
            dedupe_id: None,
            recipients: chunk.iter().map(|id| format!("{prefix}:{id}")).collect(),
            after: Some(0),
        });
    }
    Ok(out)
}

/// Checks a list audience chunk by chunk (Getui's limit is per call) and for duplicates across
/// chunks; errors name the index in the whole list.
fn check_list(ids: &[String], audience: &Audience, request: &MessageRequest) -> Result<(), ApiError> {
    let key = audience.kind();
    for (n, chunk) in ids.chunks(AUDIENCE_MAX).enumerate() {
        let part = match audience {
            Audience::Alias { .. } => Audience::aliases(chunk.iter().cloned()),
            _ => Audience::cids(chunk.iter().cloned()),
        };
        if let Err(mut e) = part.validate() {
            let prefix = format!("audience.{key}[");
            if let Some((index, rest)) = e.field.strip_prefix(&prefix).and_then(|r| r.split_once(']'))
                && let Ok(i) = index.parse::<usize>()
            {
                e.field = format!("{prefix}{}]{rest}", i + n * AUDIENCE_MAX);
            }
            return Err(invalid(&e.field, &e.problem, request));
        }
    }
    let mut seen = HashSet::new();
    if let Some((i, id)) = ids.iter().enumerate().find(|(_, id)| !seen.insert(id.as_str())) {
        return Err(invalid(&format!("audience.{key}[{i}]"), &format!("{id:?} is listed twice"), request));
    }
    Ok(())
}

fn condition(c: &model::TagCondition) -> Condition {
    let op = match c.opt_type {
        model::OptType::Or => OptType::Or,
        model::OptType::And => OptType::And,
        model::OptType::Not => OptType::Not,
    };
    Condition::new(c.key.clone(), c.values.iter().cloned(), op)
}

fn serialization(e: serde_json::Error) -> ApiError {
    ApiError::internal(format!("cannot serialize the provider body: {e}"))
}
