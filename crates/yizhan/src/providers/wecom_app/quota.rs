//! Quota units of a `wecom_app` channel (docs/shaping.md): per member (each `user:<id>` of a
//! `message/send`, id lower-cased, under the member windows), `party:`, `tag:` and `@all`
//! sends counted per call on `<scope>:group_sends` with the member windows, and `appchat/send`
//! per app on `<scope>:appchat`. The scope is `wecom:<corp_id>:<agent_id>`.

use crate::config::WecomAppConfig;
use crate::providers::{Endpoint, Recipient};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit, DAY_MS, HOUR_MS, MINUTE_MS, unit, windows};
use yizhan_core::window::Window;

/// The account scope of every key of the channel.
pub fn scope(app: &WecomAppConfig) -> String {
    format!("wecom:{}:{}", app.corp_id, app.agent_id)
}

/// The member windows and the per-call units of the channel under `limits`.
pub fn rules(scope: &str, limits: &QuotaLimits) -> (Vec<Window>, Vec<CallUnit>) {
    let member = windows(&[(limits.wecom_member_per_minute, MINUTE_MS), (limits.wecom_member_per_hour, HOUR_MS)]);
    let group_sends = unit(format!("{scope}:group_sends"), member.clone(), Budget::GroupSends);
    let spec = [(limits.wecom_appchat_per_minute, MINUTE_MS), (limits.wecom_appchat_per_day, DAY_MS)];
    let appchat = unit(format!("{scope}:appchat"), windows(&spec), Budget::Appchat);
    (member, group_sends.into_iter().chain(appchat).collect())
}

/// The per-call budget a call to `endpoint` for `recipients` takes, if any.
pub fn budget(endpoint: Endpoint, recipients: &[String]) -> Option<Budget> {
    match endpoint {
        Endpoint::WecomMessageSend => {
            let broad = recipients.iter().any(|r| {
                matches!(
                    Recipient::parse(r),
                    Recipient::Party(_) | Recipient::Tag(_) | Recipient::User("@all") | Recipient::Other("all")
                )
            });
            broad.then_some(Budget::GroupSends)
        }
        Endpoint::WecomAppchatSend => Some(Budget::Appchat),
        _ => None,
    }
}

/// The members a call counts against: `(index in recipients, lower-cased user id)` for every
/// `user:<id>` of a `message/send` (not `@all`).
pub fn members(endpoint: Endpoint, recipients: &[String]) -> Vec<(usize, String)> {
    if endpoint != Endpoint::WecomMessageSend {
        return Vec::new();
    }
    recipients
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let user = Recipient::parse(r).user()?;
            (user != "@all").then(|| (i, user.to_lowercase()))
        })
        .collect()
}
