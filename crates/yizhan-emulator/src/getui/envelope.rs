//! The Getui response envelope `{"code":N,"msg":"...","data":...}` and its HTTP status (Getui REST
//! v2 docs: return codes).
//!
//! HTTP status tracks the business code: 0, 1, 2 and 301 → 200; 404 → 404; 405 → 405;
//! 1xxxx → 401; 2xxxx → 400; 3xxxx → 403; any other code (only reachable through `fail_next`,
//! e.g. −1) → 500.

use std::borrow::Cow;

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use crate::faults::Fault;
use crate::provider::Reply;

/// One Getui answer before serialization. Handlers return `Result<Answer, Answer>` so that `?`
/// can short-circuit on an error answer; both sides are sent the same way.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Answer {
    pub(super) code: i64,
    pub(super) msg: Cow<'static, str>,
    pub(super) data: Option<Value>,
}

/// A handler's outcome (`Err` = an error answer, sent like any other).
pub(super) type Res = Result<Answer, Answer>;

#[derive(Serialize)]
struct Envelope<'a> {
    code: i64,
    msg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
}

impl Answer {
    /// Success with `data` and an empty `msg` (as push and auth answers have).
    pub(super) fn data(data: Value) -> Self {
        Self { code: 0, msg: Cow::Borrowed(""), data: Some(data) }
    }

    /// Success without data, `msg` = "success" (task and user answers).
    pub(super) fn success() -> Self {
        Self { code: 0, msg: Cow::Borrowed("success"), data: None }
    }

    /// Success with data, `msg` = "success".
    pub(super) fn success_data(data: Value) -> Self {
        Self { code: 0, msg: Cow::Borrowed("success"), data: Some(data) }
    }

    /// Any code with an explicit message.
    pub(super) fn error(code: i64, msg: impl Into<Cow<'static, str>>) -> Self {
        Self { code, msg: msg.into(), data: None }
    }

    /// Any code with its default message.
    pub(super) fn code(code: i64) -> Self {
        Self::error(code, default_msg(code))
    }

    /// HTTP 400, code 20001 with `msg`.
    pub(super) fn param(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::error(20001, msg)
    }

    /// `{param} can not be empty`.
    pub(super) fn empty(param: &str) -> Self {
        Self::param(format!("{param} can not be empty"))
    }

    /// `{param} is invalid`.
    pub(super) fn invalid(param: &str) -> Self {
        Self::param(format!("{param} is invalid"))
    }

    /// `{param} size over limit`.
    pub(super) fn over_limit(param: &str) -> Self {
        Self::param(format!("{param} size over limit"))
    }

    /// `{param} type error`.
    pub(super) fn type_error(param: &str) -> Self {
        Self::param(format!("{param} type error"))
    }

    /// 401/10001: the token is missing, unknown, revoked or expired.
    pub(super) fn bad_token() -> Self {
        Self::code(10001)
    }

    /// The HTTP status of this answer.
    pub(super) fn status(&self) -> StatusCode {
        status_of(self.code)
    }

    /// Serializes the envelope with its status.
    pub(super) fn into_reply(self) -> Reply {
        let body = Envelope { code: self.code, msg: &self.msg, data: self.data.as_ref() };
        Reply::json(self.code == 0, &body).with_status(self.status())
    }
}

/// The HTTP status that goes with a business code.
pub(super) fn status_of(code: i64) -> StatusCode {
    match code {
        0..=2 | 301 => StatusCode::OK,
        404 => StatusCode::NOT_FOUND,
        405 => StatusCode::METHOD_NOT_ALLOWED,
        10_000..=19_999 => StatusCode::UNAUTHORIZED,
        20_000..=29_999 => StatusCode::BAD_REQUEST,
        30_000..=39_999 => StatusCode::FORBIDDEN,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A realistic `msg` for a code (used for injected faults and quota answers).
pub(super) fn default_msg(code: i64) -> &'static str {
    match code {
        0 => "success",
        1 => "request body is not a json object",
        2 => "service is starting, please wait",
        301 => "domain is not for this appId, switch to the returned host_list",
        404 => "not found",
        405 => "method not allowed",
        10001 => "token is invalid",
        10002 => "appId or ip is in blacklist",
        10003 => "auth frequency over limit, max 100 per minute",
        10004 => "no permission to query message detail",
        10005 => "api frequency over limit",
        20001 => "param is invalid",
        22001 => "schedule task has been executed, can not be deleted",
        22002 => "task is invalid or schedule_time is invalid",
        23001 => "tag operation failed",
        30000 => "no permission to push by fast_custom_tag",
        30002 => "no permission to push a scheduled task",
        30003 => "no permission to push to app or tag",
        30007 => "push/all daily limit exceeded",
        30008 => "push/list daily limit exceeded, max 2000000",
        30010 => "push/tag daily limit exceeded (shared with push/all)",
        30014 => "push/all and push/tag frequency over limit, max 5 per minute",
        30015 => "push/list frequency over limit",
        30019 => "system busy, please try again later",
        code if (30_000..=39_999).contains(&code) => "over the plan's limit or without permission",
        _ => "system error",
    }
}

/// A domain hash for a host list: 32 hex digits derived from the domains (like an md5).
fn domain_hash(domains: &[String]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(domains.join(",").as_bytes());
    super::auth::hex(&digest[..16])
}

/// Code 301 with a new host list, as the Java SDK parses it.
pub(super) fn redirect(domains: &[String]) -> Answer {
    let data = json!({
        "host_list": [{"domain_list": domains, "priority_gap": 30}],
        "domain_hash": domain_hash(domains),
    });
    Answer { data: Some(data), ..Answer::code(301) }
}

/// The answer to an injected (non-transport) fault. A scripted 301 without domains points at the
/// emulator itself (`http://{host}`).
pub(super) fn fault_answer(fault: Fault, host: Option<&str>) -> Answer {
    match fault {
        Fault::Redirect(domains) => redirect(&domains),
        Fault::Errcode(301) => redirect(&[format!("http://{}", host.unwrap_or("127.0.0.1"))]),
        Fault::Errcode(code) => Answer::code(code),
        // Transport faults are answered before this point.
        Fault::DropConnection | Fault::Http500 | Fault::LoseAnswer(_) | Fault::ExpireTokens => Answer::code(30019),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_track_codes() {
        let cases = [(0, 200), (1, 200), (2, 200), (301, 200), (404, 404), (405, 405), (10001, 401), (10004, 401)];
        for (code, status) in cases.into_iter().chain([(20001, 400), (22002, 400), (30014, 403), (-1, 500)]) {
            assert_eq!(status_of(code).as_u16(), status, "{code}");
        }
    }

    #[test]
    fn envelope_shape() {
        let reply = Answer::param("target user is invalid").into_reply();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(!reply.ok);
        let v: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
        assert_eq!(v, json!({"code": 20001, "msg": "target user is invalid"}));
        let r = redirect(&["http://b".to_owned()]);
        let hash = r.data.as_ref().and_then(|d| d["domain_hash"].as_str()).unwrap_or_default().to_owned();
        assert_eq!(hash.len(), 32);
        assert_eq!(r.data.unwrap_or_default()["host_list"][0]["domain_list"], json!(["http://b"]));
    }
}
