//! `GET /report/push/task/{taskids}` and `GET /report/push/date/{yyyy-MM-dd}` (docs/getui-client.md,
//! "Revoke and reports"), derived from what the emulator recorded (deduplicated entries excluded).
//!
//! Per task: `target_num` = every target (inactive included), `msg_num` = targets that were sent
//! (online + offline), `receive_num` = online targets, `display_num` = online targets of a
//! notification, `click_num` = 0; `gt` repeats the four channel counters. Any known taskid of the
//! app may be asked for (single ones included, *choice*); unknown ones are left out; more than
//! 200 → 20001 `taskid size over limit`. Per date (UTC+8, today allowed, *choice*): the same
//! counters over the app's deliveries of that day; a malformed date → 20001 `date is invalid`.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::envelope::{Answer, Res};
use super::tasks::Counts;
use super::time;

/// Most taskids per report call.
const MAX_TASKIDS: usize = 200;

fn channel(c: Counts) -> Value {
    json!({"target_num": c.target, "receive_num": c.online, "display_num": c.display, "click_num": 0})
}

/// `GET /report/push/task/{taskid,…}`.
pub(super) fn task(ctx: &Ctx<'_>) -> Res {
    let ids: Vec<&str> = ctx.param(0).split(',').filter(|t| !t.is_empty()).collect();
    if ids.is_empty() {
        return Err(Answer::empty("taskid"));
    }
    if ids.len() > MAX_TASKIDS {
        return Err(Answer::over_limit("taskid"));
    }
    let inner = ctx.getui().lock();
    let mut result = Map::new();
    for task in ids.into_iter().filter_map(|id| inner.tasks.get(ctx.app, id)) {
        let c = Counts::of(task);
        let total = json!({
            "msg_num": c.online + c.offline,
            "target_num": c.target,
            "receive_num": c.online,
            "display_num": c.display,
            "click_num": 0,
        });
        result.insert(task.id.to_string(), json!({"total": total, "gt": channel(c)}));
    }
    Ok(Answer::success_data(Value::Object(result)))
}

/// `GET /report/push/date/{yyyy-MM-dd}`.
pub(super) fn date(ctx: &Ctx<'_>) -> Res {
    let date = ctx.param(0);
    let day = time::parse_date(date).ok_or_else(|| Answer::invalid("date"))?;
    let counts = ctx.getui().lock().tasks.daily(ctx.app, day);
    Ok(Answer::success_data(json!({ date: {"total": channel(counts), "gt": channel(counts)} })))
}
