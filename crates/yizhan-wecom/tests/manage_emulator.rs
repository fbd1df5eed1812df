//! recall, template-card updates, statistics and appchat against the emulator.

use std::time::Duration;

use secrecy::SecretString;
use yizhan_core::{Clock, FailureKind, ManualClock};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_wecom::api::appchat::{CreateRequest, SendRequest, UpdateRequest};
use yizhan_wecom::message::template_card::CardAction;
use yizhan_wecom::message::template_card::{Button, ButtonInteraction, TextNotice};
use yizhan_wecom::{Error, Message, Recipients, WecomClient};

async fn emulator_with_clock() -> (EmulatorHandle, std::sync::Arc<ManualClock>) {
    let (clock, control) = Clock::manual(1_795_406_370_000);
    let emu = Emulator::spawn_with_clock(EmulatorConfig::default(), clock).await.expect("emulator");
    (emu, control)
}

fn client(emu: &EmulatorHandle) -> WecomClient {
    WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
        .base_url(emu.base_url())
        .build()
        .expect("client")
}

fn button_card() -> Message {
    Message::template_card(ButtonInteraction::new(
        "Approve deploy?",
        "task_1",
        [Button::callback("Approve", "approve")],
    ))
}

fn is_refused(err: &Error, text: &str) -> bool {
    err.code() == Some(40035) && err.kind() == FailureKind::Permanent && err.to_string().contains(text)
}

#[tokio::test]
async fn recall_works_once_within_24_hours() {
    let (emu, clock) = emulator_with_clock().await;
    let client = client(&emu);
    let first = client.send_message(&Recipients::users(["alice"]), Message::text("oops")).await.expect("send");
    client.recall(&first.msgid).await.expect("recall");
    let err = client.recall(&first.msgid).await.unwrap_err();
    assert!(is_refused(&err, "already recalled"), "{err}");
    assert!(emu.inbox().iter().any(|d| d.msgtype == "recall" && d.msgid == first.msgid));

    let second = client.send_message(&Recipients::users(["bob"]), Message::text("old")).await.expect("send");
    clock.advance(Duration::from_secs(24 * 3600 + 1));
    let err = client.recall(&second.msgid).await.unwrap_err();
    assert!(is_refused(&err, "24 hours"), "{err}");
    let err = client.recall("never-sent").await.unwrap_err();
    assert!(is_refused(&err, "invalid msgid"), "{err}");
}

#[tokio::test]
async fn a_response_code_updates_the_card_once_within_72_hours() {
    let (emu, clock) = emulator_with_clock().await;
    let client = client(&emu);
    let receipt = client.send_message(&Recipients::users(["alice", "bob"]), button_card()).await.expect("send");
    let code = receipt.response_code.expect("interactive cards get a response_code");
    client.replace_card_button(&code, "已处理").await.expect("update");
    let updates: Vec<_> = emu.inbox().into_iter().filter(|d| d.msgtype == "update_template_card").collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].content["button"]["replace_name"], "已处理");
    assert_eq!(updates[0].msgid, receipt.msgid);
    let err = client.replace_card_button(&code, "again").await.unwrap_err();
    assert!(is_refused(&err, "already used"), "{err}");

    let late = client.send_message(&Recipients::users(["alice"]), button_card()).await.expect("send");
    clock.advance(Duration::from_secs(72 * 3600 + 1));
    let err = client.replace_card_button(&late.response_code.expect("code"), "late").await.unwrap_err();
    assert!(is_refused(&err, "expired"), "{err}");
    let err = client.replace_card_button("no-such-code", "x").await.unwrap_err();
    assert!(is_refused(&err, "invalid response_code"), "{err}");
}

#[tokio::test]
async fn replace_name_is_refused_for_notice_cards() {
    let (emu, _clock) = emulator_with_clock().await;
    let client = client(&emu);
    let mut notice = TextNotice::new("Heads up", CardAction::url("https://example.com"));
    notice.action_menu = Some(yizhan_wecom::message::template_card::ActionMenu::new(
        "menu",
        [yizhan_wecom::message::template_card::Action::new("Mute", "mute")],
    ));
    notice.task_id = Some("task_2".into());
    let receipt =
        client.send_message(&Recipients::users(["alice"]), Message::template_card(notice)).await.expect("send");
    let err = client.replace_card_button(&receipt.response_code.expect("code"), "x").await.unwrap_err();
    assert!(is_refused(&err, "interaction cards"), "{err}");
}

#[tokio::test]
async fn statistics_count_delivered_person_times_today() {
    let (emu, _clock) = emulator_with_clock().await;
    let client = client(&emu);
    client
        .send_message(&Recipients { parties: vec!["1".into()], ..Default::default() }, Message::text("all four"))
        .await
        .expect("send");
    client.send_message(&Recipients::users(["alice", "zed"]), Message::text("one valid")).await.expect("send");
    let today = client.statistics(false).await.expect("statistics");
    assert_eq!(today.len(), 1);
    assert_eq!((today[0].agentid, today[0].count), (1000002, 5));
    assert_eq!(client.statistics(true).await.expect("yesterday")[0].count, 0);
}

#[tokio::test]
async fn appchat_create_update_send() {
    let (emu, _clock) = emulator_with_clock().await;
    let client = client(&emu);
    let chatid = client
        .create_chat(&CreateRequest {
            name: Some("ops oncall".into()),
            userlist: vec!["alice".into(), "bob".into()],
            chatid: Some("opsoncall".into()),
            ..Default::default()
        })
        .await
        .expect("create");
    assert_eq!(chatid, "opsoncall");
    let send = SendRequest { chatid: chatid.clone(), message: Message::text("hello chat"), safe: None };
    client.send_to_chat(&send).await.expect("send");
    client
        .update_chat(&UpdateRequest {
            chatid: chatid.clone(),
            add_user_list: vec!["carol".into()],
            ..Default::default()
        })
        .await
        .expect("update");
    client.send_to_chat(&send).await.expect("send again");
    let info = client.get_chat(&chatid).await.expect("get");
    assert_eq!((info.name.as_str(), info.owner.as_str()), ("ops oncall", "alice"));
    assert_eq!(info.userlist, vec!["alice", "bob", "carol"]);
    assert_eq!(client.get_chat("nosuchchat").await.unwrap_err().code(), Some(86003));
    let chat_deliveries = emu.inbox().into_iter().filter(|d| d.msgid == "chat:opsoncall").count();
    assert_eq!(chat_deliveries, 2 + 3);

    let err = client
        .create_chat(&CreateRequest {
            userlist: vec!["alice".into(), "bob".into()],
            chatid: Some(chatid.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(86215));
    let err = client
        .send_to_chat(&SendRequest { chatid: "nosuchchat".into(), message: Message::text("x"), safe: None })
        .await
        .unwrap_err();
    assert_eq!((err.code(), err.kind()), (Some(86003), FailureKind::Permanent));
    let err = client
        .send_to_chat(&SendRequest { chatid: chatid.clone(), message: button_card(), safe: None })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "template cards cannot go to an appchat: {err}");
}

#[tokio::test]
async fn appchat_members_get_at_most_200_per_minute() {
    let (emu, clock) = emulator_with_clock().await;
    let client = client(&emu);
    let chatid = client
        .create_chat(&CreateRequest { userlist: vec!["alice".into(), "bob".into()], ..Default::default() })
        .await
        .expect("create");
    let send = SendRequest { chatid: chatid.clone(), message: Message::text("flood"), safe: None };
    for _ in 0..201 {
        client.send_to_chat(&send).await.expect("errcode 0 even when dropped");
    }
    let inbox = emu.inbox();
    let alice: Vec<_> = inbox.iter().filter(|d| d.recipient == "alice").collect();
    assert_eq!(alice.iter().filter(|d| d.dropped.is_none()).count(), 200);
    assert_eq!(alice.iter().filter(|d| d.dropped.as_deref() == Some("appchat_member_minute_limit")).count(), 1);
    clock.advance(Duration::from_secs(61));
    client.send_to_chat(&send).await.expect("send");
    let alice_now = emu.inbox().iter().filter(|d| d.recipient == "alice" && d.dropped.is_none()).count();
    assert_eq!(alice_now, 201, "the window slid");
}
