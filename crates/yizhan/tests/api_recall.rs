//! After delivery: `DELETE /v1/messages/{id}` recalls a WeCom application message and
//! `POST /v1/messages/{id}/card` updates an interactive card once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use yizhan::commands::serve::serve;
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;
use yizhan_emulator::{Emulator, EmulatorConfig};
use yizhan_store::Store;

#[tokio::test]
async fn a_delivered_wecom_message_is_recalled_once() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\n\
         agent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n\n[[api_keys]]\nname = \"t\"\n\
         sha256 = \"{}\"\nchannels = [\"ops\"]\n",
        emu.base_url(),
        ApiKeys::hash("k")
    );
    let config = Config::parse(&text, "t.toml", &HashMap::new()).expect("config");
    let store = Store::open("sqlite::memory:").await.expect("store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(config, store, listener, axum::Router::new(), async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let accepted: serde_json::Value = http
        .post(format!("{base}/v1/messages"))
        .bearer_auth("k")
        .body(r#"{"channel":"ops","to":{"users":["alice"]},"content":{"text":"oops, wrong group"}}"#)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let id = accepted["id"].as_str().expect("id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let view: serde_json::Value = http
            .get(format!("{base}/v1/messages/{id}"))
            .bearer_auth("k")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if view["status"] == "delivered" {
            break;
        }
        assert!(Instant::now() < deadline, "{view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = http.delete(format!("{base}/v1/messages/{id}")).bearer_auth("k").send().await.expect("delete");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "recalled");
    let msgid = emu.inbox().iter().find(|d| d.msgtype == "text").map(|d| d.msgid.clone()).expect("sent");
    assert!(emu.inbox().iter().any(|d| d.msgtype == "recall" && d.msgid == msgid), "WeCom got the recall");
    let again = http.delete(format!("{base}/v1/messages/{id}")).bearer_auth("k").send().await.expect("delete");
    assert_eq!(again.status(), 409, "a recalled message cannot be recalled again");

    let card = r#"{"channel":"ops","to":{"users":["bob"]},"content":{"wecom":{"msgtype":"template_card",
        "template_card":{"card_type":"button_interaction","main_title":{"title":"Deploy?"},"task_id":"t9",
        "button_list":[{"text":"OK","key":"ok"}]}}}}"#;
    let accepted: serde_json::Value = http
        .post(format!("{base}/v1/messages"))
        .bearer_auth("k")
        .body(card)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let card_id = accepted["id"].as_str().expect("id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !emu.inbox().iter().any(|d| d.msgtype == "template_card") {
        assert!(Instant::now() < deadline, "card not delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The status flips to delivered right after the provider answered; wait for it.
    loop {
        let view: serde_json::Value = http
            .get(format!("{base}/v1/messages/{card_id}"))
            .bearer_auth("k")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if view["status"] == "delivered" {
            break;
        }
        assert!(Instant::now() < deadline, "{view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let update =
        |body: &'static str| http.post(format!("{base}/v1/messages/{card_id}/card")).bearer_auth("k").body(body).send();
    assert_eq!(update(r#"{"replace_name":"已处理"}"#).await.expect("post").status(), 200);
    let updated = emu.inbox().into_iter().find(|d| d.msgtype == "update_template_card").expect("WeCom got it");
    assert_eq!(updated.content["button"]["replace_name"], "已处理");
    assert_eq!(update(r#"{"replace_name":"again"}"#).await.expect("post").status(), 409, "the code is single use");
    assert_eq!(update(r#"{}"#).await.expect("post").status(), 422);
    stop.send(()).expect("stop");
    server.await.expect("joined").expect("served");
}
