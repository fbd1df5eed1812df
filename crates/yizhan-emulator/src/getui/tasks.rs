//! Tasks: every taskid issued, what it carried, who got it, its schedule, and the counters the
//! report API reads (per task and per app and UTC+8 day).
//!
//! Taskids are `RASS_MMdd_<32 hex>` (single), `RASL_MMdd_<32 hex>` (list) and
//! `RASA_MMdd_<32 hex>` (app, tag, fast_custom_tag); clients must treat them as opaque. At most
//! [`TASK_CAPACITY`] tasks are kept; the oldest that is not a pending schedule goes first.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use super::registry::{Condition, PushStatus};
use super::time;
use super::validate::Message;
use crate::inbox::Record;

/// Most tasks kept at once.
const TASK_CAPACITY: usize = 100_000;

/// Which family of push created a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `/push/single/*` (RASS).
    Single,
    /// `/push/list/message` (RASL).
    List,
    /// `/push/all`, `/push/tag`, `/push/fast_custom_tag` (RASA).
    App,
}

/// The audience of an app task, resolved against the registry when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AppAudience {
    All,
    Tag(Vec<Condition>),
    FastTag(String),
}

/// The state of a scheduled task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ScheduleState {
    Pending,
    Sent,
    Deleted,
}

impl ScheduleState {
    /// The `send_result` spelling of `/task/schedule`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "do_not_send",
            Self::Sent => "send_success",
            Self::Deleted => "has_delete",
        }
    }
}

/// A scheduled app task.
#[derive(Debug, Clone)]
pub(super) struct Schedule {
    pub(super) push_time_ms: i64,
    pub(super) state: ScheduleState,
    pub(super) audience: AppAudience,
}

/// One target of a task and what happened to it.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) cid: Arc<str>,
    pub(super) status: PushStatus,
    pub(super) at_ms: i64,
}

/// One task.
#[derive(Debug, Clone)]
pub(super) struct Task {
    pub(super) app: usize,
    pub(super) kind: Kind,
    pub(super) id: Arc<str>,
    pub(super) created_ms: i64,
    pub(super) message: Message,
    pub(super) stopped: bool,
    pub(super) schedule: Option<Schedule>,
    pub(super) targets: Vec<Target>,
}

/// Delivery counters (report API).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) target: u64,
    pub(super) online: u64,
    pub(super) offline: u64,
    pub(super) display: u64,
}

impl Counts {
    fn add(&mut self, status: PushStatus, notification: bool) {
        self.target += 1;
        match status {
            PushStatus::Online => {
                self.online += 1;
                self.display += u64::from(notification);
            }
            PushStatus::Offline => self.offline += 1,
            PushStatus::Ignore => {}
        }
    }

    /// The counters of a task's targets.
    pub(super) fn of(task: &Task) -> Self {
        let mut counts = Self::default();
        let notification = task.message.msgtype == "notification";
        task.targets.iter().for_each(|t| counts.add(t.status, notification));
        counts
    }
}

/// Every task since the last reset, and per-day counters.
#[derive(Debug, Default)]
pub(super) struct Tasks {
    by_id: HashMap<Arc<str>, Task>,
    daily: HashMap<(usize, i64), Counts>,
    /// (push time, id) of scheduled tasks not yet handed out by [`Tasks::due`].
    queue: BTreeSet<(i64, Arc<str>)>,
    /// Task ids, oldest first, for forgetting.
    order: VecDeque<Arc<str>>,
}

fn new_taskid(kind: Kind, now_ms: i64) -> Arc<str> {
    let prefix = match kind {
        Kind::Single => "RASS",
        Kind::List => "RASL",
        Kind::App => "RASA",
    };
    let random = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    format!("{prefix}_{}_{random}", time::month_day(now_ms)).into()
}

impl Tasks {
    /// Creates a task and returns its id.
    pub(super) fn create(
        &mut self,
        app: usize,
        kind: Kind,
        message: Message,
        schedule: Option<Schedule>,
        now_ms: i64,
    ) -> Arc<str> {
        let id = new_taskid(kind, now_ms);
        if let Some(schedule) = &schedule {
            self.queue.insert((schedule.push_time_ms, id.clone()));
        }
        let task =
            Task { app, kind, id: id.clone(), created_ms: now_ms, message, stopped: false, schedule, targets: vec![] };
        self.by_id.insert(id.clone(), task);
        self.order.push_back(id.clone());
        self.forget_oldest();
        id
    }

    /// Drops the oldest tasks above the capacity, keeping pending schedules.
    fn forget_oldest(&mut self) {
        let mut budget = self.order.len();
        while self.by_id.len() > TASK_CAPACITY && budget > 0 {
            budget -= 1;
            let Some(id) = self.order.pop_front() else { break };
            let pending = self
                .by_id
                .get(&id)
                .and_then(|t| t.schedule.as_ref())
                .is_some_and(|s| s.state == ScheduleState::Pending);
            if pending {
                self.order.push_back(id);
            } else {
                self.by_id.remove(&id);
            }
        }
    }

    /// The task `id` of `app`.
    pub(super) fn get(&self, app: usize, id: &str) -> Option<&Task> {
        self.by_id.get(id).filter(|t| t.app == app)
    }

    /// The task `id` of `app`, mutably.
    pub(super) fn get_mut(&mut self, app: usize, id: &str) -> Option<&mut Task> {
        self.by_id.get_mut(id).filter(|t| t.app == app)
    }

    /// Records that task `id` went to `targets` at `at_ms`; returns the inbox records.
    pub(super) fn deliver(
        &mut self,
        id: &str,
        targets: &[(Arc<str>, PushStatus)],
        at_ms: i64,
        app_label: &Arc<str>,
    ) -> Vec<Record> {
        let Some(task) = self.by_id.get_mut(id) else {
            return vec![];
        };
        let notification = task.message.msgtype == "notification";
        let daily = self.daily.entry((task.app, time::day(at_ms))).or_default();
        let mut records = Vec::with_capacity(targets.len());
        for (cid, status) in targets {
            daily.add(*status, notification);
            task.targets.push(Target { cid: cid.clone(), status: *status, at_ms });
            records.push(record(task, cid, *status, at_ms, app_label));
        }
        records
    }

    /// The counters of `app`'s deliveries on UTC+8 day `day`.
    pub(super) fn daily(&self, app: usize, day: i64) -> Counts {
        self.daily.get(&(app, day)).copied().unwrap_or_default()
    }

    /// (push time, id) of pending, unstopped scheduled tasks whose time has come, oldest first.
    /// Each is handed out once.
    pub(super) fn due(&mut self, now_ms: i64) -> Vec<(i64, Arc<str>)> {
        if self.queue.first().is_none_or(|(at, _)| *at > now_ms) {
            return vec![];
        }
        let later = self.queue.split_off(&(now_ms.saturating_add(1), Arc::from("")));
        let due = std::mem::replace(&mut self.queue, later);
        due.into_iter()
            .filter(|(_, id)| {
                self.by_id.get(id).is_some_and(|t| {
                    !t.stopped && t.schedule.as_ref().is_some_and(|s| s.state == ScheduleState::Pending)
                })
            })
            .collect()
    }

    /// The app and audience of the scheduled task `id`.
    pub(super) fn scheduled_audience(&self, id: &str) -> Option<(usize, AppAudience)> {
        let task = self.by_id.get(id)?;
        Some((task.app, task.schedule.as_ref()?.audience.clone()))
    }
}

/// An inbox record of `task` for one cid.
pub(super) fn record(task: &Task, cid: &Arc<str>, status: PushStatus, at_ms: i64, app_label: &Arc<str>) -> Record {
    Record {
        provider: "getui",
        app: app_label.clone(),
        recipient: cid.clone(),
        msgtype: task.message.msgtype,
        content: task.message.content.clone(),
        msgid: task.id.clone(),
        outcome: status.outcome(),
        at_ms,
        request_id: task.message.request_id.clone(),
        status: Some(status.as_str()),
    }
}

/// `transmission_content` of `/task/schedule`: the transmission text, else "".
pub(super) fn transmission_content(task: &Task) -> String {
    task.message.content.get("transmission").and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn taskids_and_counts() {
        let mut tasks = Tasks::default();
        let message = Message { msgtype: "notification", content: Arc::new(json!({})), request_id: None };
        let id = tasks.create(0, Kind::List, message, None, 1_700_000_000_000);
        assert!(id.starts_with("RASL_1115_") && id.len() == 42, "{id}");
        let label: Arc<str> = "app".into();
        let targets = [("a".into(), PushStatus::Online), ("b".into(), PushStatus::Ignore)];
        let records = tasks.deliver(&id, &targets, 1_700_000_000_000, &label);
        assert_eq!(records.len(), 2);
        let counts = Counts::of(tasks.get(0, &id).expect("task"));
        assert_eq!(counts, Counts { target: 2, online: 1, offline: 0, display: 1 });
        assert_eq!(tasks.daily(0, time::day(1_700_000_000_000)), counts);
        assert!(tasks.get(1, &id).is_none(), "tasks belong to their app");
    }
}
