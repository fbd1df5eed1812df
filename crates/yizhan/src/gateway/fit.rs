//! `options.overflow`: text and markdown content over the provider's byte limit is split into
//! several messages, truncated, or refused, before the request is planned.
//!
//! Each provider names its limits ([`ChannelKind::text_limit`]): `wecom_app` text and
//! markdown 2048 bytes, `wecom_robot` text 2048 and markdown 4096 bytes, none for `getui`.
//!
//! Split parts are planned as separate requests in order; a robot text's mentions ride with the
//! first part only, so members are pinged once. Raw provider content (`wecom`, `wecom_robot`) and
//! Getui content are not touched: their own validation applies.

use super::error::ApiError;
use super::model::{Content, MessageRequest, Overflow};
use super::overflow::{split, truncate};
use crate::providers::ChannelKind;

/// `request` as one or more requests whose text fits the limit of `kind` channels, per
/// `options.overflow`; `reject` of text over the limit is a 422 naming the field, its length
/// and the limit.
pub(super) fn fit(request: &MessageRequest, kind: ChannelKind) -> Result<Vec<MessageRequest>, ApiError> {
    let Some(limit) = kind.text_limit(&request.content) else { return Ok(vec![request.clone()]) };
    let (text, rebuild): (&str, fn(String) -> Content) = match &request.content {
        Content::Text(t) => (t, Content::Text),
        Content::Markdown(m) => (m, Content::Markdown),
        _ => return Ok(vec![request.clone()]),
    };
    if text.len() <= limit {
        return Ok(vec![request.clone()]);
    }
    let with = |text: String, first: bool| {
        let mut part = MessageRequest { content: rebuild(text), ..request.clone() };
        if !first {
            part.to.mentions.clear();
            part.to.mention_mobiles.clear();
        }
        part
    };
    match request.options.overflow {
        Overflow::Reject => Err(ApiError::validation(
            format!("content.{}", request.content.key()),
            format_args!("is {} bytes, over the limit of {limit} bytes (options.overflow is \"reject\")", text.len()),
        )),
        Overflow::Truncate => Ok(vec![with(truncate(text, limit), true)]),
        Overflow::Split => Ok(split(text, limit).into_iter().enumerate().map(|(i, part)| with(part, i == 0)).collect()),
    }
}
