//! WeCom error answers: `{"errcode":N,"errmsg":"<text>, hint: [...], from ip: ..., more info at ..."}`.
//!
//! Texts follow the observed strings where the reference quotes one (40013, 40001, 40014, 42001,
//! 40058, 81013, …) and read like them otherwise. Clients must decide on `errcode` only.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::provider::Reply;

/// Why a request was refused: the errcode and, when the generic text is not enough, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    pub(crate) code: i64,
    pub(crate) text: Cow<'static, str>,
}

impl Rejection {
    /// A rejection with the standard text of `code`.
    pub(crate) fn new(code: i64) -> Self {
        Self { code, text: Cow::Borrowed(text(code)) }
    }

    /// A rejection with a specific text.
    pub(crate) fn with_text(code: i64, text: impl Into<Cow<'static, str>>) -> Self {
        Self { code, text: text.into() }
    }
}

/// The standard English text of an errcode.
pub(crate) fn text(code: i64) -> &'static str {
    match code {
        -1 => "system busy",
        0 => "ok",
        40001 => "invalid credential",
        40003 => "invalid userid",
        40004 => "invalid media type",
        40005 => "invalid type",
        40006 => "invalid file size",
        40007 => "invalid media_id",
        40008 => "invalid message type",
        40009 => "invalid image size",
        40011 => "invalid video size",
        40013 => "invalid corpid",
        40014 => "invalid access_token",
        40031 => "invalid userid list",
        40032 => "invalid userid list size",
        40033 => "invalid charset. please check your request",
        40035 => "invalid Request Parameter",
        40039 => "invalid url size",
        40056 => "invalid agentid",
        40058 => "invalid Request Parameter",
        40063 => "some parameters are empty",
        40091 => "secret is invalid",
        41001 => "access_token missing",
        41002 => "corpid missing",
        41004 => "corpsecret missing",
        41005 => "media data missing",
        41006 => "media_id missing",
        41011 => "missing agentid",
        42001 => "access_token expired",
        44001 => "empty media data",
        44004 => "empty content",
        45001 => "media size out of limit",
        45002 => "content size out of limit",
        45008 => "article size out of limit",
        45009 => "api freq out of limit",
        45032 => "author size out of limit",
        45033 => "api concurrent out of limit",
        48002 => "api forbidden",
        50002 => "out of scope of members",
        60020 => "not allow to access from your ip",
        81013 => "user & party & tag all invalid",
        82001 => "touser & toparty & totag all empty",
        82002 => "invalid party list size",
        82003 => "invalid tag list size",
        86001 => "invalid chatid",
        86003 => "chatid not exist",
        86005 => "invalid owner",
        86006 => "invalid chat member count",
        86008 => "chat not created by this app",
        86215 => "chatid already exists",
        86216 => "invalid chat member",
        90200 => "miniprogram appid missing",
        90201 => "miniprogram content_item size exceed limit",
        90202 => "miniprogram content_item key exceed max length",
        90203 => "miniprogram content_item value exceed max length",
        93000 => "invalid webhook url",
        93004 => "webhook robot is disabled",
        93008 => "webhook robot is not in the group",
        _ => "unknown error",
    }
}

/// `"<text>, hint: [<secs>_<n>_<32 hex>], from ip: <ip>, more info at …?e=<code>"`.
pub(crate) fn errmsg(code: i64, text: &str, ip: IpAddr, now_secs: i64) -> String {
    let mut msg = String::with_capacity(text.len() + 140);
    let _ = write!(msg, "{text}, hint: [{now_secs}_{}_", fastrand::u16(1..1000));
    for _ in 0..32 {
        msg.push(char::from(b"0123456789abcdef"[fastrand::usize(..16)]));
    }
    let _ = write!(msg, "], from ip: {ip}, more info at https://open.work.weixin.qq.com/devtool/query?e={code}");
    msg
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    errcode: i64,
    errmsg: &'a str,
}

/// The plain error answer `{"errcode","errmsg"}` for a rejection.
pub(crate) fn error_reply(rejection: &Rejection, ip: IpAddr, now_secs: i64) -> Reply {
    let errmsg = errmsg(rejection.code, &rejection.text, ip, now_secs);
    Reply::json(rejection.code == 0, &ErrorBody { errcode: rejection.code, errmsg: &errmsg })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn errmsg_looks_real() {
        let msg = errmsg(40014, text(40014), IpAddr::V4(Ipv4Addr::LOCALHOST), 1_700_000_000);
        assert!(msg.starts_with("invalid access_token, hint: [1700000000_"), "{msg}");
        assert!(
            msg.ends_with("], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=40014")
        );
        let hint = &msg[msg.find('[').unwrap_or(0) + 1..msg.find(']').unwrap_or(0)];
        assert_eq!(hint.rsplit('_').next().map(str::len), Some(32));
    }

    #[test]
    fn every_used_code_has_a_text() {
        for code in [-1, 40001, 40008, 40013, 40014, 40035, 40056, 40058, 40063, 41001, 41002, 41004, 41006, 41011] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        for code in [42001, 44004, 45008, 81013, 82001, 82002, 82003, 90200, 90201, 90202, 90203, 93000, 93004] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        for code in [93008, 40004, 40005, 40006, 40007, 40009, 41005, 44001, 45009] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        for code in [86001, 86003, 86005, 86006, 86008, 86215, 86216] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        for code in [40004, 40005, 40006, 40007, 40009, 40011, 44001, 45001] {
            assert_ne!(text(code), "unknown error", "{code}");
        }
        assert_eq!(Rejection::new(40008).text, "invalid message type");
    }
}
