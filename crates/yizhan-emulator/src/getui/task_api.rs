//! `DELETE /task/{taskid}`, `GET|DELETE /task/schedule/{taskid}` and
//! `GET /task/detail/{cid}/{taskid}` (Getui REST v2 docs: task API).
//!
//! * Stop: list and app tasks only → `{"code":0,"msg":"success"}` (idempotent); later list
//!   pushes with a stopped taskid answer 20001 `taskid is invalid`; a pending scheduled task is
//!   cancelled (`send_result` `has_delete`). Single or unknown taskids → 20001 `taskid is invalid`.
//! * Schedule query: `{taskid: {create_time, send_result, transmission_content, push_time}}`
//!   (times as ms strings; `send_result` `do_not_send` | `send_success` | `has_delete`).
//!   Not a scheduled task of this app → 400/22002.
//! * Schedule delete: already sent → 400/22001; less than a minute before its send time, already
//!   deleted, or not a scheduled task → 400/22002; else success.
//! * Detail: 401/10004 unless `task_detail_permission`; then `{"detail":[{time, event}]}` for the
//!   cid in that task (empty when it was not a target); unknown taskid → 20001 `taskid is invalid`.

use serde_json::{Value, json};

use super::Ctx;
use super::envelope::{Answer, Res};
use super::registry::PushStatus;
use super::tasks::{self, Kind, ScheduleState};
use super::time::{self, MINUTE_MS};

/// `DELETE /task/{taskid}`.
pub(super) fn stop(ctx: &Ctx<'_>) -> Res {
    let mut inner = ctx.getui().lock();
    let task = inner.tasks.get_mut(ctx.app, ctx.param(0)).filter(|t| t.kind != Kind::Single);
    let task = task.ok_or_else(|| Answer::invalid("taskid"))?;
    task.stopped = true;
    if let Some(schedule) = task.schedule.as_mut().filter(|s| s.state == ScheduleState::Pending) {
        schedule.state = ScheduleState::Deleted;
    }
    Ok(Answer::success())
}

/// `GET /task/schedule/{taskid}`.
pub(super) fn schedule(ctx: &Ctx<'_>) -> Res {
    let inner = ctx.getui().lock();
    let task = inner.tasks.get(ctx.app, ctx.param(0)).filter(|t| t.schedule.is_some());
    let task = task.ok_or_else(|| Answer::error(22002, "taskid is invalid"))?;
    let schedule = task.schedule.as_ref().ok_or_else(|| Answer::code(22002))?;
    let status = json!({
        "create_time": task.created_ms.to_string(),
        "send_result": schedule.state.as_str(),
        "transmission_content": tasks::transmission_content(task),
        "push_time": schedule.push_time_ms.to_string(),
    });
    Ok(Answer::success_data(json!({ task.id.as_ref(): status })))
}

/// `DELETE /task/schedule/{taskid}`.
pub(super) fn delete_schedule(ctx: &Ctx<'_>) -> Res {
    let mut inner = ctx.getui().lock();
    let task = inner.tasks.get_mut(ctx.app, ctx.param(0));
    let schedule = task.and_then(|t| t.schedule.as_mut()).ok_or_else(|| Answer::error(22002, "taskid is invalid"))?;
    match schedule.state {
        ScheduleState::Sent => Err(Answer::code(22001)),
        ScheduleState::Deleted => Err(Answer::error(22002, "schedule task has been deleted")),
        ScheduleState::Pending if schedule.push_time_ms - ctx.now_ms < MINUTE_MS => {
            Err(Answer::error(22002, "schedule task can not be deleted within 1 minute of its push time"))
        }
        ScheduleState::Pending => {
            schedule.state = ScheduleState::Deleted;
            Ok(Answer::success())
        }
    }
}

/// `GET /task/detail/{cid}/{taskid}`.
pub(super) fn detail(ctx: &Ctx<'_>) -> Res {
    if !ctx.config().task_detail_permission {
        return Err(Answer::code(10004));
    }
    let inner = ctx.getui().lock();
    let task = inner.tasks.get(ctx.app, ctx.param(1)).ok_or_else(|| Answer::invalid("taskid"))?;
    let mut events = vec![];
    for target in task.targets.iter().filter(|t| t.cid.as_ref() == ctx.param(0)) {
        let at = time::date_time(target.at_ms);
        events.push(json!({"time": at, "event": "消息请求成功"}));
        let outcome = match target.status {
            PushStatus::Online => "消息下发成功",
            PushStatus::Offline => "用户离线，消息已存储",
            PushStatus::Ignore => "用户超过90天不活跃，消息未下发",
        };
        events.push(json!({"time": at, "event": outcome}));
    }
    Ok(Answer::success_data(json!({ "detail": Value::Array(events) })))
}
