//! Traffic shaping (docs/shaping.md). This part: the quota ledger and deferral.
//!
//! WeCom drops app messages beyond 30/min or 1000/h to one member *silently*; robots answer
//! 45009 beyond 20/min; Getui takes push/all + push/tag 5 per minute and a few per day. The
//! worker asks [`Shaping::admit`] before every provider call: each recipient (and each call,
//! for per-call budgets) takes a unit from the [`ledger::QuotaLedger`]. Units granted for all →
//! send. Some recipients over budget → [`Admission::Split`]: the dispatch is split durably
//! (`Store::split_dispatch`), the recipients within budget go now, the rest become a new
//! dispatch due when their windows allow. Nothing granted → [`Admission::Defer`]: the whole
//! dispatch waits, without spending an attempt. Work is never dropped and never sent into a drop.
//!
//! * [`config`]: `[shaping.quota]` and `[channels.quota]`, with the providers' defaults.
//! * [`rules`]: which keys and windows a call takes, per endpoint.
//! * [`ledger`]: the counters ([`ledger::QuotaLedger::Local`] in process, or
//!   [`ledger::QuotaLedger::Shared`] through Redis/PostgreSQL for several instances).
//! * [`split`]: rewriting a WeCom body for a subset of its users.
//! * `metrics`: deferral counters and per-channel usage for `/metrics` and `GET /v1/channels`.

pub mod config;
pub mod ledger;
mod metrics;
pub mod rules;
pub mod split;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::providers::Recipient;
use tokio::sync::OnceCell;
use yizhan_core::window::Grant;
use yizhan_store::{ClaimedDispatch, DispatchPart, Store, StoreError};

pub use config::{QuotaLimits, ShapingConfig};
pub use ledger::QuotaLedger;
pub use metrics::QuotaUsage;
pub use rules::{Budget, ChannelQuota};

/// What to do with a claimed dispatch before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Every unit was granted: send it as it is.
    Send,
    /// Some recipients are over budget: send `keep` now, and `defer` (a new dispatch) at `until_ms`.
    Split {
        /// The part within budget (its body addresses only these recipients).
        keep: DispatchPart,
        /// The part over budget.
        defer: DispatchPart,
        /// When every deferred recipient has room again (epoch ms).
        until_ms: i64,
        /// Which budget was exhausted.
        budget: Budget,
    },
    /// Nothing may go now: wait until `until_ms` without spending an attempt.
    Defer {
        /// When a unit is free again (epoch ms).
        until_ms: i64,
        /// Which budget was exhausted.
        budget: Budget,
    },
}

/// The quota ledger with the rules of every configured channel. Shared by the worker and the
/// HTTP service (for `/metrics` and usage).
#[derive(Debug)]
pub struct Shaping {
    ledger: QuotaLedger,
    channels: HashMap<String, ChannelQuota>,
    deferrals: Mutex<BTreeMap<(String, Budget), u64>>,
    rebuilt: OnceCell<()>,
}

impl Shaping {
    /// No rules: every dispatch is sent as it is.
    pub fn disabled() -> Shaping {
        Shaping::with_rules(HashMap::new())
    }

    /// The rules of every channel of `config` on an in-process ledger.
    pub fn new(config: &crate::config::Config) -> Shaping {
        Shaping::with_rules(Shaping::rules(config))
    }

    /// The rules of every channel of `config` on `ledger` (e.g. [`QuotaLedger::Shared`]).
    pub fn new_on(config: &crate::config::Config, ledger: QuotaLedger) -> Shaping {
        Shaping::with_ledger(ledger, Shaping::rules(config))
    }

    fn rules(config: &crate::config::Config) -> HashMap<String, ChannelQuota> {
        let defaults = config.shaping.quota;
        config
            .channels
            .iter()
            .filter_map(|c| {
                let limits = QuotaLimits::resolve(c.quota(), defaults);
                ChannelQuota::new(c, limits).map(|q| (c.name().to_owned(), q))
            })
            .collect()
    }

    /// `rules` by channel name on an in-process ledger.
    pub fn with_rules(rules: HashMap<String, ChannelQuota>) -> Shaping {
        let retain = rules.values().map(ChannelQuota::longest_ms).max().unwrap_or(0);
        Shaping::with_ledger(QuotaLedger::local(retain), rules)
    }

    /// `rules` by channel name on the given ledger (e.g. a shared one).
    pub fn with_ledger(ledger: QuotaLedger, rules: HashMap<String, ChannelQuota>) -> Shaping {
        Shaping { ledger, channels: rules, deferrals: Mutex::default(), rebuilt: OnceCell::new() }
    }

    /// The rules of channel `name`, if the ledger is on for it.
    pub fn channel(&self, name: &str) -> Option<&ChannelQuota> {
        self.channels.get(name)
    }

    /// Takes the units `claimed` needs at `now_ms` and says whether it may go, all or in part.
    ///
    /// Per-call units are taken first, scarcest first, stopping at the first refusal; then one
    /// unit per member. A dispatch that was attempted before is deferred whole rather than split,
    /// so that a resend keeps the exact body the provider's duplicate check knows. Units are never refunded (a refused dispatch may leave a per-call unit
    /// taken): the ledger errs on the side of sending later, never of sending into a drop.
    pub async fn admit(&self, claimed: &ClaimedDispatch, now_ms: i64) -> Admission {
        let Some(quota) = self.channels.get(&claimed.channel) else { return Admission::Send };
        for unit in quota.call_units(&claimed.endpoint, &claimed.recipients) {
            let grant = self.ledger.reserve(std::slice::from_ref(&unit.key), &unit.windows, now_ms).await;
            if let Some(Grant::DeferUntil(until_ms)) = grant.first() {
                return self.count(claimed, Admission::Defer { until_ms: *until_ms, budget: unit.budget });
            }
        }
        let members = quota.member_keys(&claimed.endpoint, &claimed.recipients);
        if members.is_empty() {
            return Admission::Send;
        }
        let (indices, keys): (Vec<usize>, Vec<String>) = members.into_iter().unzip();
        let grants = self.ledger.reserve(&keys, quota.member_windows(), now_ms).await;
        let denied: Vec<(usize, i64)> = indices
            .iter()
            .zip(&grants)
            .filter_map(|(&i, g)| match g {
                Grant::Granted => None,
                Grant::DeferUntil(at) => Some((i, *at)),
            })
            .collect();
        if denied.is_empty() {
            return Admission::Send;
        }
        let budget = Budget::Member;
        let earliest = denied.iter().map(|&(_, at)| at).min().unwrap_or(now_ms);
        let latest = denied.iter().map(|&(_, at)| at).max().unwrap_or(now_ms);
        if denied.len() == indices.len() {
            return self.count(claimed, Admission::Defer { until_ms: earliest, budget });
        }
        if claimed.attempts > 0 || claimed.merged {
            // A retry must resend its persisted body unchanged (WeCom's duplicate check only
            // recognises the same body), and a coalesced call maps its members' outcomes from
            // one persisted merged body: neither is ever split; it waits until all have room.
            return self.count(claimed, Admission::Defer { until_ms: latest, budget });
        }
        let admission = split(claimed, &denied)
            .map(|(keep, defer)| Admission::Split { keep, defer, until_ms: latest, budget })
            .unwrap_or(Admission::Defer { until_ms: latest, budget });
        self.count(claimed, admission)
    }

    fn count(&self, claimed: &ClaimedDispatch, admission: Admission) -> Admission {
        if let Admission::Split { budget, .. } | Admission::Defer { budget, .. } = &admission {
            let mut counts = self.deferrals.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *counts.entry((claimed.channel.clone(), *budget)).or_default() += 1;
        }
        admission
    }

    /// Rebuilds the ledger from the outbox: every provider call made within the longest window
    /// before `now_ms` takes its units again. Runs once per [`Shaping`]; later calls return 0.
    pub async fn rebuild_once(&self, store: &Store, now_ms: i64) -> Result<usize, StoreError> {
        let mut recorded = 0;
        self.rebuilt
            .get_or_try_init(|| async {
                recorded = self.rebuild(store, now_ms).await?;
                Ok::<(), StoreError>(())
            })
            .await?;
        Ok(recorded)
    }

    async fn rebuild(&self, store: &Store, now_ms: i64) -> Result<usize, StoreError> {
        let longest = self.channels.values().map(ChannelQuota::longest_ms).max().unwrap_or(0);
        if longest == 0 {
            return Ok(0);
        }
        let sent = store.sent_since(now_ms - longest).await?;
        let mut units = Vec::new();
        for s in &sent {
            let Some(quota) = self.channels.get(&s.channel) else { continue };
            units.extend(quota.call_units(&s.endpoint, &s.recipients).into_iter().map(|u| (u.key.clone(), s.at_ms)));
            units.extend(quota.member_keys(&s.endpoint, &s.recipients).into_iter().map(|(_, k)| (k, s.at_ms)));
        }
        let n = units.len();
        self.ledger.record(units);
        tracing::info!(calls = sent.len(), units = n, "quota ledger rebuilt from the outbox");
        Ok(n)
    }
}

/// The two parts of `claimed` when the recipients at `denied` (indices) must wait.
fn split(claimed: &ClaimedDispatch, denied: &[(usize, i64)]) -> Option<(DispatchPart, DispatchPart)> {
    let mut is_denied = vec![false; claimed.recipients.len()];
    for &(i, _) in denied {
        is_denied[i] = true;
    }
    let (mut keep, mut defer) = (Vec::new(), Vec::new());
    for (r, &d) in claimed.recipients.iter().zip(&is_denied) {
        if d { defer.push(r.clone()) } else { keep.push(r.clone()) }
    }
    let users = |list: &[String]| -> Vec<String> {
        list.iter().filter_map(|r| Recipient::parse(r).user()).map(str::to_owned).collect()
    };
    let keep_body = split::with_users(&claimed.body, &users(&keep), true)?;
    let defer_body = split::with_users(&claimed.body, &users(&defer), false)?;
    Some((DispatchPart { body: keep_body, recipients: keep }, DispatchPart { body: defer_body, recipients: defer }))
}

#[cfg(test)]
mod tests;
