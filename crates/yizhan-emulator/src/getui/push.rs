//! What every push endpoint shares: the `request_id` dedupe, task creation with delivery, and
//! the `{taskid: {cid: status}}` result shape.
//!
//! A repeated `request_id` (same app, within `request_id_window_ms`) is never delivered again:
//! the inbox gets one `deduplicated = true` entry per target of the original push (with the
//! original taskid and status) and the call answers the original `data`, or HTTP 400 / 20001
//! `request_id cannot be repeat.` with `dedupe_answer = "error"`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::config::DedupeAnswer;
use super::envelope::{Answer, Res};
use super::ledger::Remembered;
use super::registry::PushStatus;
use super::tasks::Kind;
use super::validate::Message;
use super::{Ctx, Inner};
use crate::inbox::{Outcome, Record};

/// The cids a push reaches, with their status.
pub(super) type Targets = Vec<(Arc<str>, PushStatus)>;

/// The answer to a repeated `request_id`.
pub(super) const REPEAT_MSG: &str = "request_id cannot be repeat.";

/// Whether `message`'s `request_id` was already accepted within the window.
pub(super) fn is_repeat(ctx: &Ctx<'_>, inner: &Inner, message: &Message) -> bool {
    message
        .request_id
        .as_deref()
        .is_some_and(|id| inner.ledger.recall(ctx.app, id, ctx.now_ms, ctx.config().request_id_window_ms).is_some())
}

/// For a repeated `request_id`: records the deduplicated entries and returns the original data.
pub(super) fn repeat(ctx: &Ctx<'_>, inner: &Inner, message: &Message) -> Option<Value> {
    let id = message.request_id.as_ref()?;
    let earlier = inner.ledger.recall(ctx.app, id, ctx.now_ms, ctx.config().request_id_window_ms)?;
    let records = earlier
        .targets
        .iter()
        .map(|(taskid, cid, status)| Record {
            provider: "getui",
            app: ctx.label().clone(),
            recipient: cid.clone(),
            msgtype: message.msgtype,
            content: message.content.clone(),
            msgid: taskid.clone(),
            outcome: Outcome::Deduplicated,
            at_ms: ctx.now_ms,
            request_id: Some(id.clone()),
            status: Some(status.as_str()),
        })
        .collect();
    ctx.record(records);
    Some(earlier.data.clone())
}

/// The answer to a repeat, per `dedupe_answer`, given the original data.
pub(super) fn repeat_answer(ctx: &Ctx<'_>, data: Value) -> Res {
    match ctx.config().dedupe_answer {
        DedupeAnswer::Original => Ok(Answer::data(data)),
        DedupeAnswer::Error => Err(Answer::param(REPEAT_MSG)),
    }
}

/// Creates a task of `kind` for `message`, delivers it to `targets` now and records the inbox
/// entries; returns the taskid.
pub(super) fn deliver_new(
    ctx: &Ctx<'_>,
    inner: &mut Inner,
    kind: Kind,
    message: &Message,
    targets: &Targets,
) -> Arc<str> {
    let taskid = inner.tasks.create(ctx.app, kind, message.clone(), None, ctx.now_ms);
    let records = inner.tasks.deliver(&taskid, targets, ctx.now_ms, ctx.label());
    ctx.record(records);
    taskid
}

/// Remembers an accepted push under its `request_id` (if any) with its answer data.
pub(super) fn remember(
    ctx: &Ctx<'_>,
    inner: &mut Inner,
    message: &Message,
    data: &Value,
    reached: &[(Arc<str>, Targets)],
) {
    let Some(id) = message.request_id.clone() else {
        return;
    };
    let targets = reached
        .iter()
        .flat_map(|(taskid, targets)| targets.iter().map(|(cid, status)| (taskid.clone(), cid.clone(), *status)))
        .collect();
    let entry = Remembered { at_ms: ctx.now_ms, data: data.clone(), targets };
    inner.ledger.remember(ctx.app, id, entry, ctx.config().request_id_window_ms);
}

/// `{cid: status, …}`.
pub(super) fn statuses(targets: &Targets) -> Value {
    let map: Map<String, Value> =
        targets.iter().map(|(cid, status)| (cid.to_string(), Value::from(status.as_str()))).collect();
    Value::Object(map)
}

/// `{taskid: {cid: status, …}}`.
pub(super) fn task_statuses(taskid: &str, targets: &Targets) -> Value {
    let mut map = Map::new();
    map.insert(taskid.to_owned(), statuses(targets));
    Value::Object(map)
}

/// `{"code":0,"msg":""}` without data (async pushes).
pub(super) fn accepted() -> Answer {
    Answer::error(0, "")
}
