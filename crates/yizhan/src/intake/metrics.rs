//! Intake counters for `/metrics`: notifications by source, route and outcome.
//!
//! `yizhan_intake_notifications_total{source, route, outcome}` where outcome is `routed`
//! (messages accepted), `unrouted` (no route with channels took any alert: answered 202 with
//! `routed: 0`), `refused` (a payload that cannot be parsed) or `failed` (a route could not
//! render or deliver it). `route` is the URL's route name, only for configured routes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use super::payload::Source;

/// What happened to a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Messages were accepted.
    Routed,
    /// No route took any alert.
    Unrouted,
    /// The payload was refused (400/422).
    Refused,
    /// A route could not render or deliver it.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Routed => "routed",
            Outcome::Unrouted => "unrouted",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// The counters of one server.
#[derive(Debug, Default)]
pub struct IntakeCounters {
    counts: Mutex<BTreeMap<(&'static str, String, Outcome), u64>>,
}

impl IntakeCounters {
    /// Counts one notification.
    pub fn count(&self, source: Source, route: &str, outcome: Outcome) {
        let mut counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry((source.as_str(), route.to_owned(), outcome)).or_default() += 1;
    }

    /// Appends the counters in the Prometheus text format.
    pub fn write(&self, out: &mut String) {
        let counts = self.counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        out.push_str(
            "# HELP yizhan_intake_notifications_total Alert notifications received, by source, route and outcome.\n\
             # TYPE yizhan_intake_notifications_total counter\n",
        );
        for ((source, route, outcome), n) in counts.iter() {
            let _ = writeln!(
                out,
                "yizhan_intake_notifications_total{{source=\"{source}\",route=\"{route}\",outcome=\"{}\"}} {n}",
                outcome.as_str()
            );
        }
    }
}
