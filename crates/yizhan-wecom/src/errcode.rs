//! The ONE classification table: every WeCom error code (WeCom docs: 全局错误码) → [`FailureKind`].
//!
//! Business endpoints use [`classify`]; `gettoken` uses [`classify_gettoken`], where credential
//! codes are configuration errors that must never loop. Unknown codes are `Permanent`: they fail
//! loudly and land in the dead-letter list with the provider's code and message.

use std::time::Duration;

use yizhan_core::FailureKind;

/// How long WeCom blocks a caller after a per-minute frequency limit (WeCom docs: 频率限制).
pub const PER_MINUTE_BLOCK: Duration = Duration::from_secs(60);

const PERMANENT: FailureKind = FailureKind::Permanent;
const TRANSIENT: FailureKind = FailureKind::Transient;
const TOKEN: FailureKind = FailureKind::TokenExpired;
const LIMITED: FailureKind = FailureKind::RateLimited { retry_after: Some(PER_MINUTE_BLOCK) };

/// Every documented code, its classification on business endpoints, and its meaning.
pub const TABLE: &[(i64, FailureKind, &str)] = &[
    (-1, TRANSIENT, "system busy"),
    (6000, TRANSIENT, "data version conflict"),
    (40001, TOKEN, "invalid credential (a bad secret on gettoken)"),
    (40003, PERMANENT, "invalid UserID"),
    (40004, PERMANENT, "invalid media file type"),
    (40005, PERMANENT, "invalid media type parameter"),
    (40006, PERMANENT, "invalid file size"),
    (40007, PERMANENT, "invalid media_id (temporary media expire after 3 days)"),
    (40008, PERMANENT, "invalid msgtype"),
    (40009, PERMANENT, "invalid image size"),
    (40011, PERMANENT, "invalid video size"),
    (40013, PERMANENT, "invalid corp id"),
    (40014, TOKEN, "invalid access_token"),
    (40031, PERMANENT, "invalid UserID list"),
    (40032, PERMANENT, "UserID list too long"),
    (40033, PERMANENT, "invalid characters"),
    (40035, PERMANENT, "invalid parameter"),
    (40039, PERMANENT, "URL too long"),
    (40050, PERMANENT, "chatid does not exist"),
    (40056, PERMANENT, "invalid agentid"),
    (40058, PERMANENT, "invalid parameter or content too long"),
    (40063, PERMANENT, "parameter empty"),
    (40091, PERMANENT, "secret invalid"),
    (41001, TOKEN, "access_token missing"),
    (41002, PERMANENT, "corpid missing"),
    (41004, PERMANENT, "corpsecret missing"),
    (41006, PERMANENT, "media_id missing"),
    (41011, PERMANENT, "agentid missing"),
    (42001, TOKEN, "access_token expired"),
    (42009, TOKEN, "suite_access_token expired"),
    (42017, PERMANENT, "button key does not exist"),
    (44001, PERMANENT, "empty media file"),
    (44004, PERMANENT, "text content empty"),
    (45001, PERMANENT, "media size over limit"),
    (45002, PERMANENT, "content size over limit"),
    (45007, PERMANENT, "voice longer than 60 s"),
    (45008, PERMANENT, "too many articles (more than 8)"),
    (45009, LIMITED, "API call frequency out of limit"),
    (45032, PERMANENT, "mpnews author longer than 64 bytes"),
    (45033, TRANSIENT, "concurrent call limit exceeded"),
    (45034, PERMANENT, "URL must have a scheme"),
    (48001, PERMANENT, "API not authorised"),
    (48002, PERMANENT, "API forbidden"),
    (48006, PERMANENT, "API permission revoked"),
    (50002, PERMANENT, "member outside the permission scope"),
    (50003, PERMANENT, "application disabled"),
    (60011, PERMANENT, "no privilege for the given user, party or tag"),
    (60020, PERMANENT, "caller IP not allowed"),
    (60021, PERMANENT, "userid not in the application's visible range"),
    (60111, PERMANENT, "userid does not exist"),
    (60123, PERMANENT, "department does not exist"),
    (81013, PERMANENT, "all of user, party and tag invalid"),
    (82001, PERMANENT, "no recipient (touser, toparty and totag all empty)"),
    (82002, PERMANENT, "party list too long"),
    (82003, PERMANENT, "tag list too long"),
    (86001, PERMANENT, "invalid chatid"),
    (86002, PERMANENT, "appchat parameter error"),
    (86003, PERMANENT, "chatid does not exist"),
    (86004, PERMANENT, "invalid chat name"),
    (86005, PERMANENT, "invalid chat owner"),
    (86006, PERMANENT, "too many or too few chat members"),
    (86007, PERMANENT, "invalid chat member"),
    (86008, PERMANENT, "chat not created by this application"),
    (86215, PERMANENT, "chatid already exists"),
    (86216, PERMANENT, "invalid chat member id"),
    (86217, PERMANENT, "sender not in the chat member list"),
    (86220, PERMANENT, "appchat error"),
    (90200, PERMANENT, "miniprogram_notice: appid missing"),
    (90201, PERMANENT, "miniprogram_notice: more than 10 content items"),
    (90202, PERMANENT, "miniprogram_notice: content item key too long"),
    (90203, PERMANENT, "miniprogram_notice: content item value too long"),
    (90204, PERMANENT, "miniprogram_notice: invalid page"),
    (90205, PERMANENT, "miniprogram_notice: mini-program not linked to the application"),
    (90206, PERMANENT, "miniprogram_notice: invalid appid"),
    (90207, PERMANENT, "miniprogram_notice: appid does not match"),
    (90208, PERMANENT, "miniprogram_notice: invalid parameter"),
    (93000, PERMANENT, "invalid webhook URL or robot removed from the group"),
    (93004, PERMANENT, "robot disabled"),
    (93008, PERMANENT, "robot not in the group"),
];

/// Classifies an error code from a business endpoint (anything but gettoken).
/// Returns `None` for 0 (success). Unknown codes are `Permanent`.
pub fn classify(code: i64) -> Option<FailureKind> {
    if code == 0 {
        return None;
    }
    Some(lookup(code).map_or(PERMANENT, |(_, kind, _)| kind))
}

/// Classifies an error code from `gettoken`. Credential and network-policy codes are
/// configuration errors (`Permanent`) — retrying cannot fix them.
pub fn classify_gettoken(code: i64) -> Option<FailureKind> {
    match code {
        0 => None,
        40001 | 40013 | 40091 | 41002 | 41004 | 60020 => Some(PERMANENT),
        other => classify(other),
    }
}

/// Classifies an error code from a group robot webhook (`webhook/send`, `webhook/upload_media`).
/// A robot has no access token, so the token codes are `Permanent` here: nothing can be
/// refreshed. Everything else is as in [`classify`] (45009 is `RateLimited`, -1 and 45033
/// `Transient`, 93000/93004/93008 `Permanent`).
pub fn classify_webhook(code: i64) -> Option<FailureKind> {
    match classify(code) {
        Some(FailureKind::TokenExpired) => Some(PERMANENT),
        other => other,
    }
}

/// True for the codes that mean "this access token is no longer good": drop it, fetch a new
/// one and retry the request once. 40001 counts only outside gettoken.
pub fn is_token_error(code: i64) -> bool {
    matches!(code, 40001 | 40014 | 41001 | 42001)
}

/// The meaning of a documented code.
pub fn describe(code: i64) -> Option<&'static str> {
    lookup(code).map(|(_, _, meaning)| meaning)
}

/// What to do about a configuration error, for CLI and health output.
pub fn remedy(code: i64) -> Option<&'static str> {
    Some(match code {
        40013 => "corp_id is wrong: copy it from 我的企业 → 企业信息 → 企业ID",
        40001 | 40091 => "secret is wrong or belongs to another corp/app: copy the application's Secret from 应用管理",
        41002 | 41004 => "corp_id or secret is empty in the configuration",
        40056 | 41011 => "agent_id does not belong to this secret's application",
        60020 => {
            "the caller's IP is not in the application's trusted IPs (企业可信IP): add the IP that WeCom \
             reported (\"from ip\") under 应用管理 → the app → 企业可信IP"
        }
        48001 | 48002 | 48006 => {
            "the application lacks permission for this API (check the secret type and app settings)"
        }
        50003 => "the application is disabled: enable it in 应用管理",
        93000 => {
            "the webhook key is wrong or the robot was removed from its group: copy the key from the \
             robot's webhook URL (群设置 → 消息推送/群机器人) again"
        }
        93004 => "the robot is disabled: enable it in the group's robot settings",
        93008 => "the robot is not in the group any more: add it back or create a new robot",
        _ => return None,
    })
}

/// Extracts the caller IP from an errmsg such as `"..., from ip: 203.0.113.9, more info at ..."`.
pub fn caller_ip(errmsg: &str) -> Option<&str> {
    let rest = &errmsg[errmsg.find("from ip:")? + "from ip:".len()..];
    let ip = rest.trim_start().split(|c: char| c == ',' || c.is_whitespace()).next()?;
    (!ip.is_empty()).then_some(ip)
}

fn lookup(code: i64) -> Option<(i64, FailureKind, &'static str)> {
    TABLE.iter().copied().find(|(c, _, _)| *c == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_rows_are_unique_and_classified_as_listed() {
        for (i, (code, kind, meaning)) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|(c, _, _)| c != code), "duplicate row {code}");
            assert_eq!(classify(*code), Some(*kind), "{code} {meaning}");
            assert!(!meaning.is_empty());
        }
    }

    #[test]
    fn the_rules_the_issue_names() {
        assert_eq!(classify(0), None);
        assert_eq!(classify(-1), Some(FailureKind::Transient));
        assert_eq!(classify(45033), Some(FailureKind::Transient));
        assert_eq!(classify(45009), Some(FailureKind::RateLimited { retry_after: Some(Duration::from_secs(60)) }));
        for code in [40014, 42001, 41001, 40001] {
            assert_eq!(classify(code), Some(FailureKind::TokenExpired), "{code}");
            assert!(is_token_error(code));
        }
        for code in [40013, 40001, 40091, 60020] {
            assert_eq!(classify_gettoken(code), Some(FailureKind::Permanent), "{code}");
        }
        assert_eq!(classify_gettoken(-1), Some(FailureKind::Transient));
        assert_eq!(classify(81013), Some(FailureKind::Permanent));
        assert_eq!(classify(123_456), Some(FailureKind::Permanent));
        assert!(!is_token_error(45009));
        for code in [93000, 93004, 93008, 40014, 42001] {
            assert_eq!(classify_webhook(code), Some(FailureKind::Permanent), "{code}");
        }
        assert_eq!(classify_webhook(45009), classify(45009));
        assert_eq!(classify_webhook(-1), Some(FailureKind::Transient));
        assert_eq!(classify_webhook(0), None);
    }

    #[test]
    fn caller_ip_is_read_from_errmsg() {
        let msg = "not allow to access from your ip, hint: [1700000000_1_abc], from ip: 203.0.113.9, more info at x";
        assert_eq!(caller_ip(msg), Some("203.0.113.9"));
        assert_eq!(caller_ip("no ip here"), None);
        assert!(remedy(60020).is_some_and(|r| r.contains("可信IP")));
    }

    proptest! {
        #[test]
        fn classification_is_total(code in any::<i64>()) {
            prop_assert_eq!(classify(code).is_none(), code == 0);
            prop_assert_eq!(classify_gettoken(code).is_none(), code == 0);
            prop_assert_ne!(classify_webhook(code), Some(FailureKind::TokenExpired));
            let _ = describe(code);
            let _ = remedy(code);
        }

        #[test]
        fn caller_ip_never_panics(s in ".*") {
            let _ = caller_ip(&s);
        }
    }
}
