//! WeCom's duplicate check on `message/send`, the gateway's side.
//!
//! The check makes a resend after an ambiguous failure safe: WeCom drops it if the first attempt
//! did arrive. Its price would be that the *same* request from *another* message within the
//! interval is dropped too, while WeCom still answers ok. So each such body carries a
//! [`DuplicateGuard`] ([`duplicate_guard`]): the store tells the worker when an identical body of
//! another message is still inside its window, and the worker then sends this one without the
//! check ([`without_duplicate_check`]) so it is delivered, or, when the caller asked for
//! `options.dedupe`, records it `suppressed_duplicate` without sending.

use sha2::{Digest, Sha256};
use yizhan_store::DuplicateGuard;

use crate::providers::endpoint;

/// The duplicate guard of a planned dispatch: a `message/send` body with
/// `enable_duplicate_check=1` is deduplicated by WeCom for `duplicate_check_interval` seconds
/// (default 1800) after it was accepted, keyed by its SHA-256. `suppress` is `options.dedupe`.
pub(crate) fn duplicate_guard(endpoint: &str, body: &[u8], suppress: bool) -> Option<DuplicateGuard> {
    if endpoint != endpoint::WECOM_MESSAGE_SEND {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    if json.get("enable_duplicate_check").and_then(serde_json::Value::as_u64) != Some(1) {
        return None;
    }
    let interval = json.get("duplicate_check_interval").and_then(serde_json::Value::as_i64).unwrap_or(1800);
    let key = hex::encode(Sha256::digest(body));
    Some(DuplicateGuard { key, window_ms: interval.saturating_mul(1000), suppress })
}

/// `body` without `enable_duplicate_check` and `duplicate_check_interval`: WeCom delivers it
/// whatever it sent before (and a resend after an ambiguous failure is then not safe). `None`
/// when the body is not a JSON object.
pub(crate) fn without_duplicate_check(body: &[u8]) -> Option<Vec<u8>> {
    let mut json: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body).ok()?;
    json.remove("enable_duplicate_check");
    json.remove("duplicate_check_interval");
    serde_json::to_vec(&json).ok()
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    #[test]
    fn only_checked_message_sends_are_guarded_and_the_check_can_be_dropped() {
        let body = br#"{"touser":"carol","msgtype":"text","agentid":1,"text":{"content":"CPU high"},"enable_duplicate_check":1,"duplicate_check_interval":600}"#;
        let guard = duplicate_guard(endpoint::WECOM_MESSAGE_SEND, body, true).expect("guarded");
        assert_eq!((guard.window_ms, guard.suppress, guard.key.len()), (600_000, true, 64));
        let other = duplicate_guard(endpoint::WECOM_MESSAGE_SEND, &body[..body.len() - 1], false);
        assert!(other.is_none(), "not JSON");
        assert!(duplicate_guard(endpoint::WECOM_APPCHAT_SEND, body, false).is_none());
        let plain = without_duplicate_check(body).expect("an object");
        let plain: serde_json::Value = serde_json::from_slice(&plain).expect("json");
        assert!(plain.get("enable_duplicate_check").is_none() && plain.get("duplicate_check_interval").is_none());
        assert_eq!(plain["text"]["content"], "CPU high");
        assert!(duplicate_guard(endpoint::WECOM_MESSAGE_SEND, plain.to_string().as_bytes(), false).is_none());
    }
}
