//! Checks of the push body ("PushBody", Getui REST v2 docs: push body) except the audience, and
//! field helpers.
//!
//! Lengths count Unicode scalar values (chars). `null` counts as absent. Errors are HTTP 400,
//! code 20001 with the reference's wording (`{param} can not be empty`, `{param} is invalid`,
//! `{param} size over limit`, `{param} type error`). A body that is not a JSON object answers
//! code 1 (HTTP 200), whatever the Content-Type.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::envelope::Answer;
use super::notification;
use super::time::DAY_MS;

/// Shortest and longest accepted `request_id`.
const REQUEST_ID_CHARS: std::ops::RangeInclusive<usize> = 10..=32;
/// Longest `settings.ttl` (3 days).
const MAX_TTL_MS: i64 = 259_200_000;

/// The Getui-channel message of a push, as recorded in the inbox.
#[derive(Debug, Clone)]
pub(super) struct Message {
    /// `notification`, `transmission` or `revoke`.
    pub(super) msgtype: &'static str,
    /// The `push_message` object.
    pub(super) content: Arc<Value>,
    /// The `request_id`, when given.
    pub(super) request_id: Option<Arc<str>>,
}

/// A checked push body, audience aside.
#[derive(Debug)]
pub(super) struct PushBody {
    pub(super) message: Message,
    /// `settings.schedule_time`, when given (only where allowed).
    pub(super) schedule_ms: Option<i64>,
}

/// What the endpoint allows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rules {
    /// `request_id` is mandatory (every push except `/push/list/message`).
    pub(super) request_id_required: bool,
    /// `settings.schedule_time` is allowed (`/push/all`, `/push/tag`).
    pub(super) schedule_allowed: bool,
    /// The emulator's now, for `schedule_time`.
    pub(super) now_ms: i64,
}

/// The body as a JSON object, or code 1.
pub(super) fn object(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Answer::code(1)),
    }
}

/// `map[key]` unless absent or null.
pub(super) fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

/// An optional string field.
pub(super) fn opt_str<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Answer> {
    match get(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Answer::type_error(key)),
    }
}

/// A mandatory, non-empty string field.
pub(super) fn req_str<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a str, Answer> {
    opt_str(map, key)?.filter(|s| !s.is_empty()).ok_or_else(|| Answer::empty(key))
}

/// An optional integer field.
pub(super) fn opt_i64(map: &Map<String, Value>, key: &str) -> Result<Option<i64>, Answer> {
    match get(map, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Answer::invalid(key)),
        Some(_) => Err(Answer::type_error(key)),
    }
}

/// An optional boolean field.
pub(super) fn opt_bool(map: &Map<String, Value>, key: &str) -> Result<Option<bool>, Answer> {
    match get(map, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Answer::type_error(key)),
    }
}

/// An optional object field.
pub(super) fn opt_object<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, Answer> {
    match get(map, key) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(Answer::type_error(key)),
    }
}

/// `key size over limit` when `text` has more than `max` chars.
pub(super) fn max_chars(key: &str, text: &str, max: usize) -> Result<(), Answer> {
    if text.chars().count() > max { Err(Answer::over_limit(key)) } else { Ok(()) }
}

/// The `request_id`: 10–32 chars.
pub(super) fn request_id(map: &Map<String, Value>, required: bool) -> Result<Option<Arc<str>>, Answer> {
    let Some(id) = opt_str(map, "request_id")? else {
        return if required { Err(Answer::empty("request_id")) } else { Ok(None) };
    };
    let chars = id.chars().count();
    if chars > *REQUEST_ID_CHARS.end() {
        return Err(Answer::over_limit("request_id"));
    }
    if chars < *REQUEST_ID_CHARS.start() || id.chars().any(char::is_whitespace) {
        return Err(Answer::invalid("request_id"));
    }
    Ok(Some(id.into()))
}

/// Checks everything of a push body except `audience`.
pub(super) fn push_body(map: &Map<String, Value>, rules: Rules) -> Result<PushBody, Answer> {
    let request_id = request_id(map, rules.request_id_required)?;
    let schedule_ms = match opt_object(map, "settings")? {
        Some(settings) => self::settings(settings, rules)?,
        None => None,
    };
    let push_message = get(map, "push_message").ok_or_else(|| Answer::empty("push_message"))?;
    let msgtype = notification::push_message(push_message)?;
    if let Some(channel) = get(map, "push_channel") {
        notification::push_channel(channel)?;
    }
    if let Some(group) = opt_str(map, "group_name")? {
        let valid = group.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid || group.chars().count() > 100 {
            return Err(Answer::invalid("group_name"));
        }
    }
    let message = Message { msgtype, content: Arc::new(push_message.clone()), request_id };
    Ok(PushBody { message, schedule_ms })
}

/// `settings`: ttl, strategy, speed and (where allowed) schedule_time.
fn settings(settings: &Map<String, Value>, rules: Rules) -> Result<Option<i64>, Answer> {
    if let Some(ttl) = opt_i64(settings, "ttl")?
        && !(-1..=MAX_TTL_MS).contains(&ttl)
    {
        return Err(Answer::invalid("ttl"));
    }
    if opt_i64(settings, "speed")?.is_some_and(|s| s < 0) {
        return Err(Answer::invalid("speed"));
    }
    if let Some(strategy) = opt_object(settings, "strategy")? {
        let valid = |v: &Value| v.as_i64().is_some_and(|n| matches!(n, 1..=4 | 6));
        if !strategy.values().all(valid) {
            return Err(Answer::invalid("strategy"));
        }
    }
    let Some(at) = opt_i64(settings, "schedule_time")? else {
        return Ok(None);
    };
    if !rules.schedule_allowed || at <= rules.now_ms {
        return Err(Answer::invalid("schedule_time"));
    }
    if at > rules.now_ms + 7 * DAY_MS {
        return Err(Answer::error(22002, "schedule_time is invalid, it must be within 7 days"));
    }
    Ok(Some(at))
}

/// A list of strings under `key` of `audience`: present, non-empty, no duplicates (checked
/// first), at most `max`.
pub(super) fn string_list(audience: &Map<String, Value>, key: &str, max: usize) -> Result<Vec<String>, Answer> {
    let items = match get(audience, key) {
        None => return Err(Answer::empty(key)),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(Answer::type_error(key)),
    };
    if items.is_empty() {
        return Err(Answer::empty(key));
    }
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let text = item.as_str().filter(|s| !s.is_empty()).ok_or_else(|| Answer::invalid(key))?;
        if !seen.insert(text) {
            return Err(Answer::param(format!("contains duplicate {key}")));
        }
        out.push(text.to_owned());
    }
    if out.len() > max {
        return Err(Answer::over_limit(key));
    }
    Ok(out)
}

/// The `audience` object of a body.
pub(super) fn audience(map: &Map<String, Value>) -> Result<&Map<String, Value>, Answer> {
    match get(map, "audience") {
        None => Err(Answer::empty("audience")),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(Answer::invalid("audience")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(body: Value, schedule_allowed: bool) -> Result<PushBody, Answer> {
        let rules = Rules { request_id_required: true, schedule_allowed, now_ms: 1_000 };
        push_body(body.as_object().unwrap_or(&Map::new()), rules)
    }

    fn msg(r: Result<PushBody, Answer>) -> String {
        r.err().map(|a| a.msg.into_owned()).unwrap_or_default()
    }

    #[test]
    fn request_id_and_settings() {
        let pm = json!({"transmission": "x"});
        assert!(check(json!({"request_id": "0123456789", "push_message": pm}), false).is_ok());
        assert_eq!(msg(check(json!({"push_message": pm}), false)), "request_id can not be empty");
        assert_eq!(msg(check(json!({"request_id": "short", "push_message": pm}), false)), "request_id is invalid");
        let long = "x".repeat(33);
        assert_eq!(msg(check(json!({"request_id": long, "push_message": pm}), false)), "request_id size over limit");
        let with = |settings: Value| json!({"request_id": "0123456789", "push_message": pm, "settings": settings});
        assert_eq!(msg(check(with(json!({"ttl": 259_200_001})), false)), "ttl is invalid");
        assert!(check(with(json!({"ttl": -1})), false).is_ok());
        assert_eq!(msg(check(with(json!({"schedule_time": 5_000})), false)), "schedule_time is invalid");
        assert_eq!(check(with(json!({"schedule_time": 5_000})), true).ok().and_then(|b| b.schedule_ms), Some(5_000));
        let far = check(with(json!({"schedule_time": 1_000 + 7 * DAY_MS + 1})), true);
        assert_eq!(far.err().map(|a| a.code), Some(22002));
        assert_eq!(msg(check(with(json!({"strategy": {"default": 5}})), false)), "strategy is invalid");
    }
}
