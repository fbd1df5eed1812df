//! Feishu bot answers, all HTTP 200 (`docs/dingtalk-feishu.md`, "Feishu error codes"):
//! success `{"code":0,"msg":"success","data":{},"Extra":null,"StatusCode":0,"StatusMessage":"success"}`
//! (the legacy fields kept for old clients), errors `{"code":N,"data":{},"msg":"…"}`.

use serde_json::json;

use crate::group_bot::Rejection;
use crate::provider::Reply;

/// `msg` of a body that is not JSON, too large, or not sent as JSON.
pub(super) const BAD_REQUEST: &str = "Bad Request";
/// `msg` of a `content` that does not fit its `msg_type`.
pub(super) const BAD_CONTENT: &str = "Bad Request: fail to parse content";

/// The standard text of a code.
pub(super) fn text(code: i64) -> &'static str {
    match code {
        0 => "success",
        2200 => "Internal Error",
        9499 => BAD_REQUEST,
        11232 => "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]",
        19001 => "param invalid: incoming webhook access token invalid",
        19002 => "params error",
        19021 => "sign match fail or timestamp is not within one hour from current time",
        19022 => "Ip Not Allowed",
        19024 => "Key Words Not Found",
        19036 => "The message exceeds the size limit of 30KB",
        _ => "unknown error",
    }
}

/// A rejection with the standard text of `code`.
pub(super) fn standard(code: i64) -> Rejection {
    Rejection::new(code, text(code))
}

/// 19002 `params error, <detail>` (observed: `params error, msg_type need`).
pub(super) fn params_error(detail: &str) -> Rejection {
    Rejection::new(19002, format!("params error, {detail}"))
}

/// 9499 for a `content` (or post tag) that does not fit its `msg_type`.
pub(super) fn bad_content() -> Rejection {
    Rejection::new(9499, BAD_CONTENT)
}

/// The success answer.
pub(super) fn success() -> Reply {
    let body =
        json!({"code": 0, "msg": "success", "data": {}, "Extra": null, "StatusCode": 0, "StatusMessage": "success"});
    Reply::json(true, &body)
}

/// The answer for a rejection.
pub(super) fn error(rejection: &Rejection) -> Reply {
    if rejection.code == 0 {
        return success();
    }
    Reply::json(false, &json!({"code": rejection.code, "data": {}, "msg": rejection.text}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(reply: &Reply) -> serde_json::Value {
        serde_json::from_slice(&reply.body).unwrap()
    }

    #[test]
    fn shapes() {
        assert_eq!(body(&success())["StatusMessage"], "success");
        assert!(body(&success())["Extra"].is_null());
        let e = body(&error(&standard(19001)));
        assert_eq!(
            e,
            json!({"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"})
        );
        assert_eq!(params_error("msg_type need").text, "params error, msg_type need");
        for code in [2200, 9499, 11232, 19001, 19002, 19021, 19022, 19024, 19036] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
    }
}
