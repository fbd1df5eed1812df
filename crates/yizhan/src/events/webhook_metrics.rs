//! Counters of webhook deliveries for `/metrics`: outcomes of attempts
//! (`yizhan_webhook_deliveries_total{outcome}`: delivered, retrying, failed), attempts and a
//! latency histogram of attempts (`yizhan_webhook_attempt_seconds`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 15.0];

/// What an attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed and will be tried again.
    Retrying,
    /// It failed for good.
    Failed,
}

/// The counters; shared by the deliverer and `/metrics`.
#[derive(Debug, Default)]
pub struct WebhookMetrics {
    delivered: AtomicU64,
    retrying: AtomicU64,
    failed: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl WebhookMetrics {
    /// Counts one attempt that took `elapsed` and led to `outcome`.
    pub fn record(&self, outcome: Outcome, elapsed: Duration) {
        let counter = match outcome {
            Outcome::Delivered => &self.delivered,
            Outcome::Retrying => &self.retrying,
            Outcome::Failed => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if secs <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Attempts that led to `outcome`, since start.
    pub fn outcomes(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Delivered => self.delivered.load(Ordering::Relaxed),
            Outcome::Retrying => self.retrying.load(Ordering::Relaxed),
            Outcome::Failed => self.failed.load(Ordering::Relaxed),
        }
    }

    /// Appends the Prometheus text of the counters to `out`.
    pub fn write(&self, out: &mut String) {
        out.push_str(
            "# HELP yizhan_webhook_deliveries_total Webhook delivery attempts by outcome (delivered, retrying, \
             failed).\n# TYPE yizhan_webhook_deliveries_total counter\n",
        );
        for (name, outcome) in
            [("delivered", Outcome::Delivered), ("retrying", Outcome::Retrying), ("failed", Outcome::Failed)]
        {
            let _ = writeln!(out, "yizhan_webhook_deliveries_total{{outcome=\"{name}\"}} {}", self.outcomes(outcome));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str("# HELP yizhan_webhook_attempts_total Webhook delivery attempts.\n");
        out.push_str("# TYPE yizhan_webhook_attempts_total counter\n");
        let _ = writeln!(out, "yizhan_webhook_attempts_total {count}");
        out.push_str("# HELP yizhan_webhook_attempt_seconds How long webhook delivery attempts took.\n");
        out.push_str("# TYPE yizhan_webhook_attempt_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "yizhan_webhook_attempt_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(out, "yizhan_webhook_attempt_seconds_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "yizhan_webhook_attempt_seconds_sum {sum}");
        let _ = writeln!(out, "yizhan_webhook_attempt_seconds_count {count}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_counted_by_outcome_and_bucketed_cumulatively() {
        let m = WebhookMetrics::default();
        m.record(Outcome::Delivered, Duration::from_millis(3));
        m.record(Outcome::Retrying, Duration::from_millis(300));
        let mut out = String::new();
        m.write(&mut out);
        assert!(out.contains("yizhan_webhook_deliveries_total{outcome=\"delivered\"} 1"), "{out}");
        assert!(out.contains("yizhan_webhook_deliveries_total{outcome=\"retrying\"} 1"), "{out}");
        assert!(out.contains("yizhan_webhook_deliveries_total{outcome=\"failed\"} 0"), "{out}");
        assert!(out.contains("yizhan_webhook_attempt_seconds_bucket{le=\"0.005\"} 1"), "{out}");
        assert!(out.contains("yizhan_webhook_attempt_seconds_bucket{le=\"0.5\"} 2"), "{out}");
        assert!(out.contains("yizhan_webhook_attempt_seconds_count 2"), "{out}");
    }
}
