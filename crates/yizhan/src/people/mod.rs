//! People (docs/people.md): `[[people]]` maps a person to their id on each kind of channel, so
//! a message can be addressed `to: {people: ["alice"]}` and each channel gets the right ids;
//! [`sync`] imports them from the WeCom directory.
//!
//! A request's `to.people` is resolved when the message is accepted (and by `yizhan send`):
//! each person's id for the target channel's kind is added to that kind's recipient list
//! ([`crate::providers::address_person`] says which), and `to.people` is emptied before
//! planning. An unknown person, or one without an id for the kind, is refused with 422 naming
//! `to.people[i]`: a message never silently misses someone.

pub mod sync;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::config::ChannelConfig;
use crate::gateway::{ApiError, MessageRequest};

/// One `[[people]]` entry: an id of yizhan's own and the person's ids per channel kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    /// How requests name the person (`to.people`); unique.
    pub id: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// WeCom userid: `wecom_app` recipients and `wecom_robot` mentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wecom_userid: Option<String>,
    /// Getui cid (preferred for `getui` channels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub getui_cid: Option<String>,
    /// Getui alias (used when there is no cid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub getui_alias: Option<String>,
    /// DingTalk user id, mentioned by `dingtalk_robot` channels (preferred over the mobile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dingtalk_user_id: Option<String>,
    /// Mobile number a `dingtalk_robot` mentions when there is no user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dingtalk_mobile: Option<String>,
    /// Feishu/Lark open_id (`ou_…`), mentioned by `feishu_bot` channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feishu_open_id: Option<String>,
    /// Email address for `email` channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `request` with `to.people` resolved for `channel` from `people`; unchanged (borrowed) when
/// it names nobody.
pub fn resolve<'a>(
    people: &[PersonConfig],
    request: &'a MessageRequest,
    channel: &ChannelConfig,
) -> Result<Cow<'a, MessageRequest>, ApiError> {
    if request.to.people.is_empty() {
        return Ok(Cow::Borrowed(request));
    }
    let kind = channel.channel_kind();
    let mut resolved = request.clone();
    resolved.to.people.clear();
    for (i, id) in request.to.people.iter().enumerate() {
        let field = format!("to.people[{i}]");
        let Some(person) = people.iter().find(|p| p.id == *id) else {
            return Err(ApiError::validation(field, format_args!("no person {id:?} in [[people]]")));
        };
        crate::providers::address_person(kind, person, &mut resolved.to).map_err(|keys| {
            ApiError::validation(
                field,
                format_args!("person {id:?} has no {keys} for {kind} channel {:?}", channel.name()),
            )
        })?;
    }
    Ok(Cow::Owned(resolved))
}

/// The problems of the people list: `(key path, message)` (ids must be unique and non-empty).
pub fn problems(people: &[PersonConfig]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, p) in people.iter().enumerate() {
        if p.id.trim().is_empty() {
            out.push((format!("people[{i}].id"), "must not be empty".to_owned()));
        } else if people[..i].iter().any(|q| q.id == p.id) {
            out.push((format!("people[{i}].id"), format!("{:?} is used by an earlier person", p.id)));
        }
    }
    out
}

/// Adds `value` to `list` unless it is there already.
pub(crate) fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

#[cfg(test)]
mod tests;
