//! The stable names the store keeps for provider calls ([`Endpoint`], [`endpoint`]) and
//! recipients ([`Recipient`]), parsed once so the rest of the gateway matches on enums.

use std::fmt;

use super::ChannelKind;

/// The `endpoint` names of [`crate::gateway::PlannedDispatch`]: which provider call the worker makes.
pub mod endpoint {
    /// WeCom `POST /cgi-bin/message/send`.
    pub const WECOM_MESSAGE_SEND: &str = "wecom.message_send";
    /// WeCom `POST /cgi-bin/appchat/send`.
    pub const WECOM_APPCHAT_SEND: &str = "wecom.appchat_send";
    /// WeCom `POST /cgi-bin/message/update_template_card` (an alert group's card, updated
    /// through the queue: docs/alerts.md, "Card lifecycle").
    pub const WECOM_UPDATE_TEMPLATE_CARD: &str = "wecom.update_template_card";
    /// WeCom robot `POST /cgi-bin/webhook/send?key=…`.
    pub const WECOM_WEBHOOK_SEND: &str = "wecom.webhook_send";
    /// Getui `POST /push/single/cid`.
    pub const GETUI_PUSH_SINGLE_CID: &str = "getui.push_single_cid";
    /// Getui `POST /push/single/alias`.
    pub const GETUI_PUSH_SINGLE_ALIAS: &str = "getui.push_single_alias";
    /// Getui list push in one dispatch: `/push/list/message`, then `/push/list/cid` or
    /// `/push/list/alias` in chunks of 1000 (see [`crate::providers::getui::plan::ListPushBody`]). No longer
    /// planned (a retry resent every chunk); still executed for dispatches stored by older builds.
    pub const GETUI_PUSH_LIST: &str = "getui.push_list";
    /// A merged Getui call (never stored as a dispatch's endpoint): the leader of coalesced
    /// `getui.push_single_cid` dispatches, whose persisted merged body is a
    /// [`crate::providers::getui::plan::ListPushBody`], sent as `/push/list/message` then one
    /// `/push/list/cid` (≤1000 cids) with its taskid. See [`crate::providers::getui::coalesce`].
    pub const GETUI_MERGED_LIST: &str = "getui.merged_list";
    /// Getui `POST /push/list/message`: creates the list message; its taskid handle is filled
    /// into the chunk dispatches that wait for it.
    pub const GETUI_PUSH_LIST_MESSAGE: &str = "getui.push_list_message";
    /// Getui `POST /push/list/cid`: one chunk of ≤1000 cids, ordered after the create call.
    pub const GETUI_PUSH_LIST_CID: &str = "getui.push_list_cid";
    /// Getui `POST /push/list/alias`: one chunk of ≤1000 aliases, ordered after the create call.
    pub const GETUI_PUSH_LIST_ALIAS: &str = "getui.push_list_alias";
    /// Getui `POST /push/tag`.
    pub const GETUI_PUSH_TAG: &str = "getui.push_tag";
    /// Getui `POST /push/all`.
    pub const GETUI_PUSH_ALL: &str = "getui.push_all";
    /// DingTalk robot `POST /robot/send?access_token=…`.
    pub const DINGTALK_ROBOT_SEND: &str = "dingtalk.robot_send";
    /// Feishu/Lark bot `POST /open-apis/bot/v2/hook/<hook_id>`.
    pub const FEISHU_BOT_HOOK: &str = "feishu.bot_hook";
    /// One SMTP transaction: the body is the formatted MIME message, the recipients the
    /// envelope recipients.
    pub const EMAIL_SMTP_SEND: &str = "email.smtp_send";
}

/// The provider call a dispatch makes. The store keeps [`Endpoint::name`]; the worker parses
/// it once per attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// WeCom `POST /cgi-bin/message/send`.
    WecomMessageSend,
    /// WeCom `POST /cgi-bin/appchat/send`.
    WecomAppchatSend,
    /// WeCom `POST /cgi-bin/message/update_template_card`.
    WecomUpdateTemplateCard,
    /// WeCom robot `POST /cgi-bin/webhook/send?key=…`.
    WecomWebhookSend,
    /// Getui `POST /push/single/cid`.
    GetuiPushSingleCid,
    /// Getui `POST /push/single/alias`.
    GetuiPushSingleAlias,
    /// Getui list push in one dispatch (stored by older builds only).
    GetuiPushList,
    /// A merged Getui call of coalesced single pushes.
    GetuiMergedList,
    /// Getui `POST /push/list/message`.
    GetuiPushListMessage,
    /// Getui `POST /push/list/cid`.
    GetuiPushListCid,
    /// Getui `POST /push/list/alias`.
    GetuiPushListAlias,
    /// Getui `POST /push/tag`.
    GetuiPushTag,
    /// Getui `POST /push/all`.
    GetuiPushAll,
    /// DingTalk robot `POST /robot/send?access_token=…`.
    DingtalkRobotSend,
    /// Feishu/Lark bot `POST /open-apis/bot/v2/hook/<hook_id>`.
    FeishuBotHook,
    /// One SMTP transaction (`MAIL FROM`, `RCPT TO`, `DATA`).
    EmailSmtpSend,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 16] = [
        Endpoint::WecomMessageSend,
        Endpoint::WecomAppchatSend,
        Endpoint::WecomUpdateTemplateCard,
        Endpoint::WecomWebhookSend,
        Endpoint::GetuiPushSingleCid,
        Endpoint::GetuiPushSingleAlias,
        Endpoint::GetuiPushList,
        Endpoint::GetuiMergedList,
        Endpoint::GetuiPushListMessage,
        Endpoint::GetuiPushListCid,
        Endpoint::GetuiPushListAlias,
        Endpoint::GetuiPushTag,
        Endpoint::GetuiPushAll,
        Endpoint::DingtalkRobotSend,
        Endpoint::FeishuBotHook,
        Endpoint::EmailSmtpSend,
    ];

    /// The stable name the store keeps (`wecom.message_send`, …).
    pub const fn name(self) -> &'static str {
        use endpoint as e;
        match self {
            Endpoint::WecomMessageSend => e::WECOM_MESSAGE_SEND,
            Endpoint::WecomAppchatSend => e::WECOM_APPCHAT_SEND,
            Endpoint::WecomUpdateTemplateCard => e::WECOM_UPDATE_TEMPLATE_CARD,
            Endpoint::WecomWebhookSend => e::WECOM_WEBHOOK_SEND,
            Endpoint::GetuiPushSingleCid => e::GETUI_PUSH_SINGLE_CID,
            Endpoint::GetuiPushSingleAlias => e::GETUI_PUSH_SINGLE_ALIAS,
            Endpoint::GetuiPushList => e::GETUI_PUSH_LIST,
            Endpoint::GetuiMergedList => e::GETUI_MERGED_LIST,
            Endpoint::GetuiPushListMessage => e::GETUI_PUSH_LIST_MESSAGE,
            Endpoint::GetuiPushListCid => e::GETUI_PUSH_LIST_CID,
            Endpoint::GetuiPushListAlias => e::GETUI_PUSH_LIST_ALIAS,
            Endpoint::GetuiPushTag => e::GETUI_PUSH_TAG,
            Endpoint::GetuiPushAll => e::GETUI_PUSH_ALL,
            Endpoint::DingtalkRobotSend => e::DINGTALK_ROBOT_SEND,
            Endpoint::FeishuBotHook => e::FEISHU_BOT_HOOK,
            Endpoint::EmailSmtpSend => e::EMAIL_SMTP_SEND,
        }
    }

    /// The endpoint called `name`, if any.
    pub fn parse(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The kind of channel whose client makes this call.
    pub const fn kind(self) -> ChannelKind {
        match self {
            Endpoint::WecomMessageSend | Endpoint::WecomAppchatSend | Endpoint::WecomUpdateTemplateCard => {
                ChannelKind::WecomApp
            }
            Endpoint::WecomWebhookSend => ChannelKind::WecomRobot,
            Endpoint::GetuiPushSingleCid
            | Endpoint::GetuiPushSingleAlias
            | Endpoint::GetuiPushList
            | Endpoint::GetuiMergedList
            | Endpoint::GetuiPushListMessage
            | Endpoint::GetuiPushListCid
            | Endpoint::GetuiPushListAlias
            | Endpoint::GetuiPushTag
            | Endpoint::GetuiPushAll => ChannelKind::Getui,
            Endpoint::DingtalkRobotSend => ChannelKind::DingtalkRobot,
            Endpoint::FeishuBotHook => ChannelKind::FeishuBot,
            Endpoint::EmailSmtpSend => ChannelKind::Email,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One recipient of a dispatch, parsed from the label the store keeps (`user:alice`,
/// `party:2`, `tag:5`, `chat:ops`, `cid:…`, `alias:…`; `all` and `group` stand alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient<'a> {
    /// A WeCom user id (`@all` is every member of the app).
    User(&'a str),
    /// A WeCom department id.
    Party(&'a str),
    /// A WeCom tag id.
    Tag(&'a str),
    /// A WeCom group chat id (`appchat`).
    Chat(&'a str),
    /// A Getui client id.
    Cid(&'a str),
    /// A Getui alias.
    Alias(&'a str),
    /// Any other label, kept whole (`all`, `group`, a tag condition).
    Other(&'a str),
}

impl<'a> Recipient<'a> {
    /// The recipient a stored label names.
    pub fn parse(label: &'a str) -> Recipient<'a> {
        match label.split_once(':') {
            Some(("user", id)) => Recipient::User(id),
            Some(("party", id)) => Recipient::Party(id),
            Some(("tag", id)) => Recipient::Tag(id),
            Some(("chat", id)) => Recipient::Chat(id),
            Some(("cid", id)) => Recipient::Cid(id),
            Some(("alias", id)) => Recipient::Alias(id),
            _ => Recipient::Other(label),
        }
    }

    /// The label the store keeps.
    pub fn label(self) -> String {
        match self {
            Recipient::User(id) => format!("user:{id}"),
            Recipient::Party(id) => format!("party:{id}"),
            Recipient::Tag(id) => format!("tag:{id}"),
            Recipient::Chat(id) => format!("chat:{id}"),
            Recipient::Cid(id) => format!("cid:{id}"),
            Recipient::Alias(id) => format!("alias:{id}"),
            Recipient::Other(label) => label.to_owned(),
        }
    }

    /// The WeCom user id, if this is one (`@all` included).
    pub fn user(self) -> Option<&'a str> {
        match self {
            Recipient::User(id) => Some(id),
            _ => None,
        }
    }

    /// The Getui cid, if this is one.
    pub fn cid(self) -> Option<&'a str> {
        match self {
            Recipient::Cid(id) => Some(id),
            _ => None,
        }
    }
}
