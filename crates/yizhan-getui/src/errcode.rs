//! The ONE classification table: every Getui business code (Getui REST v2 docs: return codes)
//! → [`FailureKind`].
//!
//! Quota codes carry a `retry_after`: per-minute quotas until the next minute, daily quotas until
//! the next natural day in China time (UTC+8), which is when Getui resets them. Unknown codes are
//! `Permanent`: they fail loudly and land in the dead-letter list with Getui's code and message.

use std::time::Duration;

use yizhan_core::FailureKind;

/// How a code is classified; quota codes are resolved against the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeClass {
    /// Never succeeds as sent.
    Permanent,
    /// Retry with back-off.
    Transient,
    /// Token wrong or expired: re-authenticate and retry once.
    Token,
    /// Wrong data centre: switch to the domain list in `data` and retry once.
    Redirect,
    /// A per-minute quota: wait for the next minute.
    MinuteQuota,
    /// A daily quota: wait for the next day (UTC+8).
    DailyQuota,
}

/// Every documented code: classification, the HTTP status Getui sends with it, and its meaning.
pub const TABLE: &[(i64, CodeClass, u16, &str)] = &[
    (1, CodeClass::Permanent, 200, "failure, typically a body that is not JSON"),
    (2, CodeClass::Transient, 200, "service starting, wait"),
    (301, CodeClass::Redirect, 200, "wrong domain for this appId's data centre"),
    (404, CodeClass::Permanent, 404, "wrong URL"),
    (405, CodeClass::Permanent, 405, "method not supported"),
    (10001, CodeClass::Token, 401, "token wrong or expired"),
    (10002, CodeClass::Permanent, 401, "appId or IP blacklisted"),
    (10003, CodeClass::MinuteQuota, 401, "auth per-minute limit exceeded (100/min)"),
    (10004, CodeClass::Permanent, 401, "no permission for message-detail queries"),
    (10005, CodeClass::MinuteQuota, 401, "per-minute call limit exceeded"),
    (20001, CodeClass::Permanent, 400, "parameter error"),
    (22001, CodeClass::Permanent, 400, "scheduled task already executed, cannot delete"),
    (22002, CodeClass::Permanent, 400, "task invalid or schedule time invalid"),
    (23001, CodeClass::Permanent, 400, "tag operation failed"),
    (30000, CodeClass::Permanent, 403, "no permission to push with fast_custom_tag"),
    (30001, CodeClass::Permanent, 403, "no permission to modify or delete custom_tag"),
    (30002, CodeClass::Permanent, 403, "no permission for scheduled pushes"),
    (30003, CodeClass::Permanent, 403, "no permission for app/tag push, or tag invalid"),
    (30004, CodeClass::DailyQuota, 403, "tag push daily total exceeded"),
    (30005, CodeClass::Permanent, 403, "tag too long"),
    (30006, CodeClass::DailyQuota, 403, "fast_custom_tag daily total exceeded"),
    (30007, CodeClass::DailyQuota, 403, "push/all daily limit exceeded"),
    (30008, CodeClass::DailyQuota, 403, "list push daily limit exceeded"),
    (30009, CodeClass::DailyQuota, 403, "push daily total exceeded"),
    (30010, CodeClass::DailyQuota, 403, "push/tag daily limit exceeded (shared with push/all)"),
    (30011, CodeClass::DailyQuota, 403, "tag-setting daily limit exceeded"),
    (30012, CodeClass::MinuteQuota, 403, "tag modify/delete per-minute limit exceeded"),
    (30013, CodeClass::MinuteQuota, 403, "fast_custom_tag per-minute limit exceeded"),
    (30014, CodeClass::MinuteQuota, 403, "push/all and push/tag per-minute limit exceeded (5/min)"),
    (30015, CodeClass::MinuteQuota, 403, "list push per-minute limit exceeded"),
    (30016, CodeClass::Permanent, 403, "push/tag: too many tags"),
    (30017, CodeClass::Permanent, 403, "no permission for single-push real-time report"),
    (30018, CodeClass::MinuteQuota, 403, "single-push real-time report per-minute limit exceeded"),
    (30019, CodeClass::Transient, 403, "system busy, retry later"),
];

/// China Standard Time offset: Getui's daily quotas reset at midnight UTC+8.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The class of `code`; `None` for 0 (success). Unknown codes are `Permanent`.
pub fn class(code: i64) -> Option<CodeClass> {
    if code == 0 {
        return None;
    }
    Some(lookup(code).map_or(CodeClass::Permanent, |row| row.1))
}

/// Classifies `code` at time `now_ms` (epoch ms). `None` for 0.
pub fn classify(code: i64, now_ms: i64) -> Option<FailureKind> {
    Some(match class(code)? {
        CodeClass::Permanent => FailureKind::Permanent,
        CodeClass::Transient | CodeClass::Redirect => FailureKind::Transient,
        CodeClass::Token => FailureKind::TokenExpired,
        CodeClass::MinuteQuota => rate_limited(until_next_minute(now_ms)),
        CodeClass::DailyQuota => rate_limited(until_next_china_day(now_ms)),
    })
}

/// The meaning of a documented code.
pub fn describe(code: i64) -> Option<&'static str> {
    lookup(code).map(|row| row.3)
}

/// The HTTP status Getui sends with a documented code.
pub fn http_status(code: i64) -> Option<u16> {
    lookup(code).map(|row| row.2)
}

fn rate_limited(wait_ms: i64) -> FailureKind {
    FailureKind::RateLimited { retry_after: Some(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0))) }
}

/// Milliseconds until the next whole minute (at least 1 ms).
pub fn until_next_minute(now_ms: i64) -> i64 {
    MINUTE_MS - now_ms.rem_euclid(MINUTE_MS)
}

/// Milliseconds until the next midnight in UTC+8 (at least 1 ms).
pub fn until_next_china_day(now_ms: i64) -> i64 {
    DAY_MS - now_ms.saturating_add(CHINA_OFFSET_MS).rem_euclid(DAY_MS)
}

fn lookup(code: i64) -> Option<(i64, CodeClass, u16, &'static str)> {
    TABLE.iter().copied().find(|row| row.0 == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 2026-11-23T11:59:30+08:00 = 2026-11-23T03:59:30Z
    const NOW: i64 = 1_795_406_370_000;

    #[test]
    fn table_rows_are_unique_and_statuses_follow_the_code_ranges() {
        for (i, (code, _, http, meaning)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|row| row.0 != *code), "duplicate {code}");
            let expected = match code {
                10_000..=19_999 => 401,
                20_000..=29_999 => 400,
                30_000..=39_999 => 403,
                404 => 404,
                405 => 405,
                _ => 200,
            };
            assert_eq!(*http, expected, "{code} {meaning}");
            assert!(classify(*code, NOW).is_some());
        }
    }

    #[test]
    fn the_rules_the_issue_names() {
        assert_eq!(classify(0, NOW), None);
        assert_eq!(classify(2, NOW), Some(FailureKind::Transient));
        assert_eq!(classify(30019, NOW), Some(FailureKind::Transient));
        assert_eq!(classify(10001, NOW), Some(FailureKind::TokenExpired));
        assert_eq!(class(301), Some(CodeClass::Redirect));
        assert_eq!(classify(20001, NOW), Some(FailureKind::Permanent));
        assert_eq!(classify(30_025, NOW), Some(FailureKind::Permanent), "undocumented 3xxxx");
        let minute = FailureKind::RateLimited { retry_after: Some(Duration::from_secs(30)) };
        for code in [10003, 10005, 30012, 30013, 30014, 30015, 30018] {
            assert_eq!(classify(code, NOW), Some(minute), "{code}");
        }
        // 11:59:30 China time: 12 h 0 min 30 s to midnight.
        let day = FailureKind::RateLimited { retry_after: Some(Duration::from_secs(12 * 3600 + 30)) };
        for code in [30004, 30006, 30007, 30008, 30009, 30010, 30011] {
            assert_eq!(classify(code, NOW), Some(day), "{code}");
        }
    }

    #[test]
    fn windows_end_exactly_at_boundaries() {
        assert_eq!(until_next_minute(120_000), 60_000);
        assert_eq!(until_next_minute(120_001), 59_999);
        // 16:00 UTC is midnight in UTC+8.
        assert_eq!(until_next_china_day(16 * 3_600_000), DAY_MS);
        assert_eq!(until_next_china_day(16 * 3_600_000 - 1), 1);
    }

    proptest! {
        #[test]
        fn classification_is_total(code in any::<i64>(), now in any::<i64>()) {
            prop_assert_eq!(classify(code, now).is_none(), code == 0);
            let _ = describe(code);
            prop_assert!(until_next_minute(now) >= 1 && until_next_minute(now) <= MINUTE_MS);
            prop_assert!(until_next_china_day(now) >= 1 && until_next_china_day(now) <= DAY_MS);
        }
    }
}
