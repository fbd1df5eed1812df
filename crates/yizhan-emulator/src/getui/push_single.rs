//! `POST /push/single/cid`, `/push/single/alias`, `/push/single/batch/cid` and
//! `/push/single/batch/alias` (Getui REST v2 docs: push API).
//!
//! A single push names exactly one cid (or alias): more → 20001 `cid size over limit`; a cid not
//! in the registry, or an alias bound to no cid → 20001 `target user is invalid`. The answer is
//! `{taskid: {cid: status}}` with a fresh `RASS_…` taskid (every cid of an alias under one
//! taskid). Batches hold 1..=`batch_max` items (`msg_list size over limit`), each checked like a
//! single push; *choice*: one invalid item, or two items sharing a `request_id` (`contains
//! duplicate request_id`), rejects the whole call and nothing is sent. `is_async = true`
//! answers without `data`.

use serde_json::{Map, Value};

use super::config::DedupeAnswer;
use super::envelope::{Answer, Res};
use super::push::{self, Targets};
use super::tasks::Kind;
use super::validate::{self, Message, Rules, get, opt_bool};
use super::{Ctx, Inner};

/// One checked single push.
struct Item {
    message: Message,
    targets: Targets,
}

/// `POST /push/single/cid` (`by_alias` false) or `/push/single/alias`.
pub(super) fn single(ctx: &Ctx<'_>, by_alias: bool) -> Res {
    let map = validate::object(ctx.body)?;
    let mut inner = ctx.getui().lock();
    let item = prepare(ctx, &inner, &map, by_alias)?;
    if let Some(data) = push::repeat(ctx, &inner, &item.message) {
        return push::repeat_answer(ctx, data);
    }
    Ok(Answer::data(execute(ctx, &mut inner, &item)))
}

/// `POST /push/single/batch/cid` or `/push/single/batch/alias`.
pub(super) fn batch(ctx: &Ctx<'_>, by_alias: bool) -> Res {
    let map = validate::object(ctx.body)?;
    let is_async = opt_bool(&map, "is_async")?.unwrap_or(false);
    let list = match get(&map, "msg_list") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        None | Some(Value::Array(_)) => return Err(Answer::empty("msg_list")),
        Some(_) => return Err(Answer::type_error("msg_list")),
    };
    if list.len() > ctx.config().batch_max {
        return Err(Answer::over_limit("msg_list"));
    }
    let mut inner = ctx.getui().lock();
    let mut items = Vec::with_capacity(list.len());
    let mut ids = std::collections::HashSet::new();
    for value in list {
        let item_map = value.as_object().ok_or_else(|| Answer::invalid("msg_list"))?;
        let item = prepare(ctx, &inner, item_map, by_alias)?;
        if let Some(id) = &item.message.request_id
            && !ids.insert(id.clone())
        {
            return Err(Answer::param("contains duplicate request_id"));
        }
        items.push(item);
    }
    let error_mode = ctx.config().dedupe_answer == DedupeAnswer::Error;
    if error_mode && items.iter().any(|item| push::is_repeat(ctx, &inner, &item.message)) {
        for item in &items {
            push::repeat(ctx, &inner, &item.message);
        }
        return Err(Answer::param(push::REPEAT_MSG));
    }
    let mut data = Map::new();
    for item in &items {
        let result = match push::repeat(ctx, &inner, &item.message) {
            Some(original) => original,
            None => execute(ctx, &mut inner, item),
        };
        if let Value::Object(result) = result {
            data.extend(result);
        }
    }
    Ok(if is_async { push::accepted() } else { Answer::data(Value::Object(data)) })
}

/// Checks one single push and resolves its target.
fn prepare(ctx: &Ctx<'_>, inner: &Inner, map: &Map<String, Value>, by_alias: bool) -> Result<Item, Answer> {
    let rules = Rules { request_id_required: true, schedule_allowed: false, now_ms: ctx.now_ms };
    let body = validate::push_body(map, rules)?;
    let audience = validate::audience(map)?;
    let key = if by_alias { "alias" } else { "cid" };
    let names = validate::string_list(audience, key, 1)?;
    let registry = &inner.registry;
    let cids: Vec<&str> =
        if by_alias { registry.alias_cids(&names[0]).iter().map(String::as_str).collect() } else { vec![&names[0]] };
    let targets: Targets =
        cids.iter().filter_map(|cid| registry.get(cid)).map(|cid| (cid.id.clone(), cid.push_status())).collect();
    if targets.is_empty() {
        return Err(Answer::param("target user is invalid"));
    }
    Ok(Item { message: body.message, targets })
}

/// Sends a fresh single push and remembers its request_id; returns `{taskid: {cid: status}}`.
fn execute(ctx: &Ctx<'_>, inner: &mut Inner, item: &Item) -> Value {
    let taskid = push::deliver_new(ctx, inner, Kind::Single, &item.message, &item.targets);
    let data = push::task_statuses(&taskid, &item.targets);
    push::remember(ctx, inner, &item.message, &data, &[(taskid, item.targets.clone())]);
    data
}
