//! The worker's executor against the emulator: persisted bodies in, outcomes or classified
//! failures out.

use secrecy::SecretString;
use yizhan::worker::execute::{
    AnyClient, GETUI_PUSH_LIST, GETUI_PUSH_SINGLE_CID, WECOM_MESSAGE_SEND, WECOM_WEBHOOK_SEND, execute,
};
use yizhan_core::{FailureKind, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig};
use yizhan_getui::GetuiClient;
use yizhan_getui::api::push_single_cid;
use yizhan_getui::push::{ClickType, Notification, PushMessage, PushRequest};
use yizhan_wecom::robot::{RobotClient, RobotMessage};
use yizhan_wecom::{Message, Recipients, SendRequest, WecomClient};

fn wecom(base: &str) -> AnyClient {
    let client = WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
        .base_url(base)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    AnyClient::WecomApp(client)
}

fn users(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn wecom_bodies_are_sent_as_persisted_with_outcomes_per_recipient() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let mut request = SendRequest::new(1000002, &Recipients::users(["alice", "Zed"]), Message::text("persisted"));
    request.enable_duplicate_check = Some(1);
    let body = WecomClient::prepare(&request).expect("valid").body;
    let client = wecom(&emu.base_url());
    let delivered = execute(&client, WECOM_MESSAGE_SEND, &body, &users(&["alice", "Zed"]), None).await.expect("sent");
    let outcomes: Vec<_> = delivered.outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![("alice", "delivered"), ("Zed", "invalid")]);
    assert_eq!(delivered.handles.msgid.as_deref(), Some(emu.inbox()[0].msgid.as_str()));

    // The same bytes again are deduplicated by WeCom, not delivered twice.
    execute(&client, WECOM_MESSAGE_SEND, &body, &users(&["alice"]), None).await.expect("resent");
    assert_eq!(emu.inbox().iter().filter(|d| !d.deduplicated).count(), 1);
}

#[tokio::test]
async fn failures_keep_their_classification() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let client = wecom(&emu.base_url());
    let body = WecomClient::prepare(&SendRequest::new(1000002, &Recipients::users(["bob"]), Message::text("x")))
        .expect("valid")
        .body;
    emu.fail_next_on("/cgi-bin/message/send", 1, 45009);
    let failed = execute(&client, WECOM_MESSAGE_SEND, &body, &users(&["bob"]), None).await.unwrap_err();
    assert!(matches!(failed.kind, FailureKind::RateLimited { retry_after: Some(_) }), "{failed:?}");
    emu.drop_next_connections(1);
    let failed = execute(&client, WECOM_MESSAGE_SEND, &body, &users(&["bob"]), None).await.unwrap_err();
    assert!(failed.ambiguous && failed.kind == FailureKind::Transient, "{failed:?}");
    let failed = execute(&client, GETUI_PUSH_SINGLE_CID, &body, &[], None).await.unwrap_err();
    assert_eq!(failed.kind, FailureKind::Permanent, "an endpoint of another provider");
}

#[tokio::test]
async fn robot_and_getui_dispatches() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let robot = RobotClient::builder(SecretString::from("yizhan-demo-robot-key".to_owned()))
        .base_url(emu.base_url())
        .build()
        .expect("robot");
    let body = RobotClient::prepare(&RobotMessage::markdown("**up**")).expect("valid");
    let delivered = execute(&AnyClient::WecomRobot(robot), WECOM_WEBHOOK_SEND, &body, &users(&["group"]), None).await;
    assert_eq!(delivered.expect("sent").outcomes[0].outcome, "delivered");

    let getui =
        GetuiClient::builder("yizhandemo", "yizhan-demo-appkey", SecretString::from("yizhan-demo-master".to_owned()))
            .base_url(emu.base_url())
            .build()
            .expect("getui");
    let getui = AnyClient::Getui(getui);
    let message = || PushMessage::notification(Notification::new("t", "b", ClickType::Startapp));
    let single = serde_json::to_vec(&push_single_cid::Request::new("cid-bob", message())).expect("json");
    let delivered = execute(&getui, GETUI_PUSH_SINGLE_CID, &single, &[], None).await.expect("pushed");
    assert_eq!(delivered.outcomes[0].outcome, "offline");
    assert!(delivered.handles.taskid.is_some());
    let list = serde_json::json!({
        "message": PushRequest::without_audience(message()),
        "audience": {"cid": ["cid-alice", "cid-old"]},
    });
    let delivered =
        execute(&getui, GETUI_PUSH_LIST, &serde_json::to_vec(&list).expect("json"), &[], None).await.expect("list");
    let outcomes: Vec<_> = delivered.outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![("cid-alice", "delivered"), ("cid-old", "ignored")]);
}

#[tokio::test]
async fn planned_dispatches_execute_and_reach_the_inbox() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let text = format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n",
        emu.base_url()
    );
    let config = yizhan::config::Config::parse(&text, "t.toml", &std::collections::HashMap::new()).expect("config");
    let request: yizhan::gateway::MessageRequest = serde_json::from_value(serde_json::json!({
        "channel": "ops", "to": {"users": ["alice", "zed"]}, "content": {"markdown": "**disk** full on `db-3`"}
    }))
    .expect("request");
    let channel = config.channel("ops").expect("channel");
    let plan = yizhan::gateway::plan(&request, channel, yizhan_core::Clock::System.now_ms()).expect("plan");
    assert_eq!(plan.dispatches[0].recipients, vec!["user:alice", "user:zed"]);
    let yizhan::config::ChannelConfig::WecomApp(app) = channel else { panic!("wecom_app") };
    let client = AnyClient::WecomApp(yizhan::channels::wecom_app_client(app).expect("client"));
    let dispatch = &plan.dispatches[0];
    let delivered =
        execute(&client, dispatch.endpoint, &dispatch.body, &dispatch.recipients, None).await.expect("sent");
    let outcomes: Vec<_> = delivered.outcomes.iter().map(|o| (o.recipient.as_str(), o.outcome.as_str())).collect();
    assert_eq!(outcomes, vec![("user:alice", "delivered"), ("user:zed", "invalid")]);
    let inbox: Vec<_> = emu.inbox().into_iter().map(|d| (d.recipient, d.msgtype)).collect();
    assert_eq!(inbox, vec![("alice".to_owned(), "markdown".to_owned())]);
}
