//! The ONE classification table of Feishu/Lark bot codes (`docs/dingtalk-feishu.md`, "Response
//! shape and error codes") → [`FailureKind`]. Unknown codes are `Permanent`: they fail loudly
//! and land in the dead-letter list with Feishu's code and message.

use std::time::Duration;

use yizhan_core::FailureKind;

/// How long to wait after `11232` (rate limited, or busy at :00 and :30). Feishu names no
/// time; the bot's tightest window is a second and its widest a minute.
pub const FREQUENCY_BACKOFF: Duration = Duration::from_secs(10);

const PERMANENT: FailureKind = FailureKind::Permanent;

/// Every known code, its classification, and its meaning.
pub const TABLE: &[(i64, FailureKind, &str)] = &[
    (2200, FailureKind::Transient, "internal error (unconfirmed)"),
    (9499, PERMANENT, "bad request: malformed body, unparsable content or over 20 KB"),
    (11232, FailureKind::RateLimited { retry_after: Some(FREQUENCY_BACKOFF) }, "frequency limited (or busy)"),
    (19001, PERMANENT, "hook id unknown or the bot was deleted"),
    (19002, PERMANENT, "parameter error (msg_type, card)"),
    (19021, PERMANENT, "signature does not match, or the timestamp is over an hour off"),
    (19022, PERMANENT, "caller IP not allowed"),
    (19024, PERMANENT, "the message holds none of the bot's keywords"),
    (19036, PERMANENT, "message over the size limit"),
];

/// What an answer with `code` means for the next attempt; `None` for 0.
pub fn classify(code: i64) -> Option<FailureKind> {
    if code == 0 {
        return None;
    }
    Some(TABLE.iter().find(|(c, _, _)| *c == code).map_or(PERMANENT, |(_, kind, _)| *kind))
}

/// The meaning of a known code.
pub fn describe(code: i64) -> Option<&'static str> {
    TABLE.iter().find(|(c, _, _)| *c == code).map(|(_, _, meaning)| *meaning)
}

/// What to do about a code, for the command line.
pub fn remedy(code: i64) -> Option<&'static str> {
    Some(match code {
        19001 => "the hook id is wrong or the bot was removed: copy the part after /hook/ of the bot's webhook URL",
        19021 => "the secret is wrong, or this machine's clock is over an hour off",
        19022 => "this machine's address is not in the bot's IP list",
        19024 => "the message holds none of the bot's keywords: set keywords = [...] on the channel",
        11232 => "a bot takes 5 messages a second and 100 a minute; avoid sending exactly at :00 and :30",
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
