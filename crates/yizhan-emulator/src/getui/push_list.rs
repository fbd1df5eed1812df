//! `POST /push/list/message`, `/push/list/cid` and `/push/list/alias` (Getui REST v2 docs: push
//! API).
//!
//! `/push/list/message` checks the body (no audience needed; `request_id` optional and deduped
//! when given) and stores it under a new `RASL_…` taskid: `{"taskid": …}`. The list pushes take
//! `taskid` (a list task of this app that was not stopped, else 20001 `taskid is invalid`;
//! reusable across any number of calls) and 1..=`list_audience_max` cids or aliases (`cid size
//! over limit`, `contains duplicate cid`). *Choice*: unknown cids / aliases are skipped; when
//! none is left → 20001 `target user is invalid`. A cid pushed twice with one taskid is recorded
//! twice. Targets count toward `list_push_per_day` (30008). Answer `{taskid: {cid: status}}`, or
//! with `need_alias_detail` `{taskid: {alias: {cid: status}}}`; none when `is_async`.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::envelope::{Answer, Res};
use super::push::{self, Targets};
use super::tasks::Kind;
use super::validate::{self, Rules, opt_bool, req_str};

/// `POST /push/list/message`.
pub(super) fn message(ctx: &Ctx<'_>) -> Res {
    let map = validate::object(ctx.body)?;
    let rules = Rules { request_id_required: false, schedule_allowed: false, now_ms: ctx.now_ms };
    let body = validate::push_body(&map, rules)?;
    let mut inner = ctx.getui().lock();
    if let Some(data) = push::repeat(ctx, &inner, &body.message) {
        return push::repeat_answer(ctx, data);
    }
    inner.ledger.admit_list(ctx.app, ctx.now_ms, 0, ctx.config().list_push_per_day)?;
    let taskid = inner.tasks.create(ctx.app, Kind::List, body.message.clone(), None, ctx.now_ms);
    let data = json!({ "taskid": taskid.as_ref() });
    push::remember(ctx, &mut inner, &body.message, &data, &[]);
    Ok(Answer::data(data))
}

/// `POST /push/list/cid` (`by_alias` false) or `/push/list/alias`.
pub(super) fn push(ctx: &Ctx<'_>, by_alias: bool) -> Res {
    let map = validate::object(ctx.body)?;
    let taskid = req_str(&map, "taskid")?;
    let is_async = opt_bool(&map, "is_async")?.unwrap_or(false);
    let alias_detail = by_alias && opt_bool(&map, "need_alias_detail")?.unwrap_or(false);
    let audience = validate::audience(&map)?;
    let key = if by_alias { "alias" } else { "cid" };
    let names = validate::string_list(audience, key, ctx.config().list_audience_max)?;
    let mut inner = ctx.getui().lock();
    let task = inner.tasks.get(ctx.app, taskid).filter(|t| t.kind == Kind::List && !t.stopped);
    let taskid: Arc<str> = task.ok_or_else(|| Answer::invalid("taskid"))?.id.clone();
    let registry = &inner.registry;
    let resolve = |cids: &mut dyn Iterator<Item = &str>| -> Targets {
        cids.filter_map(|cid| registry.get(cid)).map(|c| (c.id.clone(), c.push_status())).collect()
    };
    let groups: Vec<(&str, Targets)> = if by_alias {
        names.iter().map(|a| (a.as_str(), resolve(&mut registry.alias_cids(a).iter().map(String::as_str)))).collect()
    } else {
        vec![("", resolve(&mut names.iter().map(String::as_str)))]
    };
    let targets: Targets = groups.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
    if targets.is_empty() {
        return Err(Answer::param("target user is invalid"));
    }
    let count = u64::try_from(targets.len()).unwrap_or(u64::MAX);
    inner.ledger.admit_list(ctx.app, ctx.now_ms, count, ctx.config().list_push_per_day)?;
    let records = inner.tasks.deliver(&taskid, &targets, ctx.now_ms, ctx.label());
    ctx.record(records);
    if is_async {
        return Ok(push::accepted());
    }
    if !alias_detail {
        return Ok(Answer::data(push::task_statuses(&taskid, &targets)));
    }
    let detail: Map<String, Value> = groups
        .iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(alias, t)| ((*alias).to_owned(), push::statuses(t)))
        .collect();
    Ok(Answer::data(json!({ taskid.as_ref(): detail })))
}
