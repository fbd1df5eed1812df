//! The ONE classification table of DingTalk robot errcodes (`docs/dingtalk-feishu.md`, "Error
//! codes") → [`FailureKind`].
//!
//! errcode 310000 has four meanings, told apart by the start of `errmsg` ([`classify`]): a
//! keyword, signature or IP refusal is permanent; `invalid timestamp` is transient, since every
//! attempt signs afresh with the current time. Unknown codes are `Permanent`: they fail loudly
//! and land in the dead-letter list with DingTalk's code and message.

use std::time::Duration;

use yizhan_core::FailureKind;

/// How long DingTalk blocks a robot that sent more than 20 messages in a minute (doc: 10 min).
pub const THROTTLE: Duration = Duration::from_secs(600);
/// How long to wait after the call quota ran out (`90030`; its numbers are unconfirmed).
pub const QUOTA_BACKOFF: Duration = Duration::from_secs(3600);
/// The errcode of every security-setting refusal (keywords, signature, timestamp, IP).
pub const SECURITY: i64 = 310000;

const PERMANENT: FailureKind = FailureKind::Permanent;
const TRANSIENT: FailureKind = FailureKind::Transient;
const THROTTLED: FailureKind = FailureKind::RateLimited { retry_after: Some(THROTTLE) };
const QUOTA: FailureKind = FailureKind::RateLimited { retry_after: Some(QUOTA_BACKOFF) };

/// Every known code, its classification, and its meaning.
pub const TABLE: &[(i64, FailureKind, &str)] = &[
    (-1, TRANSIENT, "system busy"),
    (40035, PERMANENT, "body is not JSON (or sent without the JSON Content-Type)"),
    (90030, QUOTA, "webhook call quota used up"),
    (101002, PERMANENT, "message too long (older servers)"),
    (130101, THROTTLED, "sent too fast: more than 20 messages a minute (older code)"),
    (300001, PERMANENT, "access_token does not exist (older servers)"),
    (300005, PERMANENT, "access_token does not exist"),
    (SECURITY, PERMANENT, "refused by a security setting: keywords, signature, timestamp or IP"),
    (400013, PERMANENT, "group disbanded"),
    (400101, PERMANENT, "access_token does not exist"),
    (400102, PERMANENT, "robot disabled"),
    (400105, PERMANENT, "unsupported msgtype"),
    (400106, PERMANENT, "robot does not exist"),
    (400402, PERMANENT, "missing or malformed title"),
    (400403, PERMANENT, "missing or malformed field"),
    (410100, THROTTLED, "sent too fast: throttled for 10 minutes"),
    (430101, PERMANENT, "content holds an unsafe external link"),
    (430102, PERMANENT, "content holds inappropriate text"),
    (430103, PERMANENT, "content holds an inappropriate image"),
    (430104, PERMANENT, "content refused as inappropriate"),
    (460101, PERMANENT, "body over 20000 bytes"),
    (660026, FailureKind::RateLimited { retry_after: None }, "rate limited (seen once; unconfirmed)"),
];

/// The table row of `code`.
fn lookup(code: i64) -> Option<&'static (i64, FailureKind, &'static str)> {
    TABLE.iter().find(|(c, _, _)| *c == code)
}

/// What an answer with `code` and `errmsg` means for the next attempt; `None` for 0.
pub fn classify(code: i64, errmsg: &str) -> Option<FailureKind> {
    if code == 0 {
        return None;
    }
    if code == SECURITY {
        return Some(match security(errmsg) {
            Security::Timestamp => TRANSIENT,
            _ => PERMANENT,
        });
    }
    Some(lookup(code).map_or(PERMANENT, |(_, kind, _)| *kind))
}

/// Which security setting refused a call (errcode 310000), by the start of its errmsg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `keywords not in content`: the message holds none of the robot's keywords.
    Keywords,
    /// `sign not match`: the secret is wrong (or the sign was encoded twice).
    Sign,
    /// `invalid timestamp`: the clock is over an hour off DingTalk's.
    Timestamp,
    /// `ip X not in whitelist`: the caller's address is not allowed.
    Ip,
    /// Another text.
    Other,
}

/// The setting a 310000 errmsg names.
pub fn security(errmsg: &str) -> Security {
    let text = errmsg.trim_start();
    if text.starts_with("keywords not in content") {
        Security::Keywords
    } else if text.starts_with("sign not match") {
        Security::Sign
    } else if text.starts_with("invalid timestamp") {
        Security::Timestamp
    } else if text.starts_with("ip ") && text.contains("not in whitelist") {
        Security::Ip
    } else {
        Security::Other
    }
}

/// The meaning of a known code.
pub fn describe(code: i64) -> Option<&'static str> {
    lookup(code).map(|(_, _, meaning)| *meaning)
}

/// What to do about an answer, for the command line and `channels check`.
pub fn remedy(code: i64, errmsg: &str) -> Option<&'static str> {
    Some(match code {
        300001 | 300005 | 400101 | 400106 => {
            "the access_token is wrong or the robot was removed: copy access_token= from the robot's webhook URL"
        }
        400102 => "the robot is disabled: enable it in the group's robot settings",
        SECURITY => match security(errmsg) {
            Security::Keywords => "the message holds none of the robot's keywords: set keywords = [...] on the channel",
            Security::Sign => "the secret is wrong: copy the SEC… secret shown under 加签",
            Security::Timestamp => "this machine's clock is over an hour off: fix it (NTP)",
            Security::Ip => "this machine's address is not in the robot's IP list",
            Security::Other => return None,
        },
        410100 | 130101 => "a robot takes 20 messages a minute and is then blocked for 10 minutes",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_once() {
        let mut codes: Vec<i64> = TABLE.iter().map(|(c, _, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len());
    }
}
