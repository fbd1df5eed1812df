//! Retention (`[store] retention`, `docs/gateway.md`, "Retention"): finished messages and
//! callback forwards older than the period are deleted by a background task, a small batch per
//! short transaction, so the outbox does not grow forever. Events older than `[store]
//! event_retention` (default: the same period) go too, once every webhook subscription has
//! them delivered or failed (`Store::purge_events`, docs/events.md, "Retention").
//!
//! [`Sweeper::sweep`] deletes everything due in batches of [`BATCH`] and pauses briefly between
//! them, so accepts and completions (which share SQLite's one writer) wait for at most one
//! batch. `yizhan serve` sweeps at start and every [`SWEEP_EVERY`]; `/metrics` shows the rows
//! deleted as `yizhan_retention_deleted_rows_total`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use yizhan_core::Clock;
use yizhan_store::{Purged, Store};

/// Messages (and forwards) deleted per transaction.
pub const BATCH: usize = 500;
/// How often `yizhan serve` sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(600);
/// The pause between two batches of one sweep, leaving the writer to accepts and completions.
const BETWEEN_BATCHES: Duration = Duration::from_millis(20);
/// The default period: 30 days.
pub const DEFAULT_DAYS: u64 = 30;
/// The shortest period: the quota ledger is rebuilt at start from the last day of sends
/// (`Store::sent_since`), and the duplicate-check windows reach back up to 4 hours.
const MIN_HOURS: u64 = 24;

const HOUR_MS: i64 = 3_600_000;

/// How long finished messages are kept: a number of hours, or forever (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    hours: Option<u64>,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { hours: Some(DEFAULT_DAYS * 24) }
    }
}

impl Retention {
    /// Keeping everything: nothing is deleted.
    pub const OFF: Retention = Retention { hours: None };

    /// The period in milliseconds, `None` when retention is off.
    pub fn keep_ms(self) -> Option<i64> {
        self.hours.map(|h| i64::try_from(h).unwrap_or(i64::MAX / HOUR_MS).saturating_mul(HOUR_MS))
    }

    /// Parses `30d`, `36h`, `off` or `0` (off); the period is at least a day.
    pub fn parse(text: &str) -> Result<Retention, String> {
        let text = text.trim();
        if text == "off" || text == "0" {
            return Ok(Retention::OFF);
        }
        let (number, per) = match text.strip_suffix('d') {
            Some(days) => (days, 24),
            None => (text.strip_suffix('h').unwrap_or(""), 1),
        };
        let hours = number.trim().parse::<u64>().ok().and_then(|n| n.checked_mul(per)).ok_or_else(|| {
            "is not a period: write days or hours with their unit (\"30d\", \"36h\"), or \"off\"".to_owned()
        })?;
        match hours {
            0 => Ok(Retention::OFF),
            h if h < MIN_HOURS => Err(format!(
                "is {h} h; keep at least a day (\"1d\"): the quota ledger is rebuilt from the last day of sends, \
                 or write \"off\" to keep everything"
            )),
            h => Ok(Retention { hours: Some(h) }),
        }
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hours {
            None => f.write_str("off"),
            Some(h) if h % 24 == 0 => write!(f, "{}d", h / 24),
            Some(h) => write!(f, "{h}h"),
        }
    }
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(i64),
        }
        match Raw::deserialize(deserializer)
            .map_err(|_| serde::de::Error::custom("must be a period such as \"30d\" or \"36h\", or \"off\""))?
        {
            Raw::Text(text) => Retention::parse(&text).map_err(serde::de::Error::custom),
            Raw::Number(0) => Ok(Retention::OFF),
            Raw::Number(_) => {
                Err(serde::de::Error::custom("needs a unit: write \"30d\" (days) or \"36h\" (hours), or \"off\""))
            }
        }
    }
}

/// Rows deleted by retention in this process, for `/metrics`.
#[derive(Debug, Default)]
pub struct RetentionCounter {
    rows: AtomicU64,
}

impl RetentionCounter {
    /// Rows deleted so far.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }
}

/// The retention task of one gateway.
#[derive(Debug, Clone)]
pub struct Sweeper {
    store: Store,
    clock: Clock,
    keep_ms: Option<i64>,
    events_keep_ms: Option<i64>,
    counter: Arc<RetentionCounter>,
}

impl Sweeper {
    /// A sweeper keeping finished messages for `retention`; `None` when retention is off.
    /// Events are kept as long as messages ([`Sweeper::for_store`] sets them apart).
    pub fn new(store: Store, clock: Clock, retention: Retention, counter: Arc<RetentionCounter>) -> Option<Sweeper> {
        Sweeper::with_events(store, clock, retention, retention, counter)
    }

    /// The sweeper of `[store]`: `retention` for messages, `event_retention` (default the same)
    /// for events; `None` when both are off.
    pub fn for_store(
        store: Store,
        clock: Clock,
        config: &crate::config::StoreConfig,
        counter: Arc<RetentionCounter>,
    ) -> Option<Sweeper> {
        Sweeper::with_events(
            store,
            clock,
            config.retention,
            config.event_retention.unwrap_or(config.retention),
            counter,
        )
    }

    /// Messages kept for `retention`, events for `events`; `None` when both are off.
    pub fn with_events(
        store: Store,
        clock: Clock,
        retention: Retention,
        events: Retention,
        counter: Arc<RetentionCounter>,
    ) -> Option<Sweeper> {
        let (keep_ms, events_keep_ms) = (retention.keep_ms(), events.keep_ms());
        (keep_ms.is_some() || events_keep_ms.is_some()).then_some(Sweeper {
            store,
            clock,
            keep_ms,
            events_keep_ms,
            counter,
        })
    }

    /// Deletes every finished message and forward last changed more than the period ago, in
    /// batches; returns what went.
    pub async fn sweep(&self) -> Result<Purged, yizhan_store::StoreError> {
        if let Some(keep) = self.events_keep_ms {
            let before_ms = self.clock.now_ms().saturating_sub(keep);
            loop {
                let rows = self.store.purge_events(before_ms, BATCH).await?;
                self.counter.rows.fetch_add(rows, Ordering::Relaxed);
                if rows == 0 {
                    break;
                }
                tokio::time::sleep(BETWEEN_BATCHES).await;
            }
        }
        let mut total = Purged::default();
        let Some(keep) = self.keep_ms else { return Ok(total) };
        let before_ms = self.clock.now_ms().saturating_sub(keep);
        loop {
            let batch = self.store.purge(before_ms, BATCH).await?;
            self.counter.rows.fetch_add(batch.rows, Ordering::Relaxed);
            total.add(batch);
            if batch.messages < BATCH as u64 && batch.forwards < BATCH as u64 && batch.cards < BATCH as u64 {
                return Ok(total);
            }
            tokio::time::sleep(BETWEEN_BATCHES).await;
        }
    }

    /// Sweeps now and every [`SWEEP_EVERY`] until `stop` resolves. A failed sweep is logged and
    /// tried again at the next period.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = every.tick() => {}
            }
            tokio::select! {
                () = &mut stop => return,
                swept = self.sweep() => match swept {
                    Ok(p) if p.rows > 0 => tracing::info!(
                        messages = p.messages,
                        forwards = p.forwards,
                        cards = p.cards,
                        rows = p.rows,
                        "retention: deleted finished messages"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "retention sweep failed; trying again later"),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Retention;

    #[test]
    fn periods_parse_with_their_unit() {
        assert_eq!(Retention::default().to_string(), "30d");
        assert_eq!(Retention::default().keep_ms(), Some(30 * 86_400_000));
        for (text, shown) in
            [("30d", "30d"), ("36h", "36h"), ("48h", "2d"), (" 7d ", "7d"), ("off", "off"), ("0", "off"), ("0d", "off")]
        {
            assert_eq!(Retention::parse(text).map(|r| r.to_string()), Ok(shown.to_owned()), "{text}");
        }
        assert_eq!(Retention::OFF.keep_ms(), None);
        for bad in ["30", "d", "-1d", "1.5d", "30 days", "1w", ""] {
            assert!(Retention::parse(bad).is_err_and(|e| e.contains("\"30d\"")), "{bad}");
        }
        assert!(Retention::parse("12h").is_err_and(|e| e.contains("at least a day")));
    }
}
