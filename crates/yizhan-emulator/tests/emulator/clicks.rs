//! Card clicks: the encrypted event is POSTed to the app's callback URL and retried like WeCom.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use yizhan_emulator::{Click, ClickError, EmulatorConfig};

use crate::support::{Env, typed};

/// A scripted callback endpoint: answers the queued statuses (then 200), optionally slowly.
#[derive(Clone, Default)]
struct Endpoint {
    statuses: Arc<Mutex<VecDeque<u16>>>,
    delay: Arc<Mutex<Duration>>,
    received: Arc<Mutex<Vec<(String, String)>>>,
}

impl Endpoint {
    async fn spawn(statuses: &[u16]) -> (Self, String) {
        let endpoint = Endpoint::default();
        endpoint.statuses.lock().unwrap().extend(statuses);
        let app = Router::new().route("/callback", post(answer)).with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (endpoint, format!("http://{addr}/callback"))
    }

    fn received(&self) -> Vec<(String, String)> {
        self.received.lock().unwrap().clone()
    }
}

async fn answer(State(e): State<Endpoint>, RawQuery(query): RawQuery, body: String) -> StatusCode {
    e.received.lock().unwrap().push((query.unwrap_or_default(), body));
    let delay = *e.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let status = e.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

async fn env_with_callback(url: Option<String>) -> Env {
    let mut config = EmulatorConfig::default();
    config.wecom.apps[0].callback_url = url;
    config.wecom.callback_timeout_ms = 300;
    Env::with(config, None).await
}

fn button_card() -> Value {
    json!({"card_type": "button_interaction", "task_id": "task-7", "main_title": {"title": "Deploy?"},
        "button_list": [{"text": "Go", "key": "go"}, {"text": "Docs", "type": 1, "url": "https://example.invalid"}],
        "button_selection": {"question_key": "env", "option_list": [{"id": "prod", "text": "prod"},
            {"id": "stage", "text": "stage"}], "selected_id": "stage"}})
}

async fn send_card(env: &Env, card: Value) -> String {
    let token = env.token().await;
    let mut body = typed("template_card", card);
    body["touser"] = json!("alice|bob|carol|dave");
    let v = env.send(&token, &body).await;
    assert_eq!(v["errcode"], 0, "{v}");
    v["msgid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_click_posts_the_encrypted_event_with_a_new_response_code() {
    let (endpoint, url) = Endpoint::spawn(&[]).await;
    let env = env_with_callback(Some(url)).await;
    let msgid = send_card(&env, button_card()).await;
    let outcome = env.emu.click(Click::msgid(&msgid, "Alice", "go")).await.unwrap();
    assert!(outcome.delivered);
    assert_eq!((outcome.attempts.len(), outcome.final_status), (1, Some(200)));
    assert_eq!(outcome.event, "template_card_event");
    let codes = env.emu.response_codes();
    assert_eq!(codes.len(), 2, "the send's code and the click's code");
    assert_eq!(codes[1].response_code, outcome.response_code);
    assert_ne!(codes[0].response_code, codes[1].response_code);
    assert_eq!((codes[1].msgid.as_str(), codes[1].task_id.as_deref()), (msgid.as_str(), Some("task-7")));
    let xml = &outcome.xml;
    for part in [
        "<ToUserName><![CDATA[wwyizhandemo]]></ToUserName><FromUserName><![CDATA[alice]]></FromUserName>",
        "<Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[go]]></EventKey>",
        "<TaskId><![CDATA[task-7]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>",
        &format!("<ResponseCode><![CDATA[{}]]></ResponseCode><AgentID>1000002</AgentID>", outcome.response_code),
        "<SelectedItem><QuestionKey><![CDATA[env]]></QuestionKey><OptionIds><OptionId><![CDATA[stage]]></OptionId>",
    ] {
        assert!(xml.contains(part), "{part} not in {xml}");
    }
    let received = endpoint.received();
    assert_eq!(received.len(), 1);
    let (query, body) = &received[0];
    assert!(
        query.starts_with("msg_signature=") && query.contains("&timestamp=") && query.contains("&nonce="),
        "{query}"
    );
    assert!(body.starts_with("<xml><ToUserName><![CDATA[wwyizhandemo]]></ToUserName><Encrypt><![CDATA["), "{body}");
    assert!(body.ends_with("]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"), "{body}");
    assert!(!body.contains("task-7"), "the event is encrypted");
    assert_eq!((outcome.reply, outcome.reply_error), (None, None), "an empty 200 is no reply");
}

#[tokio::test]
async fn failed_attempts_are_retried_three_times_in_all() {
    let (endpoint, url) = Endpoint::spawn(&[500, 502]).await;
    let env = env_with_callback(Some(url)).await;
    send_card(&env, button_card()).await;
    let outcome = env.emu.click(Click::task_id("task-7", "alice", "go")).await.unwrap();
    let statuses: Vec<_> = outcome.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(502), Some(200)]);
    assert!(outcome.delivered);
    let received = endpoint.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| *r == received[0]), "retries resend the same signed body");

    endpoint.statuses.lock().unwrap().extend([500, 500, 500, 500]);
    let outcome = env.emu.click(Click::task_id("task-7", "alice", "go")).await.unwrap();
    assert!(!outcome.delivered);
    assert_eq!((outcome.attempts.len(), outcome.final_status), (3, Some(500)));
    assert_eq!(outcome.attempts[2].error.as_deref(), Some("HTTP 500"));
}

#[tokio::test]
async fn slow_endpoints_time_out_and_are_retried() {
    let (endpoint, url) = Endpoint::spawn(&[]).await;
    *endpoint.delay.lock().unwrap() = Duration::from_millis(1000);
    let env = env_with_callback(Some(url)).await;
    send_card(&env, button_card()).await;
    let outcome = env.emu.click(Click::task_id("task-7", "bob", "go")).await.unwrap();
    assert!(!outcome.delivered);
    assert_eq!(outcome.final_status, None);
    assert_eq!(outcome.attempts.len(), 3);
    assert!(outcome.attempts.iter().all(|a| a.error.as_deref() == Some("timeout") && a.elapsed_ms < 900));
    assert_eq!(endpoint.received().len(), 3);
}

#[tokio::test]
async fn refused_clicks_send_nothing() {
    let (endpoint, url) = Endpoint::spawn(&[]).await;
    let env = env_with_callback(Some(url)).await;
    let err = env.emu.click(Click::msgid("nope", "alice", "go")).await.unwrap_err();
    assert!(matches!(err, ClickError::NoCard(_)), "{err}");
    assert_eq!(err.status(), 404);
    let msgid = send_card(&env, button_card()).await;
    let cases = [
        (Click::msgid(&msgid, "alice", "missing"), 400),
        (Click::msgid(&msgid, "alice", "Docs"), 400),
        (Click::msgid(&msgid, "zed", "go"), 404),
        (Click::msgid(&msgid, "alice", "go").select("env", ["qa"]), 400),
        (Click::msgid(&msgid, "alice", "go").select("region", ["prod"]), 400),
        (Click::task_id("task-8", "alice", "go"), 404),
        (Click { msgid: None, task_id: None, user: "alice".into(), key: "go".into(), selected: vec![] }, 400),
    ];
    for (click, status) in cases {
        let err = env.emu.click(click.clone()).await.unwrap_err();
        assert_eq!(err.status(), status, "{click:?}: {err}");
    }
    assert!(endpoint.received().is_empty());
    assert_eq!(env.emu.response_codes().len(), 1, "no code issued for refused clicks");

    let env = env_with_callback(None).await;
    let msgid = send_card(&env, button_card()).await;
    let err = env.emu.click(Click::msgid(&msgid, "alice", "go")).await.unwrap_err();
    assert_eq!((err.clone(), err.status()), (ClickError::NoCallbackUrl("1000002".into()), 409));
}

#[tokio::test]
async fn menu_and_vote_clicks() {
    let (_endpoint, url) = Endpoint::spawn(&[]).await;
    let env = env_with_callback(Some(url)).await;
    let notice = json!({"card_type": "text_notice", "task_id": "menu-1", "main_title": {"title": "Build failed"},
        "card_action": {"type": 1, "url": "https://example.invalid"},
        "action_menu": {"desc": "more", "action_list": [{"text": "Mute", "key": "mute"}]}});
    let msgid = send_card(&env, notice).await;
    let outcome = env.emu.click(Click::msgid(&msgid, "carol", "mute")).await.unwrap();
    assert_eq!(outcome.event, "template_card_menu_event");
    assert!(outcome.xml.contains("<CardType><![CDATA[text_notice]]></CardType>") && !outcome.xml.contains("Selected"));
    assert_eq!(
        env.emu.click(Click::msgid(&msgid, "carol", "mute").select("q", ["a"])).await.unwrap_err().status(),
        400
    );

    let vote = json!({"card_type": "vote_interaction", "task_id": "vote-1", "submit_button": {"text": "OK", "key": "submit"},
        "checkbox": {"question_key": "lunch", "mode": 1, "option_list": [{"id": "noodles", "text": "面", "is_checked": true},
            {"id": "rice", "text": "饭", "is_checked": true}, {"id": "salad", "text": "沙拉"}]}});
    let msgid = send_card(&env, vote).await;
    let defaults = env.emu.click(Click::msgid(&msgid, "dave", "submit")).await.unwrap();
    assert!(
        defaults.xml.contains(
            "<OptionIds><OptionId><![CDATA[noodles]]></OptionId><OptionId><![CDATA[rice]]></OptionId></OptionIds>"
        ),
        "{}",
        defaults.xml
    );
    let chosen = env.emu.click(Click::msgid(&msgid, "dave", "submit").select("lunch", ["salad"])).await.unwrap();
    assert!(chosen.xml.contains(
        "<QuestionKey><![CDATA[lunch]]></QuestionKey><OptionIds><OptionId><![CDATA[salad]]></OptionId></OptionIds>"
    ));
}

#[tokio::test]
async fn click_over_the_control_api() {
    let (endpoint, url) = Endpoint::spawn(&[503]).await;
    let env = env_with_callback(Some(url)).await;
    let msgid = send_card(&env, button_card()).await;
    let body = json!({"msgid": msgid, "user": "alice", "key": "go", "selected": [{"question_key": "env", "option_ids": ["prod"]}]});
    let resp = env.http.post(env.url("/__emulator/click")).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!((v["delivered"].clone(), v["final_status"].clone()), (json!(true), json!(200)));
    assert_eq!(v["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(v["attempts"][0]["status"], 503);
    assert_eq!(endpoint.received().len(), 2);
    let missing =
        env.http.post(env.url("/__emulator/click")).json(&json!({"task_id": "x", "user": "alice", "key": "go"}));
    let resp = missing.send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("task_id x"));
    let bad = env.http.post(env.url("/__emulator/click")).body("{\"user\": 1}").send().await.unwrap();
    assert_eq!(bad.status(), 400);
}
