//! `/v1/callbacks/wecom/{channel}`: URL verification and encrypted messages forwarded as JSON.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use yizhan::config::Config;
use yizhan_wecom::callback::CallbackCrypto;

use crate::support::Running;
use yizhan_test_kit::wait;

const TOKEN: &str = "yizhandemotoken";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wwyizhandemo";

type Received = Arc<Mutex<Vec<serde_json::Value>>>;

async fn forward_target() -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(|State(r): State<Received>, Json(v): Json<serde_json::Value>| async move {
                r.lock().expect("lock").push(v);
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

#[tokio::test]
async fn callbacks_are_verified_decrypted_and_forwarded() {
    let (hook, received) = forward_target().await;
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"{CORP}\"\n\
         agent_id = 1000002\nsecret = \"s\"\n\n[channels.callback]\ntoken = \"{TOKEN}\"\nencoding_aes_key = \"{AES_KEY}\"\n\
         forward_url = \"{hook}\"\n"
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let running = Running::start(config).await;
    let base = format!("{}/v1/callbacks/wecom", running.base);
    let crypto = CallbackCrypto::new(TOKEN, AES_KEY, CORP).expect("crypto");
    let http = reqwest::Client::new();

    // URL verification: the decrypted echostr comes back raw.
    let echostr = crypto.encrypt("1616140317555161061").expect("encrypt");
    let signature = crypto.signature("1409659589", "263014780", &echostr);
    let answer = http
        .get(format!("{base}/ops"))
        .query(&[
            ("msg_signature", signature.as_str()),
            ("timestamp", "1409659589"),
            ("nonce", "263014780"),
            ("echostr", &echostr),
        ])
        .send()
        .await
        .expect("get");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.expect("text"), "1616140317555161061");
    let tampered = http
        .get(format!("{base}/ops"))
        .query(&[("msg_signature", "0000"), ("timestamp", "1409659589"), ("nonce", "263014780"), ("echostr", &echostr)])
        .send()
        .await
        .expect("get");
    assert_eq!(tampered.status(), 401);
    assert_eq!(http.get(format!("{base}/nosuch")).send().await.expect("get").status(), 404);

    // A pushed text message is answered at once and forwarded.
    let xml = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[alice]]></FromUserName>\
         <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
         <MsgId>4561255354251345929</MsgId><AgentID>1000002</AgentID></xml>"
    );
    let encrypted = crypto.encrypt(&xml).expect("encrypt");
    let signature = crypto.signature("1409659813", "1372623149", &encrypted);
    let body = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    );
    let answer = http
        .post(format!("{base}/ops"))
        .query(&[("msg_signature", signature.as_str()), ("timestamp", "1409659813"), ("nonce", "1372623149")])
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(answer.status(), 200);
    wait::until("the callback forwarded", Duration::from_secs(5), || !received.lock().expect("lock").is_empty()).await;
    let forwarded = received.lock().expect("lock")[0].clone();
    assert_eq!((forwarded["channel"].as_str(), forwarded["msg_type"].as_str()), (Some("ops"), Some("text")));
    assert!(forwarded["xml"].as_str().is_some_and(|x| x.contains("hello")));
    running.stop().await;
}
