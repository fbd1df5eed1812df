//! Calendar arithmetic in China Standard Time (UTC+8), the zone of Getui's dates and quotas.
//!
//! Days are counted from 1970-01-01 (UTC+8). No time-zone database is needed: China has no DST.

/// Milliseconds in a day.
pub(super) const DAY_MS: i64 = 86_400_000;
/// Milliseconds in a minute.
pub(super) const MINUTE_MS: i64 = 60_000;
const OFFSET_MS: i64 = 8 * 3_600_000;

/// The UTC+8 day number of an epoch-ms instant.
pub(super) fn day(ms: i64) -> i64 {
    (ms + OFFSET_MS).div_euclid(DAY_MS)
}

/// `(year, month, day)` of a day number (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day number of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `yyyy-MM-dd` of a day number.
pub(super) fn date(day: i64) -> String {
    let (y, m, d) = civil(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `MMdd` of an instant, as in taskids.
pub(super) fn month_day(ms: i64) -> String {
    let (_, m, d) = civil(day(ms));
    format!("{m:02}{d:02}")
}

/// `yyyy-MM-dd HH:mm:ss` of an instant (UTC+8).
pub(super) fn date_time(ms: i64) -> String {
    let secs = (ms + OFFSET_MS).div_euclid(1000).rem_euclid(86_400);
    format!("{} {:02}:{:02}:{:02}", date(day(ms)), secs / 3600, secs / 60 % 60, secs % 60)
}

/// The day number of a strict `yyyy-MM-dd` date, if it is one.
pub(super) fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        b.get(r.clone()).filter(|s| s.iter().all(u8::is_ascii_digit))?;
        text.get(r)?.parse().ok()
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let days = days_from_civil(y, m, d);
    (civil(days) == (y, m, d)).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_plus_8_dates() {
        // 2023-11-14T22:13:20Z is 2023-11-15 06:13:20 in Beijing.
        let ms = 1_700_000_000_000;
        assert_eq!(date(day(ms)), "2023-11-15");
        assert_eq!(date_time(ms), "2023-11-15 06:13:20");
        assert_eq!(month_day(ms), "1115");
        assert_eq!(parse_date("2023-11-15"), Some(day(ms)));
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(parse_date("2024-02-29").map(date).as_deref(), Some("2024-02-29"));
        for bad in ["2023-02-29", "2023-13-01", "2023-1-01", "20231115", "2023-11-1x", "２０２３-11-15"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
