//! DingTalk robot answers: `{"errcode":N,"errmsg":"…"}` with HTTP 200, and the text of every
//! errcode the emulator uses (`docs/dingtalk-feishu.md`, "DingTalk error codes").
//!
//! Texts are the observed strings where one is known (`sign not match`, `keywords not in
//! content`, `缺少参数 json`, …) and the meaning from the doc's error table otherwise. Several
//! meanings share errcode 310000, so clients must read `errmsg` by prefix: older servers append
//! `, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]`, as the emulator does.

use std::net::IpAddr;

use serde::Serialize;

use crate::group_bot::{Rejection, display_ip};
use crate::provider::Reply;

/// The suffix older servers append to 310000 messages.
const MORE: &str = ", more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]";

/// The standard text of an errcode.
pub(super) fn text(code: i64) -> &'static str {
    match code {
        -1 => "系统繁忙",
        0 => "ok",
        40035 => "缺少参数 json",
        90030 => "webhook over limit",
        101002 => "message is too long",
        130101 => "send too fast, exceed 20 times per minute",
        300001 | 300005 => "token is not exist",
        310000 => "sign not match",
        400013 => "群已被解散",
        400101 => "access_token不存在",
        400102 => "机器人已停用",
        400105 => "不支持的消息类型",
        400106 => "机器人不存在",
        410100 => "发送速度太快而限流",
        430101 => "含有不安全的外链",
        430102 => "含有不合适的文本",
        430103 => "含有不合适的图片",
        430104 => "含有不合适的内容",
        460101 => "message too long, exceed 20000 bytes",
        660026 => "too many requests",
        _ => "unknown error",
    }
}

/// A rejection with the standard text of `code`.
pub(super) fn standard(code: i64) -> Rejection {
    Rejection::new(code, text(code))
}

/// 310000 with one of its four messages and the `more` suffix.
fn security(message: String) -> Rejection {
    Rejection::new(310000, format!("{message}{MORE}"))
}

/// 310000 `sign not match`.
pub(super) fn sign_not_match() -> Rejection {
    security("sign not match".to_owned())
}

/// 310000 `invalid timestamp`.
pub(super) fn invalid_timestamp() -> Rejection {
    security("invalid timestamp".to_owned())
}

/// 310000 `keywords not in content`.
pub(super) fn keywords_not_in_content() -> Rejection {
    security("keywords not in content".to_owned())
}

/// 310000 `ip X.X.X.X not in whitelist`.
pub(super) fn ip_not_allowed(ip: IpAddr) -> Rejection {
    security(format!("ip {} not in whitelist", display_ip(ip)))
}

/// 460101 for a body over `max` bytes.
pub(super) fn too_long(max: usize) -> Rejection {
    Rejection::new(460101, format!("message too long, exceed {max} bytes"))
}

/// A missing, empty or wrongly typed field, e.g. `path = "markdown --》 title"`: 400402 for
/// titles (observed for `markdown.title`), 400403 for every other field (observed for
/// `markdown.text`); which code other fields get is unconfirmed.
pub(super) fn missing(path: &str) -> Rejection {
    let code = if path.ends_with("title") || path.ends_with("Title") { 400402 } else { 400403 };
    Rejection::new(
        code,
        format!(
            "错误描述:参数 {path} 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;\
             参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;"
        ),
    )
}

#[derive(Serialize)]
struct Body<'a> {
    errcode: i64,
    errmsg: &'a str,
}

/// The answer for a rejection (or success, code 0).
pub(super) fn reply(rejection: &Rejection) -> Reply {
    Reply::json(rejection.code == 0, &Body { errcode: rejection.code, errmsg: &rejection.text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_and_shapes() {
        for code in [-1, 40035, 130101, 300001, 300005, 400013, 400101, 400102, 400105, 400106, 410100, 460101] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        assert_eq!(missing("markdown --》 title").code, 400402);
        assert_eq!(missing("actionCard --》 singleTitle").code, 400402);
        assert_eq!(missing("markdown --》 text").code, 400403);
        assert!(missing("text --》 content").text.starts_with("错误描述:参数 text --》 content 缺失"));
        let ip = ip_not_allowed("10.1.2.3".parse().unwrap());
        assert_eq!(
            ip.text,
            "ip 10.1.2.3 not in whitelist, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"
        );
        let body: serde_json::Value = serde_json::from_slice(&reply(&standard(0)).body).unwrap();
        assert_eq!(body, serde_json::json!({"errcode": 0, "errmsg": "ok"}));
    }
}
