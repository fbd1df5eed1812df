//! From an accepted [`MessageRequest`] to the provider calls that deliver it: pure, no I/O.
//!
//! [`plan()`] validates the request with the client crates' own rules and produces one
//! [`PlannedDispatch`] per provider call, holding the *exact* JSON body to send. The store
//! persists those bodies before the 202, and the worker sends them unchanged on every retry, so
//! provider-side dedupe (WeCom `enable_duplicate_check`, Getui `request_id`) recognises a resend.
//!
//! | channel kind | recipients | endpoint(s) |
//! |---|---|---|
//! | `wecom_app` | `users` (1000 per dispatch; `parties` and `tags` ride with the first), `all` | [`WECOM_MESSAGE_SEND`](crate::providers::endpoint::WECOM_MESSAGE_SEND) |
//! | `wecom_app` | `chatid` | [`WECOM_APPCHAT_SEND`](crate::providers::endpoint::WECOM_APPCHAT_SEND) |
//! | `wecom_robot` | the robot's group (`mentions` with text) | [`WECOM_WEBHOOK_SEND`](crate::providers::endpoint::WECOM_WEBHOOK_SEND) |
//! | `feishu_bot` | the bot's group (`mentions` with text or markdown) | [`FEISHU_BOT_HOOK`](crate::providers::endpoint::FEISHU_BOT_HOOK) |
//! | `dingtalk_robot` | the robot's group (`mentions`, `mention_mobiles` with text or markdown) | [`DINGTALK_ROBOT_SEND`](crate::providers::endpoint::DINGTALK_ROBOT_SEND) |
//! | `getui` | one cid / alias | [`GETUI_PUSH_SINGLE_CID`](crate::providers::endpoint::GETUI_PUSH_SINGLE_CID), [`GETUI_PUSH_SINGLE_ALIAS`](crate::providers::endpoint::GETUI_PUSH_SINGLE_ALIAS) |
//! | `getui` | several cids or aliases | [`GETUI_PUSH_LIST_MESSAGE`](crate::providers::endpoint::GETUI_PUSH_LIST_MESSAGE), then one [`GETUI_PUSH_LIST_CID`](crate::providers::endpoint::GETUI_PUSH_LIST_CID) / [`GETUI_PUSH_LIST_ALIAS`](crate::providers::endpoint::GETUI_PUSH_LIST_ALIAS) per 1000 (ordered after the first) |
//! | `getui` | `tag_conditions`, `all` | [`GETUI_PUSH_TAG`](crate::providers::endpoint::GETUI_PUSH_TAG), [`GETUI_PUSH_ALL`](crate::providers::endpoint::GETUI_PUSH_ALL) |
//!
//! Recipients of a dispatch are written `user:<id>`, `party:<id>`, `tag:<id>`, `chat:<id>`,
//! `group` (a robot's group), `cid:<id>`, `alias:<id>`, `tag_condition:<key>:<opt>:<values>` and
//! `all`, so per-recipient outcomes can be matched to what the provider reports.

use super::error::ApiError;
use super::model::{Content, MessageRequest};
use super::time::parse_rfc3339_ms;
use crate::config::ChannelConfig;
use crate::providers;

/// Everything needed to store and later deliver one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// When to send, ms since the epoch: `options.send_at`, or now (a past time means now).
    pub send_at_ms: i64,
    /// Give up when not sent by then (`options.expires_at`), ms since the epoch.
    pub expires_at_ms: Option<i64>,
    /// `options.exact`: do not spread sends scheduled on :00 or :30.
    pub exact: bool,
    /// One entry per provider call, in order.
    pub dispatches: Vec<PlannedDispatch>,
    /// The text was split into parts (`options.overflow` `split`): the dispatches must go out
    /// one after the other, each only after the previous one was delivered.
    pub ordered: bool,
    /// `options.dedupe`: a repeat of a body the provider deduplicates is suppressed, not sent.
    pub dedupe: bool,
}

/// One provider call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedDispatch {
    /// Which call, one of the [`endpoint`] names.
    pub endpoint: &'static str,
    /// The exact JSON body, sent unchanged on every attempt.
    pub body: Vec<u8>,
    /// The provider dedupe identity, when it is an id (Getui `request_id`). WeCom dedupes on
    /// the body itself (`enable_duplicate_check`), so it has none.
    pub dedupe_id: Option<String>,
    /// Who this call reaches (see the module docs for the notation).
    pub recipients: Vec<String>,
    /// Not sent before the dispatch at this index (of the same plan) was delivered; see
    /// [`yizhan_store::NewDispatch::after_seq`].
    pub after: Option<usize>,
}

/// Who a plan is for: the gateway's outbox, or one `yizhan send` in direct mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planning {
    /// The gateway: text over the provider's limit follows `options.overflow`, and a WeCom
    /// application send has the channel's duplicate check unless the request sets one.
    Gateway,
    /// One command-line send, no outbox: text over the limit is refused by the provider's own
    /// rule, and a WeCom application send has a duplicate check only when the request asks for
    /// one (without an outbox a repeat cannot be told from a resend; docs/wecom-client.md).
    OneShot,
}

/// Validates `request` for `channel` (the configured channel named by `request.channel`) and
/// plans its provider calls. Every refusal is a 422 `validation_failed` naming the request field.
pub fn plan(request: &MessageRequest, channel: &ChannelConfig, now_ms: i64) -> Result<Plan, ApiError> {
    plan_for(request, channel, now_ms, Planning::Gateway)
}

/// [`plan()`] for `planning`.
pub fn plan_for(
    request: &MessageRequest,
    channel: &ChannelConfig,
    now_ms: i64,
    planning: Planning,
) -> Result<Plan, ApiError> {
    let options = &request.options;
    let time = |field: &str, value: &Option<String>| {
        value.as_deref().map(parse_rfc3339_ms).transpose().map_err(|e| ApiError::validation(field, e))
    };
    let send_at_ms = time("options.send_at", &options.send_at)?.map_or(now_ms, |t| t.max(now_ms));
    let expires_at_ms = time("options.expires_at", &options.expires_at)?;
    if let Some(expires) = expires_at_ms
        && expires <= send_at_ms
    {
        return Err(ApiError::validation("options.expires_at", "must be later than now and than send_at"));
    }
    let kind = channel.kind();
    let only_for = [
        ("options.safe", options.safe, "wecom_app"),
        ("options.duplicate_check_interval", options.duplicate_check_interval.is_some(), "wecom_app"),
        ("options.dedupe", options.dedupe, "wecom_app"),
        ("options.request_id", options.request_id.is_some(), "getui"),
    ];
    if let Some((field, _, owner)) = only_for.iter().find(|(_, set, owner)| *set && *owner != kind) {
        return Err(ApiError::validation(
            *field,
            format_args!("applies to {owner} channels; {:?} is a {kind} channel", channel.name()),
        ));
    }
    let mut dispatches = Vec::new();
    let parts = match planning {
        Planning::Gateway => super::fit::fit(request, channel.channel_kind())?,
        Planning::OneShot => vec![request.clone()],
    };
    let ordered = parts.len() > 1;
    for part in parts {
        dispatches.extend(providers::plan(channel, &part, now_ms, planning)?);
    }
    Ok(Plan { send_at_ms, expires_at_ms, exact: options.exact, dispatches, ordered, dedupe: options.dedupe })
}

/// Fails when a recipient list that `kind` channels do not take is set.
pub(crate) fn reject_recipients(
    request: &MessageRequest,
    channel: &str,
    kind: &str,
    allowed: &[&str],
) -> Result<(), ApiError> {
    let to = &request.to;
    let set = [
        ("users", !to.users.is_empty()),
        ("parties", !to.parties.is_empty()),
        ("tags", !to.tags.is_empty()),
        ("all", to.all),
        ("chatid", to.chatid.is_some()),
        ("cids", !to.cids.is_empty()),
        ("aliases", !to.aliases.is_empty()),
        ("tag_conditions", !to.tag_conditions.is_empty()),
        ("mentions", !to.mentions.is_empty()),
        ("mention_mobiles", !to.mention_mobiles.is_empty()),
        ("emails", !to.emails.is_empty()),
    ];
    match set.iter().find(|(name, used)| *used && !allowed.contains(name)) {
        Some((name, _)) => Err(ApiError::validation(
            format!("to.{name}"),
            format_args!("{kind} channel {channel:?} takes only {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A 422 for content that `kind` channels do not take.
pub(crate) fn unsupported_content(content: &Content, channel: &str, kind: &str, takes: &str) -> ApiError {
    ApiError::validation(
        "content",
        format_args!("{} content does not apply to {kind} channel {channel:?}; it takes {takes}", content.key()),
    )
}

/// A client-crate validation error (its field and problem) as a 422 naming the request field,
/// keeping the provider's own wording for the command line.
pub(crate) fn invalid(provider_field: &str, problem: &str, request: &MessageRequest) -> ApiError {
    let error = ApiError::validation(api_field(provider_field, &request.content), problem);
    ApiError { provider: Some(format!("{provider_field}: {problem}")), ..error }
}

/// Maps a provider field path (`touser`, `text.content`, `audience.cid[2]`) to the request's.
pub(crate) fn api_field(field: &str, content: &Content) -> String {
    const FIXED: &[(&str, &str)] = &[
        ("touser", "to.users"),
        ("toparty", "to.parties"),
        ("totag", "to.tags"),
        ("chatid", "to.chatid"),
        ("safe", "options.safe"),
        ("duplicate_check_interval", "options.duplicate_check_interval"),
        ("request_id", "options.request_id"),
        ("audience.cid", "to.cids"),
        ("audience.alias", "to.aliases"),
        ("audience.tag", "to.tag_conditions"),
        ("audience", "to"),
        ("text.mentioned_list", "to.mentions"),
        ("text.mentioned_mobile_list", "to.mention_mobiles"),
    ];
    let strip = |field: &str, prefix: &str| -> Option<String> {
        let rest = field.strip_prefix(prefix)?;
        (rest.is_empty() || rest.starts_with(['.', '['])).then(|| rest.to_owned())
    };
    if let Some((rest, to)) = FIXED.iter().find_map(|(from, to)| strip(field, from).map(|r| (r, to))) {
        return format!("{to}{rest}");
    }
    let renamed: &[(&str, &str)] = match content {
        Content::Text(_) => &[("text.content", "content.text")],
        Content::Markdown(_) => &[("markdown.content", "content.markdown")],
        Content::Card(_) => &[("textcard.btntxt", "content.card.button_text"), ("textcard", "content.card")],
        Content::Getui(_) => &[("push_message", "content.getui"), ("", "content.getui.")],
        Content::Wecom(_) => &[("", "content.wecom.")],
        Content::WecomRobot(_) => &[("", "content.wecom_robot.")],
        Content::Dingtalk(_) => &[("", "content.dingtalk.")],
        Content::Feishu(_) => &[("", "content.feishu.")],
        Content::Email(_) => &[("", "content.email.")],
        Content::Image(_) | Content::File(_) | Content::News(_) => &[("", "content.")],
    };
    for (from, to) in renamed {
        if from.is_empty() {
            return format!("{to}{field}");
        }
        if let Some(rest) = strip(field, from) {
            return format!("{to}{rest}");
        }
    }
    format!("content.{}", content.key())
}

impl Plan {
    /// The outbox rows of this plan's dispatches. A dispatch that names its predecessor keeps
    /// it (Getui list chunks wait for the create call); split parts go out in order, each after
    /// the previous one was delivered. A body WeCom deduplicates carries its duplicate guard
    /// (see [`crate::providers::wecom_app::dedupe`]). With `coalesce_on = Some(channel)`, WeCom sends that may
    /// be merged with identical ones carry their coalesce key (see [`crate::gateway::coalesce`]).
    pub fn new_dispatches(&self, coalesce_on: Option<&str>) -> Vec<yizhan_store::NewDispatch> {
        self.dispatches
            .iter()
            .enumerate()
            .map(|(i, d)| yizhan_store::NewDispatch {
                coalesce_key: coalesce_on.and_then(|channel| super::coalesce::key(channel, d, self.expires_at_ms)),
                body: d.body.clone(),
                endpoint: d.endpoint.to_owned(),
                dedupe_id: d.dedupe_id.clone(),
                recipients: d.recipients.clone(),
                after_seq: match d.after {
                    Some(after) => i64::try_from(after).ok(),
                    None => (self.ordered && i > 0).then(|| i64::try_from(i - 1).unwrap_or(i64::MAX)),
                },
                duplicate: providers::duplicate_guard(d.endpoint, &d.body, self.dedupe),
                resend_safe: d.resend_safe(),
            })
            .collect()
    }
}

impl PlannedDispatch {
    /// Whether resending this body after an ambiguous failure is deduplicated by the provider,
    /// decided here once and stored with the dispatch: WeCom `message/send` with
    /// `enable_duplicate_check = 1`, and Getui pushes that carry a `request_id` (at the top
    /// level, or in the `message` of a list push). Robot webhooks and appchat sends have no
    /// dedupe, so they are never resent after an ambiguous failure; neither is a list chunk,
    /// which has no `request_id` (docs/gateway.md, "Resend safety").
    pub fn resend_safe(&self) -> bool {
        resend_safe(self.endpoint, &self.body)
    }
}

/// [`PlannedDispatch::resend_safe`] of a body planned for `endpoint`: the provider's rule
/// ([`providers::resend_is_safe`]).
pub(crate) fn resend_safe(endpoint: &str, body: &[u8]) -> bool {
    providers::resend_is_safe(endpoint, body)
}
