//! The registry of providers: every listed provider has a configuration kind, a client,
//! planning and execution; endpoints and recipient labels round-trip.

use super::*;

#[test]
fn the_registry_lists_every_provider_once() {
    let names: Vec<&str> = ChannelKind::names().collect();
    assert_eq!(names, ["wecom_app", "wecom_robot", "getui", "dingtalk_robot", "feishu_bot", "email"]);
    for kind in ChannelKind::ALL {
        assert_eq!(ChannelKind::parse(kind.name()), Some(kind));
    }
    assert_eq!(ChannelKind::parse("dingtalk"), None, "kinds are matched exactly");
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
        let prefix = match endpoint.kind() {
            ChannelKind::Getui => "getui.",
            ChannelKind::WecomApp | ChannelKind::WecomRobot => "wecom.",
            ChannelKind::DingtalkRobot => "dingtalk.",
            ChannelKind::FeishuBot => "feishu.",
            ChannelKind::Email => "email.",
        };
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

/// One channel of `kind` in a configuration, pointed at a closed loopback port.
fn section(kind: ChannelKind) -> String {
    let settings = match kind {
        ChannelKind::WecomApp => "corp_id = \"ww\"\nagent_id = 1\nsecret = \"s\"",
        ChannelKind::WecomRobot => "key = \"k\"",
        ChannelKind::Getui => "app_id = \"i\"\napp_key = \"k\"\nmaster_secret = \"m\"",
        ChannelKind::DingtalkRobot => "access_token = \"t\"\nsecret = \"SECs\"",
        ChannelKind::FeishuBot => "hook_id = \"h\"\nsecret = \"s\"",
        ChannelKind::Email => "host = \"127.0.0.1\"\nport = 1\nsecurity = \"plain\"\nfrom = \"ops@example.com\"",
    };
    let base_url = if kind == ChannelKind::Email { "" } else { "base_url = \"http://127.0.0.1:1\"\n" };
    format!("[[channels]]\nname = \"{kind}\"\nkind = \"{kind}\"\n{base_url}{settings}\n")
}

/// A request each provider plans.
fn request(kind: ChannelKind) -> MessageRequest {
    let json = match kind {
        ChannelKind::WecomApp => r#"{"channel": "wecom_app", "to": {"users": ["alice"]}, "content": {"text": "hi"}}"#,
        ChannelKind::WecomRobot => r#"{"channel": "wecom_robot", "content": {"text": "hi"}}"#,
        ChannelKind::DingtalkRobot => r#"{"channel": "dingtalk_robot", "content": {"text": "hi"}}"#,
        ChannelKind::FeishuBot => r#"{"channel": "feishu_bot", "content": {"text": "hi"}}"#,
        ChannelKind::Email => r#"{"channel": "email", "to": {"emails": ["a@example.com"]}, "content": {"text": "hi"}}"#,
        ChannelKind::Getui => {
            r#"{"channel": "getui", "to": {"cids": ["c1"]}, "content": {"getui": {"transmission": "hi"}}}"#
        }
    };
    serde_json::from_str(json).expect("request")
}

#[tokio::test]
async fn every_listed_provider_has_a_config_kind_a_client_planning_and_execution() {
    let text: String = ChannelKind::ALL.into_iter().map(section).collect();
    let config = crate::config::Config::parse(&text, "t.toml", &std::collections::HashMap::new()).expect("config");
    let channels = Channels::build(&config, None, crate::channels::Retries::Caller).expect("built");
    for kind in ChannelKind::ALL {
        // A config kind: the section parses as this kind.
        let channel = config.channel(kind.name()).expect("configured");
        assert_eq!(channel.channel_kind(), kind);
        // A client arm.
        let client = channels.get(kind.name()).expect("a client");
        assert_eq!(client.kind(), kind);
        // Planning: the request plans into calls of this provider.
        let dispatches = plan(channel, &request(kind), 0, Planning::Gateway).expect("planned");
        assert!(!dispatches.is_empty(), "{kind}");
        for d in &dispatches {
            assert_eq!(Endpoint::parse(d.endpoint).map(Endpoint::kind), Some(kind), "{kind}: {}", d.endpoint);
        }
        // Execution: every endpoint of this provider is executed by its client (the call
        // fails at the closed port or at the undecodable body, never as a foreign
        // endpoint); every other provider's endpoint is refused without a call.
        for endpoint in Endpoint::ALL {
            let failed = execute(client, endpoint.name(), b"not json", &[], None).await.expect_err("no provider");
            let foreign = failed.message.contains("does not belong to this channel's kind");
            assert_eq!(foreign, endpoint.kind() != kind, "{kind} {endpoint}: {}", failed.message);
        }
    }
}
