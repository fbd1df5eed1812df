//! The provider boundary: the one list of providers ([`ChannelKind::ALL`]) and the provider
//! calls a dispatch can name ([`Endpoint`]), each parsed once from the stable names the
//! configuration and the store keep, so the rest of the gateway matches on enums instead of
//! comparing strings.
//!
//! A provider supplies, besides its client in [`crate::channels`]: planning a request into
//! dispatches (`gateway::wecom`, `gateway::getui`), executing a dispatch
//! (`worker::execute`), recall, revoke or card update where the provider has them
//! (`server::messages`, `server::revoke`, `server::card`) and its token age for health.
//! `docs/architecture.md` has the checklist for adding one.

use std::fmt;

/// A kind of channel: one provider API. The configuration's `kind = "…"` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A WeCom (企业微信) self-built application: `kind = "wecom_app"`.
    WecomApp,
    /// A WeCom group robot webhook: `kind = "wecom_robot"`.
    WecomRobot,
    /// A Getui (个推) app: `kind = "getui"`.
    Getui,
}

impl ChannelKind {
    /// Every provider the gateway serves, in the order the documentation lists them. This is
    /// the one list: configuration parsing, `config check` and help texts read it.
    pub const ALL: [ChannelKind; 3] = [ChannelKind::WecomApp, ChannelKind::WecomRobot, ChannelKind::Getui];

    /// The stable name, as written in the configuration.
    pub const fn name(self) -> &'static str {
        match self {
            ChannelKind::WecomApp => "wecom_app",
            ChannelKind::WecomRobot => "wecom_robot",
            ChannelKind::Getui => "getui",
        }
    }

    /// The kind called `name`, if any.
    pub fn parse(name: &str) -> Option<ChannelKind> {
        ChannelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Every kind's name, for messages ("wecom_app, wecom_robot or getui").
    pub fn names() -> impl Iterator<Item = &'static str> {
        ChannelKind::ALL.into_iter().map(ChannelKind::name)
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The provider call a dispatch makes. The store keeps [`Endpoint::name`]; the worker parses
/// it once per attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// WeCom `POST /cgi-bin/message/send`.
    WecomMessageSend,
    /// WeCom `POST /cgi-bin/appchat/send`.
    WecomAppchatSend,
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
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Endpoint; 12] = [
        Endpoint::WecomMessageSend,
        Endpoint::WecomAppchatSend,
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
    ];

    /// The stable name the store keeps (`wecom.message_send`, …).
    pub const fn name(self) -> &'static str {
        use crate::gateway::endpoint as e;
        match self {
            Endpoint::WecomMessageSend => e::WECOM_MESSAGE_SEND,
            Endpoint::WecomAppchatSend => e::WECOM_APPCHAT_SEND,
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
        }
    }

    /// The endpoint called `name`, if any.
    pub fn parse(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The kind of channel whose client makes this call.
    pub const fn kind(self) -> ChannelKind {
        match self {
            Endpoint::WecomMessageSend | Endpoint::WecomAppchatSend => ChannelKind::WecomApp,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_lists_every_provider_once() {
        let names: Vec<&str> = ChannelKind::names().collect();
        assert_eq!(names, ["wecom_app", "wecom_robot", "getui"]);
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(ChannelKind::parse("dingtalk"), None);
    }

    #[test]
    fn every_endpoint_round_trips_and_belongs_to_a_listed_provider() {
        let mut names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Endpoint::ALL.len(), "stable names are unique");
        for endpoint in Endpoint::ALL {
            assert_eq!(Endpoint::parse(endpoint.name()), Some(endpoint));
            assert!(ChannelKind::ALL.contains(&endpoint.kind()));
            let prefix = if endpoint.kind() == ChannelKind::Getui { "getui." } else { "wecom." };
            assert!(endpoint.name().starts_with(prefix), "{endpoint}");
        }
        assert_eq!(Endpoint::parse("wecom.unknown"), None);
    }

    #[test]
    fn recipient_labels_round_trip() {
        for label in ["user:alice", "party:2", "tag:5", "chat:ops", "cid:c1", "alias:a:b", "all", "group"] {
            assert_eq!(Recipient::parse(label).label(), label);
        }
        assert_eq!(Recipient::parse("alias:a:b"), Recipient::Alias("a:b"));
        assert_eq!(Recipient::parse("user:@all").user(), Some("@all"));
        assert_eq!(Recipient::parse("cid:x").user(), None);
        assert_eq!(Recipient::parse("all"), Recipient::Other("all"));
    }

    #[test]
    fn every_configured_kind_has_a_client() {
        // The registry of clients builds one per kind: a kind without a client arm would not
        // compile there, and a kind the configuration cannot name fails here.
        let text = "[[channels]]\nname = \"a\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 1\nsecret = \"s\"\n\
                    [[channels]]\nname = \"r\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\
                    [[channels]]\nname = \"g\"\nkind = \"getui\"\napp_id = \"i\"\napp_key = \"k\"\nmaster_secret = \"m\"\n";
        let config = crate::config::Config::parse(text, "t.toml", &std::collections::HashMap::new()).expect("config");
        let kinds: Vec<ChannelKind> = config.channels.iter().map(crate::config::ChannelConfig::channel_kind).collect();
        assert_eq!(kinds, ChannelKind::ALL);
        let channels =
            crate::channels::Channels::build(&config, None, crate::channels::Retries::Caller).expect("built");
        assert!(["a", "r", "g"].iter().all(|name| channels.get(name).is_some()));
    }
}
