//! Peak avoidance: a scheduled send on the full or half hour is moved a little later.
//!
//! WeCom asks senders not to schedule on :00 and :30, when everybody does. A `send_at` that
//! falls exactly on minute :00 or :30 (seconds and milliseconds 0) is moved to a time in
//! `(send_at, send_at + window]`, chosen from a seed (the message id): deterministic for one
//! message, spread evenly over many. The minute is taken in UTC, which is the local minute for
//! every offset that is a multiple of 30 minutes (China's +08:00 included).
//!
//! ```
//! use yizhan::gateway::peak::spread;
//! let nine = 1_795_395_600_000; // 2026-11-23T09:00:00+08:00
//! let moved = spread(nine, 180_000, b"message-1");
//! assert!(moved > nine && moved <= nine + 180_000);
//! assert_eq!(spread(nine + 1_000, 180_000, b"message-1"), nine + 1_000); // not on a peak
//! assert_eq!(spread(nine, 0, b"message-1"), nine); // disabled
//! ```

use sha2::{Digest, Sha256};

/// Half an hour in milliseconds.
const HALF_HOUR_MS: i64 = 30 * 60 * 1000;

/// Whether `at_ms` is exactly on a full or half hour.
pub fn on_peak(at_ms: i64) -> bool {
    at_ms.rem_euclid(HALF_HOUR_MS) == 0
}

/// `send_at_ms` moved into `(send_at_ms, send_at_ms + window_ms]` by `seed` when it is on a
/// peak and `window_ms` is positive; else unchanged.
pub fn spread(send_at_ms: i64, window_ms: i64, seed: &[u8]) -> i64 {
    if window_ms <= 0 || !on_peak(send_at_ms) {
        return send_at_ms;
    }
    let digest = Sha256::digest(seed);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let offset = u64::from_be_bytes(first) % window_ms.unsigned_abs();
    send_at_ms.saturating_add(1).saturating_add(i64::try_from(offset).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINE: i64 = 1_795_395_600_000;

    #[test]
    fn only_full_and_half_hours_are_peaks() {
        assert!(on_peak(NINE) && on_peak(NINE + HALF_HOUR_MS));
        assert!(!on_peak(NINE + 60_000) && !on_peak(NINE + 1) && !on_peak(NINE + 15 * 60_000));
    }

    #[test]
    fn many_messages_spread_over_the_whole_window() {
        let moved: Vec<i64> = (0..1000).map(|i| spread(NINE, 180_000, format!("m{i}").as_bytes())).collect();
        assert!(moved.iter().all(|&t| t > NINE && t <= NINE + 180_000));
        // Every 30-second slice of the window gets some of them.
        for slice in 0..6 {
            let start = NINE + slice * 30_000;
            assert!(moved.iter().any(|&t| t > start && t <= start + 30_000), "slice {slice} empty");
        }
        assert_eq!(spread(NINE, 180_000, b"m1"), moved[1], "deterministic per seed");
    }
}
