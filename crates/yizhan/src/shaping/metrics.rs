//! What the ledger shows: deferral counters for `/metrics` and per-channel budgets and usage
//! for `GET /v1/channels`.

use std::fmt::Write as _;

use serde::Serialize;

use super::Shaping;

/// One budget of a channel and, for per-call budgets, how much of it is used now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuotaUsage {
    /// `member` (per member, WeCom app), `group_sends`, `appchat`, `robot`, `broadcast` or `calls`.
    #[schema(example = "member")]
    pub budget: String,
    /// The window's length in seconds.
    #[schema(example = 60)]
    pub window_secs: i64,
    /// Units allowed per window (per member for `member`).
    #[schema(example = 30)]
    pub limit: u32,
    /// Units taken within the window now; `null` for `member` (one budget per member).
    pub used: Option<u32>,
}

impl Shaping {
    /// The budgets of `channel` at `now_ms` with the use of its per-call ones; `None` when the
    /// ledger is off for it.
    pub async fn usage(&self, channel: &str, now_ms: i64) -> Option<Vec<QuotaUsage>> {
        let quota = self.channels.get(channel)?;
        let mut out: Vec<QuotaUsage> = quota
            .member_windows()
            .iter()
            .map(|w| QuotaUsage {
                budget: "member".to_owned(),
                window_secs: w.len_ms / 1000,
                limit: w.limit,
                used: None,
            })
            .collect();
        for unit in quota.call_rules() {
            for &window in &unit.windows {
                out.push(QuotaUsage {
                    budget: unit.budget.as_str().to_owned(),
                    window_secs: window.len_ms / 1000,
                    limit: window.limit,
                    used: Some(self.ledger.usage(&unit.key, window, now_ms).await),
                });
            }
        }
        Some(out)
    }

    /// Deferrals so far by channel and budget (a split counts once).
    pub fn deferrals(&self) -> Vec<(String, &'static str, u64)> {
        let counts = self.deferrals.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        counts.iter().map(|((channel, budget), n)| (channel.clone(), budget.as_str(), *n)).collect()
    }

    /// Appends `yizhan_deferrals_total{channel,reason}` in Prometheus text format.
    pub fn write_metrics(&self, out: &mut String) {
        out.push_str("# HELP yizhan_deferrals_total Dispatches deferred (whole or split) by the quota ledger.\n");
        out.push_str("# TYPE yizhan_deferrals_total counter\n");
        for (channel, reason, n) in self.deferrals() {
            let _ = writeln!(out, "yizhan_deferrals_total{{channel=\"{channel}\",reason=\"{reason}\"}} {n}");
        }
    }
}
