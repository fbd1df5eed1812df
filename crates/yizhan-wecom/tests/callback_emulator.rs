//! Callbacks end to end: the client sends an interactive card, the emulator plays a member's
//! click and POSTs the encrypted event to a tiny app server that verifies and decrypts it with
//! [`CallbackCrypto`]. The emulator implements the scheme independently, so this checks both.

#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::post;
use secrecy::SecretString;
use yizhan_emulator::{
    Click, DEFAULT_CALLBACK_TOKEN, DEFAULT_CORP_ID, DEFAULT_ENCODING_AES_KEY, Emulator, EmulatorConfig, EmulatorHandle,
};
use yizhan_wecom::callback::{CallbackCrypto, CallbackMessage, PassiveReply, SelectedItem};
use yizhan_wecom::message::template_card::{
    Button, ButtonInteraction, Checkbox, CheckboxOption, SubmitButton, VoteInteraction,
};
use yizhan_wecom::{Message, Recipients, WecomClient};

/// The app's callback endpoint: answers the scripted statuses (then 200, with an optional
/// encrypted reply) and keeps what it decrypted.
#[derive(Clone)]
struct App {
    crypto: Arc<CallbackCrypto>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    reply: Arc<Mutex<Option<PassiveReply>>>,
    events: Arc<Mutex<Vec<Result<CallbackMessage, String>>>>,
}

impl App {
    async fn spawn(statuses: &[u16]) -> (Self, String) {
        let crypto = CallbackCrypto::new(DEFAULT_CALLBACK_TOKEN, DEFAULT_ENCODING_AES_KEY, DEFAULT_CORP_ID).unwrap();
        let app = App {
            crypto: Arc::new(crypto),
            statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
            reply: Arc::default(),
            events: Arc::default(),
        };
        let router = Router::new().route("/wecom/callback", post(receive)).with_state(app.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/wecom/callback", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        (app, url)
    }

    fn events(&self) -> Vec<CallbackMessage> {
        self.events.lock().unwrap().iter().map(|e| e.clone().unwrap()).collect()
    }
}

async fn receive(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> (StatusCode, String) {
    let param = |name: &str| q.get(name).map(String::as_str).unwrap_or_default();
    let (timestamp, nonce) = (param("timestamp"), param("nonce"));
    let event = app
        .crypto
        .decrypt_message(param("msg_signature"), timestamp, nonce, &body)
        .and_then(|xml| CallbackMessage::parse(&xml))
        .map_err(|e| e.to_string());
    let from_user = event.as_ref().ok().and_then(|e| match e {
        CallbackMessage::TemplateCardEvent { from_user, .. } => Some(from_user.clone()),
        _ => None,
    });
    app.events.lock().unwrap().push(event);
    let status = app.statuses.lock().unwrap().pop_front().unwrap_or(200);
    let reply = app.reply.lock().unwrap().clone();
    let body = match (status, reply, from_user) {
        (200, Some(reply), Some(user)) => {
            let xml = reply.to_xml(&user, DEFAULT_CORP_ID, timestamp.parse().unwrap());
            app.crypto.encrypt_reply(&xml, timestamp.parse().unwrap(), nonce).unwrap().to_xml()
        }
        _ => String::new(),
    };
    (StatusCode::from_u16(status).unwrap(), body)
}

async fn setup(statuses: &[u16]) -> (EmulatorHandle, WecomClient, App) {
    let (app, url) = App::spawn(statuses).await;
    let mut config = EmulatorConfig::default();
    config.wecom.apps[0].callback_url = Some(url);
    config.wecom.callback_timeout_ms = 2000;
    let emu = Emulator::spawn(config).await.unwrap();
    let client = WecomClient::builder(DEFAULT_CORP_ID, 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
        .base_url(emu.base_url())
        .build()
        .unwrap();
    (emu, client, app)
}

fn approval() -> Message {
    Message::template_card(ButtonInteraction::new(
        "Approve leave?",
        "task-42",
        [Button::callback("Approve", "approve"), Button::callback("Reject", "reject")],
    ))
}

#[tokio::test]
async fn a_click_on_a_sent_card_reaches_the_app_verified_and_decrypted() {
    let (emu, client, app) = setup(&[]).await;
    let receipt = client.send_message(&Recipients::users(["alice", "bob"]), approval()).await.unwrap();
    let sent_code = receipt.response_code.clone().unwrap();
    let outcome = emu.click(Click::msgid(&receipt.msgid, "bob", "approve")).await.unwrap();
    assert!(outcome.delivered, "{outcome:?}");
    assert_eq!(outcome.attempts.len(), 1);
    let events = app.events();
    assert_eq!(events.len(), 1);
    let CallbackMessage::TemplateCardEvent {
        to_user,
        from_user,
        agent_id,
        event_key,
        task_id,
        card_type,
        response_code,
        selected_items,
        ..
    } = &events[0]
    else {
        panic!("not a card event: {:?}", events[0])
    };
    assert_eq!((to_user.as_str(), from_user.as_str(), *agent_id), (DEFAULT_CORP_ID, "bob", Some(1000002)));
    assert_eq!(
        (event_key.as_str(), task_id.as_str(), card_type.as_str()),
        ("approve", "task-42", "button_interaction")
    );
    assert_eq!(response_code, &outcome.response_code);
    assert_ne!(response_code, &sent_code, "a click brings a new response code");
    assert!(selected_items.is_empty());
    assert!(emu.response_codes().iter().any(|r| &r.response_code == response_code && r.msgid == receipt.msgid));

    // The click's code updates the clicking user's card once, then it is used up.
    let update = yizhan_wecom::api::update_template_card::Request {
        atall: None,
        userids: vec!["bob".into()],
        ..yizhan_wecom::api::update_template_card::Request::replace_button_for_all(1000002, response_code, "已同意")
    };
    client.update_template_card(&update).await.unwrap();
    assert_eq!(client.update_template_card(&update).await.unwrap_err().code(), Some(40035));
    let updates: Vec<_> = emu.inbox().into_iter().filter(|d| d.msgtype == "update_template_card").collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].recipient, "bob");
}

#[tokio::test]
async fn an_endpoint_failing_twice_sees_three_attempts() {
    let (emu, client, app) = setup(&[500, 500]).await;
    let receipt = client.send_message(&Recipients::users(["alice"]), approval()).await.unwrap();
    let outcome = emu.click(Click::task_id("task-42", "alice", "reject")).await.unwrap();
    let statuses: Vec<_> = outcome.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    assert!(outcome.delivered);
    let events = app.events();
    assert_eq!(events.len(), 3, "every attempt decrypts");
    assert!(events.iter().all(|e| *e == events[0]), "the same event each time");
    assert_eq!(events[0].dedupe_key(), events[2].dedupe_key());
    assert!(matches!(&events[0], CallbackMessage::TemplateCardEvent { event_key, .. } if event_key == "reject"));
    assert!(!receipt.msgid.is_empty());
}

#[tokio::test]
async fn vote_selections_and_passive_replies() {
    let (emu, client, app) = setup(&[]).await;
    *app.reply.lock().unwrap() = Some(PassiveReply::update_button("已处理"));
    let checkbox =
        Checkbox::new("lunch", [CheckboxOption::new("noodles", "面", true), CheckboxOption::new("rice", "饭", false)]);
    let vote = VoteInteraction::new("Lunch?", "vote-1", checkbox, SubmitButton::new("OK", "submit"));
    let receipt = client.send_message(&Recipients::users(["carol"]), Message::template_card(vote)).await.unwrap();
    let click = Click::msgid(&receipt.msgid, "carol", "submit").select("lunch", ["rice", "noodles"]);
    let outcome = emu.click(click).await.unwrap();
    let CallbackMessage::TemplateCardEvent { selected_items, card_type, .. } = &app.events()[0] else {
        panic!("not a card event")
    };
    assert_eq!(card_type, "vote_interaction");
    let expected = SelectedItem { question_key: "lunch".into(), option_ids: vec!["rice".into(), "noodles".into()] };
    assert_eq!(selected_items, &[expected]);
    let reply = outcome.reply.unwrap_or_else(|| panic!("no reply: {:?}", outcome.reply_error));
    assert!(
        reply.contains("<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[已处理]]>"),
        "{reply}"
    );
    assert!(reply.contains("<ToUserName><![CDATA[carol]]></ToUserName>"), "{reply}");
}
