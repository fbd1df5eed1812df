//! The provider boundary: the one list of providers ([`ChannelKind::ALL`]) and what each
//! supplies, reached by enum dispatch so the generic layers (server, worker, gateway, shaping)
//! never match on a channel kind.
//!
//! Each provider has a folder holding everything it supplies — [`wecom_app`], [`wecom_robot`],
//! [`getui`], [`dingtalk_robot`], [`feishu_bot`], [`email`]: planning a request into dispatches, executing a dispatch with its outcomes and
//! handles, whether a resend is safe, quota units, coalescing, text limits, recall, revoke or
//! card update, and its client. The functions below pick the provider from a [`ChannelKind`],
//! a [`ChannelConfig`], an [`AnyClient`] or an [`Endpoint`]; adding a provider adds one arm to
//! each, which the compiler asks for. `docs/architecture.md` has the checklist.

pub(crate) mod cli;
pub mod dingtalk_robot;
pub mod email;
pub mod feishu_bot;
pub mod getui;
mod group_bot;
mod names;
mod outcome;
mod wecom;
pub mod wecom_app;
pub mod wecom_robot;

use std::sync::Arc;
use std::time::Duration;

use yizhan_core::RetryPolicy;
use yizhan_core::shared_token::SharedTokens;
use yizhan_core::window::Window;
use yizhan_dingtalk::DingtalkClient;
use yizhan_feishu::FeishuClient;
use yizhan_getui::GetuiClient;
use yizhan_store::{DuplicateGuard, MessageRecord};
use yizhan_wecom::WecomClient;
use yizhan_wecom::api::update_template_card::CardUpdate;
use yizhan_wecom::robot::RobotClient;

pub use names::{Endpoint, Recipient, endpoint};
pub use outcome::{Delivered, Failed, Handles, RecipientOutcome};

use crate::channels::Channels;
use crate::config::{ChannelConfig, ShapingConfig};
use crate::gateway::coalesce::Addressee;
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch, Planning};
use crate::shaping::config::QuotaLimits;
use crate::shaping::rules::{Budget, CallUnit};

/// A kind of channel: one provider API. The configuration's `kind = "…"` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A WeCom (企业微信) self-built application: `kind = "wecom_app"`.
    WecomApp,
    /// A WeCom group robot webhook: `kind = "wecom_robot"`.
    WecomRobot,
    /// A Getui (个推) app: `kind = "getui"`.
    Getui,
    /// A DingTalk (钉钉) custom group robot: `kind = "dingtalk_robot"`.
    DingtalkRobot,
    /// A Feishu (飞书) or Lark custom group bot: `kind = "feishu_bot"`.
    FeishuBot,
    /// An SMTP server submitting email: `kind = "email"`.
    Email,
}

impl ChannelKind {
    /// Every provider the gateway serves, in the order the documentation lists them. This is
    /// the one list: configuration parsing, `config check` and help texts read it.
    pub const ALL: [ChannelKind; 6] = [
        ChannelKind::WecomApp,
        ChannelKind::WecomRobot,
        ChannelKind::Getui,
        ChannelKind::DingtalkRobot,
        ChannelKind::FeishuBot,
        ChannelKind::Email,
    ];

    /// The stable name, as written in the configuration.
    pub const fn name(self) -> &'static str {
        match self {
            ChannelKind::WecomApp => "wecom_app",
            ChannelKind::WecomRobot => "wecom_robot",
            ChannelKind::Getui => "getui",
            ChannelKind::DingtalkRobot => "dingtalk_robot",
            ChannelKind::FeishuBot => "feishu_bot",
            ChannelKind::Email => "email",
        }
    }

    /// The kind called `name`, if any.
    pub fn parse(name: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The byte limit of `content` on this kind's channels that `options.overflow` handles.
    pub fn text_limit(self, content: &Content) -> Option<usize> {
        match self {
            ChannelKind::WecomApp => wecom_app::text_limit(content),
            ChannelKind::WecomRobot => wecom_robot::text_limit(content),
            ChannelKind::DingtalkRobot => dingtalk_robot::text_limit(content),
            ChannelKind::FeishuBot => feishu_bot::text_limit(content),
            ChannelKind::Getui | ChannelKind::Email => None,
        }
    }

    /// Whether accepted sends of this kind carry a coalesce key when coalescing is on
    /// (`[shaping] coalesce_getui` for Getui).
    pub fn coalesces(self, shaping: &ShapingConfig) -> bool {
        match self {
            ChannelKind::WecomApp | ChannelKind::WecomRobot => true,
            ChannelKind::Getui => shaping.coalesce_getui,
            ChannelKind::DingtalkRobot | ChannelKind::FeishuBot | ChannelKind::Email => false,
        }
    }

    /// Whether a channel of this kind always posts to its own group, with no recipients of its
    /// own (mentions only): a group robot.
    pub fn posts_to_its_group(self) -> bool {
        match self {
            ChannelKind::WecomRobot | ChannelKind::DingtalkRobot | ChannelKind::FeishuBot => true,
            ChannelKind::WecomApp | ChannelKind::Getui | ChannelKind::Email => false,
        }
    }

    /// Whether alerts go out as a push notification (a title and a short body) rather than as
    /// a WeCom text, markdown or template card.
    pub fn alerts_as_notification(self) -> bool {
        match self {
            ChannelKind::Getui => true,
            ChannelKind::WecomApp
            | ChannelKind::WecomRobot
            | ChannelKind::DingtalkRobot
            | ChannelKind::FeishuBot
            | ChannelKind::Email => false,
        }
    }

    /// Whether the provider drops an identical send within a window of the sender's choosing
    /// (WeCom's duplicate check on `message/send`), which a route's repeat window uses.
    pub fn drops_repeats(self) -> bool {
        match self {
            ChannelKind::WecomApp => true,
            ChannelKind::WecomRobot
            | ChannelKind::Getui
            | ChannelKind::DingtalkRobot
            | ChannelKind::FeishuBot
            | ChannelKind::Email => false,
        }
    }

    /// Every kind's name, for messages.
    pub fn names() -> impl Iterator<Item = &'static str> {
        ChannelKind::ALL.into_iter().map(ChannelKind::name)
    }
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A configured channel's client.
#[derive(Debug, Clone)]
pub enum AnyClient {
    /// `wecom_app`
    WecomApp(WecomClient),
    /// `wecom_robot`
    WecomRobot(RobotClient),
    /// `getui`
    Getui(GetuiClient),
    /// `dingtalk_robot`
    DingtalkRobot(DingtalkClient),
    /// `feishu_bot`
    FeishuBot(FeishuClient),
    /// `email`
    Email(email::EmailSender),
}

impl AnyClient {
    /// The client of `channel` with the given client-side retry policy and, if given, a limit
    /// on each request; tokens are shared with other instances through `shared` (if any).
    pub fn build(
        channel: &ChannelConfig,
        shared: Option<&Arc<dyn SharedTokens>>,
        retry: RetryPolicy,
        timeout: Option<Duration>,
    ) -> anyhow::Result<AnyClient> {
        Ok(match channel {
            ChannelConfig::WecomApp(c) => AnyClient::WecomApp(wecom_app::client::build(c, shared, retry, timeout)?),
            ChannelConfig::WecomRobot(c) => AnyClient::WecomRobot(wecom_robot::client(c, retry, timeout)?),
            ChannelConfig::Getui(c) => AnyClient::Getui(getui::client(c, shared, retry, timeout)?),
            ChannelConfig::DingtalkRobot(c) => AnyClient::DingtalkRobot(dingtalk_robot::client(c, retry, timeout)?),
            ChannelConfig::FeishuBot(c) => AnyClient::FeishuBot(feishu_bot::client(c, retry, timeout)?),
            ChannelConfig::Email(c) => AnyClient::Email(email::client(c, timeout)?),
        })
    }

    /// The kind of channel this client serves.
    pub fn kind(&self) -> ChannelKind {
        match self {
            AnyClient::WecomApp(_) => ChannelKind::WecomApp,
            AnyClient::WecomRobot(_) => ChannelKind::WecomRobot,
            AnyClient::Getui(_) => ChannelKind::Getui,
            AnyClient::DingtalkRobot(_) => ChannelKind::DingtalkRobot,
            AnyClient::FeishuBot(_) => ChannelKind::FeishuBot,
            AnyClient::Email(_) => ChannelKind::Email,
        }
    }

    /// How long ago the client fetched its current access token; `None` when it has none
    /// cached or the channel has no token (group robots).
    pub fn token_age(&self) -> Option<Duration> {
        match self {
            AnyClient::WecomApp(c) => c.token_age(),
            AnyClient::Getui(c) => c.token_age(),
            AnyClient::WecomRobot(_) | AnyClient::DingtalkRobot(_) | AnyClient::FeishuBot(_) | AnyClient::Email(_) => {
                None
            }
        }
    }

    /// The WeCom application client, if this is one.
    pub fn wecom_app(&self) -> Option<&WecomClient> {
        match self {
            AnyClient::WecomApp(c) => Some(c),
            _ => None,
        }
    }

    /// The group robot client, if this is one.
    pub fn wecom_robot(&self) -> Option<&RobotClient> {
        match self {
            AnyClient::WecomRobot(c) => Some(c),
            _ => None,
        }
    }

    /// The Getui client, if this is one.
    pub fn getui(&self) -> Option<&GetuiClient> {
        match self {
            AnyClient::Getui(c) => Some(c),
            _ => None,
        }
    }
}

/// Validates one part of `request` for `channel` and plans its provider calls.
pub fn plan(
    channel: &ChannelConfig,
    part: &MessageRequest,
    now_ms: i64,
    planning: Planning,
) -> Result<Vec<PlannedDispatch>, ApiError> {
    match channel {
        ChannelConfig::WecomApp(app) => wecom_app::plan::dispatches(part, app, planning),
        ChannelConfig::WecomRobot(bot) => wecom_robot::plan::dispatches(part, &bot.name),
        ChannelConfig::Getui(app) => getui::plan::dispatches(part, &app.name, now_ms),
        ChannelConfig::DingtalkRobot(bot) => dingtalk_robot::plan::dispatches(part, bot),
        ChannelConfig::FeishuBot(bot) => feishu_bot::plan::dispatches(part, bot),
        ChannelConfig::Email(mail) => email::plan::dispatches(part, mail),
    }
}

/// The duplicate guard of a planned body (WeCom `message/send` with its duplicate check);
/// `suppress` is `options.dedupe`.
pub fn duplicate_guard(endpoint: &str, body: &[u8], suppress: bool) -> Option<DuplicateGuard> {
    match Endpoint::parse(endpoint)?.kind() {
        ChannelKind::WecomApp => wecom_app::dedupe::duplicate_guard(endpoint, body, suppress),
        ChannelKind::WecomRobot
        | ChannelKind::Getui
        | ChannelKind::DingtalkRobot
        | ChannelKind::FeishuBot
        | ChannelKind::Email => None,
    }
}

/// Which body fields address a dispatch to `endpoint` for `recipients`, if it may be merged
/// with identical ones (see [`crate::gateway::coalesce`]).
pub fn coalesce_addressee(endpoint: &str, recipients: &[String]) -> Option<Addressee> {
    let endpoint = Endpoint::parse(endpoint)?;
    match endpoint.kind() {
        ChannelKind::WecomApp => wecom_app::coalesce::addressee(endpoint, recipients),
        ChannelKind::Getui => getui::coalesce::addressee(endpoint, recipients),
        ChannelKind::WecomRobot | ChannelKind::DingtalkRobot | ChannelKind::FeishuBot | ChannelKind::Email => None,
    }
}

/// The body of the merged call of dispatches to `endpoint` like `body` (a member's) for all of
/// `recipients`; `None` when they cannot be merged.
pub fn merged_body(endpoint: &str, body: &[u8], recipients: &[String]) -> Option<Vec<u8>> {
    match Endpoint::parse(endpoint)? {
        Endpoint::WecomMessageSend => wecom_app::coalesce::merged_body(body, recipients),
        Endpoint::GetuiPushSingleCid => getui::coalesce::merged_body(body, recipients),
        _ => None,
    }
}

/// What a stored dispatch to `endpoint` is sent as (a merged call may be another call).
pub fn sent_as(endpoint: &str, merged: bool) -> &str {
    match Endpoint::parse(endpoint) {
        Some(e) if e.kind() == ChannelKind::Getui => getui::sent_as(e, merged).name(),
        _ => endpoint,
    }
}

/// Sends one dispatch — an endpoint name and the exact body persisted at accept time — through
/// `client`, and turns the answer into per-recipient outcomes or a classified failure.
/// `upstream` holds the handles recorded by the dispatch this one waits for, if it waits for
/// one (a Getui list chunk takes the taskid of its create call from it).
pub async fn execute(
    client: &AnyClient,
    endpoint: &str,
    body: &[u8],
    recipients: &[String],
    upstream: Option<&yizhan_store::Handles>,
) -> Result<Delivered, Failed> {
    let Some(parsed) = Endpoint::parse(endpoint) else {
        return Err(Failed::permanent(format!("endpoint {endpoint} does not belong to this channel's kind")));
    };
    match client {
        AnyClient::WecomApp(c) => wecom_app::execute::execute(c, parsed, body, recipients).await,
        AnyClient::WecomRobot(c) => wecom_robot::execute::execute(c, parsed, body, recipients).await,
        AnyClient::Getui(c) => getui::execute::execute(c, parsed, body, upstream).await,
        AnyClient::DingtalkRobot(c) => dingtalk_robot::execute::execute(c, parsed, body, recipients).await,
        AnyClient::FeishuBot(c) => feishu_bot::execute::execute(c, parsed, body, recipients).await,
        AnyClient::Email(c) => email::execute::execute(c, parsed, body, recipients).await,
    }
}

/// Adds `person`'s id for channels of `kind` to the matching recipient list of `to`
/// (docs/people.md, "Resolution"); the keys the person lacks when they have none.
pub fn address_person(
    kind: ChannelKind,
    person: &crate::people::PersonConfig,
    to: &mut crate::gateway::To,
) -> Result<(), &'static str> {
    use crate::people::push_unique;
    let (list, id, missing) = match kind {
        ChannelKind::WecomApp => (&mut to.users, &person.wecom_userid, "wecom_userid"),
        ChannelKind::WecomRobot => (&mut to.mentions, &person.wecom_userid, "wecom_userid"),
        ChannelKind::FeishuBot => (&mut to.mentions, &person.feishu_open_id, "feishu_open_id"),
        ChannelKind::Email => (&mut to.emails, &person.email, "email"),
        ChannelKind::Getui if person.getui_cid.is_some() => (&mut to.cids, &person.getui_cid, ""),
        ChannelKind::Getui => (&mut to.aliases, &person.getui_alias, "getui_cid or getui_alias"),
        ChannelKind::DingtalkRobot if person.dingtalk_user_id.is_some() => {
            (&mut to.mentions, &person.dingtalk_user_id, "")
        }
        ChannelKind::DingtalkRobot => {
            (&mut to.mention_mobiles, &person.dingtalk_mobile, "dingtalk_user_id or dingtalk_mobile")
        }
    };
    let id = id.as_deref().filter(|id| !id.trim().is_empty()).ok_or(missing)?;
    push_unique(list, id);
    Ok(())
}

/// The failure of a call to an endpoint of another kind than the channel's.
fn foreign_endpoint(endpoint: Endpoint) -> Failed {
    Failed::permanent(format!("endpoint {endpoint} does not belong to this channel's kind"))
}

/// Whether resending the persisted `body` after an ambiguous failure is deduplicated by the
/// provider (WeCom duplicate check, Getui `request_id`). Robot webhooks and appchat sends have
/// no dedupe, so they are never resent after an ambiguous failure; nor is email (a server that
/// lost its answer to the data may have queued the message).
pub fn resend_is_safe(endpoint: &str, body: &[u8]) -> bool {
    let Some(endpoint) = Endpoint::parse(endpoint) else { return false };
    if endpoint.kind() == ChannelKind::Email {
        return false;
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return false };
    match endpoint.kind() {
        ChannelKind::WecomApp => wecom_app::resend_is_safe(endpoint, &json),
        ChannelKind::Getui => getui::resend_is_safe(endpoint, &json),
        ChannelKind::WecomRobot | ChannelKind::DingtalkRobot | ChannelKind::FeishuBot | ChannelKind::Email => false,
    }
}

/// Whether `failed` says the provider refused every recipient of the call.
pub fn refused_every_recipient(endpoint: &str, failed: &Failed) -> bool {
    Endpoint::parse(endpoint).is_some_and(|e| wecom_app::execute::refused_every_recipient(e, failed))
}

/// The documented meaning of a provider error code of a call to `endpoint`.
pub fn code_meaning(endpoint: &str, code: Option<i64>) -> Option<&'static str> {
    Endpoint::parse(endpoint)?.kind().code_meaning(code?)
}

impl ChannelKind {
    /// The documented meaning of an error code of this provider.
    pub fn code_meaning(self, code: i64) -> Option<&'static str> {
        match self {
            ChannelKind::Getui => yizhan_getui::errcode::describe(code),
            ChannelKind::WecomApp | ChannelKind::WecomRobot => yizhan_wecom::errcode::describe(code),
            ChannelKind::DingtalkRobot => yizhan_dingtalk::errcode::describe(code),
            ChannelKind::FeishuBot => yizhan_feishu::errcode::describe(code),
            ChannelKind::Email => u16::try_from(code).ok().and_then(yizhan_email::reply::describe),
        }
    }
}

/// The quota of one channel, from its provider: the account scope of its keys, the
/// per-member windows and the per-call units under `limits`.
pub fn quota_rules(channel: &ChannelConfig, limits: &QuotaLimits) -> (String, Vec<Window>, Vec<CallUnit>) {
    let (scope, (member, units)) = match channel {
        ChannelConfig::WecomApp(c) => {
            let scope = wecom_app::quota::scope(c);
            let rules = wecom_app::quota::rules(&scope, limits);
            (scope, rules)
        }
        ChannelConfig::WecomRobot(c) => {
            let scope = wecom_robot::quota_scope(c);
            let rules = wecom_robot::quota_rules(&scope, limits);
            (scope, rules)
        }
        ChannelConfig::Getui(c) => {
            let scope = getui::quota_scope(c);
            let rules = getui::quota_rules(&scope, limits);
            (scope, rules)
        }
        ChannelConfig::DingtalkRobot(c) => {
            let scope = dingtalk_robot::quota_scope(c);
            let rules = dingtalk_robot::quota_rules(&scope, limits);
            (scope, rules)
        }
        ChannelConfig::FeishuBot(c) => {
            let scope = feishu_bot::quota_scope(c);
            let rules = feishu_bot::quota_rules(&scope, limits);
            (scope, rules)
        }
        ChannelConfig::Email(c) => {
            let scope = email::quota_scope(c);
            let rules = email::quota_rules(&scope, limits);
            (scope, rules)
        }
    };
    (scope, member, units)
}

/// The per-call budget a call to `endpoint` for `recipients` takes, besides the channel's
/// optional calls-per-minute cap.
pub fn quota_budget(endpoint: &str, recipients: &[String]) -> Option<Budget> {
    let endpoint = Endpoint::parse(endpoint)?;
    match endpoint.kind() {
        ChannelKind::WecomApp => wecom_app::quota::budget(endpoint, recipients),
        ChannelKind::WecomRobot => wecom_robot::quota_budget(endpoint),
        ChannelKind::Getui => getui::quota_budget(endpoint),
        ChannelKind::DingtalkRobot => dingtalk_robot::quota_budget(endpoint),
        ChannelKind::FeishuBot => feishu_bot::quota_budget(endpoint),
        ChannelKind::Email => email::quota_budget(endpoint),
    }
}

/// The members a call counts against under the member windows: `(index in recipients, id)`.
pub fn quota_members(endpoint: &str, recipients: &[String]) -> Vec<(usize, String)> {
    match Endpoint::parse(endpoint) {
        Some(e) if e.kind() == ChannelKind::WecomApp => wecom_app::quota::members(e, recipients),
        _ => Vec::new(),
    }
}

/// Recalls (WeCom application) or revokes (Getui) the sent message `record` of `channel`;
/// `status` is its status, `refuse` makes the 409 of a message that cannot be. Returns the
/// calls made, for the answer's `done`. The caller marks the message recalled.
pub async fn recall(
    channel: Option<&ChannelConfig>,
    channels: &Channels,
    record: &MessageRecord,
    status: &str,
    refuse: &(dyn Fn(String) -> ApiError + Sync),
) -> Result<Vec<String>, ApiError> {
    let client = channels.get(&record.channel);
    match channel {
        Some(ChannelConfig::WecomApp(_)) => {
            wecom_app::recall::recall(client.and_then(AnyClient::wecom_app), record, status, refuse).await
        }
        Some(ChannelConfig::Getui(_)) => {
            getui::revoke::revoke(client.and_then(AnyClient::getui), record, status, refuse).await
        }
        Some(
            ChannelConfig::WecomRobot(_)
            | ChannelConfig::DingtalkRobot(_)
            | ChannelConfig::FeishuBot(_)
            | ChannelConfig::Email(_),
        )
        | None => {
            Err(refuse("it was already sent; only WeCom application and Getui messages can be recalled".to_owned()))
        }
    }
}

/// Updates the template card of the sent message `record` of `channel` (WeCom application).
pub async fn update_card(
    channel: Option<&ChannelConfig>,
    channels: &Channels,
    record: &MessageRecord,
    update: CardUpdate,
    userids: Vec<String>,
) -> Result<(), ApiError> {
    let Some(ChannelConfig::WecomApp(app)) = channel else {
        return Err(ApiError::conflict("only WeCom application template cards can be updated"));
    };
    let client = channels.get(&record.channel).and_then(AnyClient::wecom_app);
    wecom_app::card::update(app, client, record, update, userids).await
}

/// What `yizhan channels check` found for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The credentials work; the detail says what was verified.
    Verified(String),
    /// A token was fetched (the caller reports how long it took).
    Token,
    /// The provider offers no check without sending a message; the text says why.
    Untestable(&'static str),
}

/// A failed channel check, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure {
    /// What the failure means for a send.
    pub kind: yizhan_core::FailureKind,
    /// The error.
    pub text: String,
    /// Lines that explain it: the code's meaning, what to do.
    pub explanation: Vec<String>,
}

impl CheckFailure {
    /// A channel the registry has no client for (cannot happen with one configuration).
    fn no_client(name: &str) -> CheckFailure {
        CheckFailure {
            kind: yizhan_core::FailureKind::Permanent,
            text: format!("channel {name:?} has no client"),
            explanation: Vec::new(),
        }
    }
}

/// Checks that `channel`'s credentials work, with its client from `channels`.
pub async fn check(channel: &ChannelConfig, channels: &Channels) -> Result<Checked, CheckFailure> {
    let client = channels.get(channel.name());
    match channel {
        ChannelConfig::WecomApp(app) => {
            wecom_app::check::check(client.and_then(AnyClient::wecom_app), app).await.map(Checked::Verified)
        }
        ChannelConfig::WecomRobot(_) => Ok(Checked::Untestable(wecom_robot::UNTESTABLE)),
        ChannelConfig::DingtalkRobot(_) => Ok(Checked::Untestable(dingtalk_robot::UNTESTABLE)),
        ChannelConfig::FeishuBot(_) => Ok(Checked::Untestable(feishu_bot::UNTESTABLE)),
        ChannelConfig::Email(_) => email::check(client).await.map(Checked::Verified),
        ChannelConfig::Getui(app) => {
            getui::check(client.and_then(AnyClient::getui), app).await.map(|()| Checked::Token)
        }
    }
}

/// One line about `channel` for `yizhan config check`: its kind and account, never a secret.
pub fn summary(channel: &ChannelConfig) -> String {
    match channel {
        ChannelConfig::WecomApp(c) => wecom_app::client::summary(c),
        ChannelConfig::WecomRobot(c) => wecom_robot::summary(c),
        ChannelConfig::Getui(c) => getui::summary(c),
        ChannelConfig::DingtalkRobot(c) => dingtalk_robot::summary(c),
        ChannelConfig::FeishuBot(c) => feishu_bot::summary(c),
        ChannelConfig::Email(c) => email::summary(c),
    }
}

/// The URL a call to `endpoint` through `channel` goes to, with its secrets redacted (what
/// `yizhan send --dry-run` shows).
pub fn call_url(channel: &ChannelConfig, client: &AnyClient, endpoint: &str) -> String {
    let parsed = Endpoint::parse(endpoint);
    match (channel, client, parsed) {
        (ChannelConfig::WecomApp(app), _, Some(e)) => wecom_app::client::call_url(app, e),
        (ChannelConfig::WecomRobot(bot), _, _) => wecom_robot::call_url(bot),
        (ChannelConfig::DingtalkRobot(bot), _, _) => dingtalk_robot::call_url(bot),
        (ChannelConfig::FeishuBot(bot), _, _) => feishu_bot::call_url(bot),
        (ChannelConfig::Email(mail), _, _) => email::call_url(mail),
        (ChannelConfig::Getui(app), AnyClient::Getui(c), Some(e)) => getui::call_url(c, app, e),
        _ => endpoint.to_owned(),
    }
}

/// The error of a configured channel without a client (a registry built from another
/// configuration).
pub fn no_client(channel: &str) -> ApiError {
    ApiError::internal(format!("channel {channel:?} has no client"))
}

#[cfg(test)]
mod tests;
