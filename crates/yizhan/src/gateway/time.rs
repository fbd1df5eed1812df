//! RFC 3339 timestamps (`2026-11-23T09:00:00+08:00`) to milliseconds since the epoch.
//!
//! A small parser instead of a date crate: the API only needs this one direction. The offset is
//! required (`Z` or `±HH:MM`): a time without one would be read in some server's local zone.
//! Fractions of a second are kept to the millisecond (further digits are dropped); a leap second
//! (`:60`) is refused.

/// Parses an RFC 3339 date-time with an offset into ms since 1970-01-01T00:00:00Z.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    const EXPECTED: &str = "expected an RFC 3339 date-time with an offset, e.g. 2026-11-23T09:00:00+08:00";
    let b = text.as_bytes();
    let bad = || format!("{text:?}: {EXPECTED}");
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return Err(bad());
    }
    if b[16] != b':' {
        return Err(bad());
    }
    let num = |from: usize, len: usize| -> Result<i64, String> {
        let part = &b[from..from + len];
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        Ok(part.iter().fold(0_i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut rest = &b[19..];
    let mut millis = 0_i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        for (i, d) in frac[..digits.min(3)].iter().enumerate() {
            millis += i64::from(d - b'0') * [100, 10, 1][i];
        }
        rest = &frac[digits..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let (h, m) =
                (i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0'), i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0'));
            if h > 23 || m > 59 {
                return Err(format!("{text:?}: the offset is out of range"));
            }
            if *sign == b'-' { -(h * 60 + m) } else { h * 60 + m }
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(format!("{text:?}: no such date"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("{text:?}: no such time of day (leap seconds are not accepted)"));
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Ok(seconds * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_applied() {
        // 2026-11-23T01:00:00Z
        let utc = 1_795_395_600_000;
        assert_eq!(parse_rfc3339_ms("2026-11-23T01:00:00Z").unwrap(), utc);
        assert_eq!(parse_rfc3339_ms("2026-11-23T09:00:00+08:00").unwrap(), utc);
        assert_eq!(parse_rfc3339_ms("2026-11-22T20:30:00-04:30").unwrap(), utc);
        assert_eq!(parse_rfc3339_ms("2026-11-23t01:00:00.250z").unwrap(), utc + 250);
        assert_eq!(parse_rfc3339_ms("2026-11-23T01:00:00.1239+00:00").unwrap(), utc + 123);
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z").unwrap(), 0);
        assert_eq!(parse_rfc3339_ms("2024-02-29T00:00:00Z").unwrap(), 1_709_164_800_000);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for bad in [
            "2026-11-23T09:00:00",
            "2026-11-23",
            "2026-11-23T09:00+08:00",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-23T24:00:00Z",
            "2026-11-23T23:59:60Z",
            "2026-11-23T09:00:00+24:00",
            "2026-11-23T09:00:00.Z",
            "２０２6-11-23T09:00:00Z",
        ] {
            assert!(parse_rfc3339_ms(bad).is_err(), "{bad}");
        }
        assert!(parse_rfc3339_ms("2026-11-23T09:00:00").unwrap_err().contains("offset"));
    }
}
