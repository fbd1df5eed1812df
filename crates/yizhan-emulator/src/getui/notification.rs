//! Checks of `push_message` (the Getui channel) and a shape check of `push_channel` (Getui REST v2
//! docs: push body).
//!
//! `push_message` holds exactly one of `notification`, `transmission`, `revoke`. A notification
//! needs `title` (≤ 50 chars), `body` (≤ 256) and a `click_type` with its companion field
//! (`intent` ≤ 4096, `url` ≤ 1024, `payload` ≤ 3072); `transmission` is ≤ 3072 chars. Vendor
//! channels (`push_channel`) are only checked for JSON types: their limits are the vendors'.

use serde_json::{Map, Value};

use super::envelope::Answer;
use super::validate::{get, max_chars, opt_i64, opt_object, opt_str, req_str};

/// The one-of error message of the reference.
const ONE_OF: &str = "please choose one of notification and transmission and revoke";
/// Accepted `click_type` values (Harmony adds `want`).
const CLICK_TYPES: [&str; 7] = ["intent", "url", "payload", "payload_custom", "startapp", "none", "want"];
/// Longest transmission / payload.
const MAX_PAYLOAD: usize = 3072;

/// Checks `push_message`; returns its kind: `notification`, `transmission` or `revoke`.
pub(super) fn push_message(value: &Value) -> Result<&'static str, Answer> {
    let Value::Object(message) = value else {
        return Err(Answer::type_error("push_message"));
    };
    let present: Vec<&'static str> =
        ["notification", "transmission", "revoke"].into_iter().filter(|k| get(message, k).is_some()).collect();
    let [kind] = present[..] else {
        return Err(Answer::param(ONE_OF));
    };
    match kind {
        "notification" => notification(opt_object(message, "notification")?.unwrap_or(&Map::new()))?,
        "transmission" => {
            let text = req_str(message, "transmission")?;
            max_chars("transmission", text, MAX_PAYLOAD)?;
        }
        _ => {
            let revoke = opt_object(message, "revoke")?.ok_or_else(|| Answer::empty("revoke"))?;
            req_str(revoke, "old_task_id")?;
            if get(revoke, "force").is_some_and(|f| !f.is_boolean()) {
                return Err(Answer::type_error("force"));
            }
        }
    }
    if let Some(network) = opt_i64(message, "network_type")?
        && !(0..=1).contains(&network)
    {
        return Err(Answer::invalid("network_type"));
    }
    if let Some(duration) = opt_str(message, "duration")? {
        check_duration(duration)?;
    }
    Ok(kind)
}

/// `"<startMs>-<endMs>"`, the two more than 10 minutes apart.
fn check_duration(duration: &str) -> Result<(), Answer> {
    let parsed = duration
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?)));
    match parsed {
        Some((start, end)) if end - start > 600_000 => Ok(()),
        _ => Err(Answer::invalid("duration")),
    }
}

fn notification(n: &Map<String, Value>) -> Result<(), Answer> {
    let title = req_str(n, "title")?;
    max_chars("title", title, 50)?;
    let body = req_str(n, "body")?;
    max_chars("body", body, 256)?;
    let click_type = req_str(n, "click_type")?;
    if !CLICK_TYPES.contains(&click_type) {
        return Err(Answer::invalid("click_type"));
    }
    let companion = match click_type {
        "intent" => Some(("intent", 4096)),
        "url" => Some(("url", 1024)),
        "payload" | "payload_custom" => Some(("payload", MAX_PAYLOAD)),
        "want" => Some(("want", 1000)),
        _ => None,
    };
    if let Some((key, max)) = companion {
        max_chars(key, req_str(n, key)?, max)?;
    }
    let limits = [
        ("intent", 4096),
        ("url", 1024),
        ("payload", MAX_PAYLOAD),
        ("big_text", 512),
        ("big_image", 1024),
        ("logo", 64),
        ("logo_url", 256),
        ("channel_id", 64),
        ("channel_name", 64),
    ];
    for (key, max) in limits {
        if let Some(text) = opt_str(n, key)? {
            max_chars(key, text, max)?;
        }
    }
    if get(n, "big_text").is_some() && get(n, "big_image").is_some() {
        return Err(Answer::param("big_text and big_image cannot setting at same time"));
    }
    let ranges = [("channel_level", 0, 4), ("notify_id", 0, 2_147_483_647), ("badge_add_num", 1, i64::MAX)];
    for (key, min, max) in ranges {
        if let Some(n) = opt_i64(n, key)?
            && !(min..=max).contains(&n)
        {
            return Err(Answer::invalid(key));
        }
    }
    Ok(())
}

/// `push_channel` must be an object whose `ios`, `android`, `harmony` and `mp` are objects, and
/// `android.ups` an object holding at most one of notification / transmission / revoke.
pub(super) fn push_channel(value: &Value) -> Result<(), Answer> {
    let Value::Object(channel) = value else {
        return Err(Answer::type_error("push_channel"));
    };
    for key in ["ios", "android", "harmony", "mp"] {
        opt_object(channel, key)?;
    }
    if let Some(android) = opt_object(channel, "android")?
        && let Some(ups) = opt_object(android, "ups")?
    {
        let kinds = ["notification", "transmission", "revoke"].iter().filter(|k| get(ups, k).is_some()).count();
        if kinds > 1 {
            return Err(Answer::param(ONE_OF));
        }
        if let Some(text) = opt_str(ups, "transmission")? {
            max_chars("transmission", text, MAX_PAYLOAD)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn err(v: Value) -> String {
        push_message(&v).err().map(|a| a.msg.into_owned()).unwrap_or_default()
    }

    #[test]
    fn one_of_and_fields() {
        let ok = json!({"title": "t", "body": "b", "click_type": "startapp"});
        assert_eq!(push_message(&json!({"notification": ok})).ok(), Some("notification"));
        assert_eq!(push_message(&json!({"revoke": {"old_task_id": "RASS_1"}})).ok(), Some("revoke"));
        assert_eq!(err(json!({"notification": ok, "transmission": "x"})), ONE_OF);
        assert_eq!(err(json!({})), ONE_OF);
        assert_eq!(err(json!({"transmission": "x".repeat(3073)})), "transmission size over limit");
        assert!(push_message(&json!({"transmission": "个".repeat(3072)})).is_ok(), "chars, not bytes");
        assert_eq!(err(json!({"notification": {"body": "b", "click_type": "none"}})), "title can not be empty");
        let long_title = json!({"title": "t".repeat(51), "body": "b", "click_type": "none"});
        assert_eq!(err(json!({"notification": long_title})), "title size over limit");
        let url = json!({"title": "t", "body": "b", "click_type": "url"});
        assert_eq!(err(json!({"notification": url})), "url can not be empty");
        let bad = json!({"title": "t", "body": "b", "click_type": "open"});
        assert_eq!(err(json!({"notification": bad})), "click_type is invalid");
        assert_eq!(err(json!({"transmission": "x", "duration": "0-1000"})), "duration is invalid");
        assert!(push_channel(&json!({"android": {"ups": {"notification": {}, "transmission": "x"}}})).is_err());
        assert!(push_channel(&json!({"ios": {"type": "notify"}})).is_ok());
    }
}
