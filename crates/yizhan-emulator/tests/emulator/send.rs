//! message/send basics: raw bodies, token errors, JSON errors, agentid, msgtype, inbox shape.

use serde_json::json;
use yizhan_emulator::DEFAULT_AGENT_ID;

use crate::support::{Env, SEND, assert_error, text_body};

#[tokio::test]
async fn accepts_a_body_without_content_type() {
    let env = Env::new().await;
    let token = env.token().await;
    let v = env.send_raw(Some(&token), text_body("alice", "hello").to_string()).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["errmsg"], "ok");
    let msgid = v["msgid"].as_str().unwrap();
    assert!(msgid.len() >= 40 && msgid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert!(v.get("invaliduser").is_none() && v.get("response_code").is_none(), "{v}");
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), 1);
    let d = &inbox[0];
    assert_eq!((d.provider.as_str(), d.app.as_str(), d.recipient.as_str()), ("wecom", "1000002", "alice"));
    assert_eq!((d.msgtype.as_str(), d.msgid.as_str()), ("text", msgid));
    assert_eq!(d.content, json!({"content": "hello"}));
    assert!(d.dropped.is_none() && !d.deduplicated);
    let stats = env.emu.stats();
    assert_eq!((stats.send_calls, stats.delivered, stats.errors), (1, 1, 0));
}

#[tokio::test]
async fn accepts_any_content_type() {
    let env = Env::new().await;
    let token = env.token().await;
    for content_type in ["text/plain", "application/json", "application/x-www-form-urlencoded"] {
        let resp = env
            .http
            .post(env.url(&format!("{SEND}?access_token={token}")))
            .header("content-type", content_type)
            .body(text_body("bob", "hi").to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "application/json; charset=UTF-8");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["errcode"], 0, "{content_type}: {v}");
    }
    assert_eq!(env.emu.stats().delivered, 3);
}

#[tokio::test]
async fn token_errors() {
    let env = Env::new().await;
    let body = text_body("alice", "hi").to_string();
    assert_error(&env.send_raw(None, body.clone()).await, 41001);
    assert_error(&env.send_raw(Some(""), body.clone()).await, 41001);
    assert_error(&env.send_raw(Some("not-a-token"), body.clone()).await, 40014);
    let token = env.token().await;
    env.emu.expire_tokens();
    assert_error(&env.send_raw(Some(&token), body).await, 42001);
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats().errors, 4);
}

#[tokio::test]
async fn malformed_json_is_40035_with_a_warning() {
    let env = Env::new().await;
    let token = env.token().await;
    for bad in ["{\"touser\":\"alice\",", "", "[1,2]", "\"text\"", "not json"] {
        let v = env.send_raw(Some(&token), bad).await;
        assert_error(&v, 40035);
        assert!(v["errmsg"].as_str().unwrap().contains("Warning: wrong json format."), "{v}");
    }
}

#[tokio::test]
async fn agentid_checks() {
    let env = Env::new().await;
    let token = env.token().await;
    let mut body = text_body("alice", "hi");
    body.as_object_mut().unwrap().remove("agentid");
    assert_error(&env.send(&token, &body).await, 41011);
    body["agentid"] = 1.into();
    assert_error(&env.send(&token, &body).await, 40056);
    body["agentid"] = true.into();
    assert_error(&env.send(&token, &body).await, 40056);
    body["agentid"] = DEFAULT_AGENT_ID.to_string().into();
    assert_eq!(env.send(&token, &body).await["errcode"], 0, "numeric strings are accepted");
}

#[tokio::test]
async fn msgtype_checks() {
    let env = Env::new().await;
    let token = env.token().await;
    let mut body = text_body("alice", "hi");
    body["msgtype"] = "sms".into();
    assert_error(&env.send(&token, &body).await, 40008);
    body.as_object_mut().unwrap().remove("msgtype");
    assert_error(&env.send(&token, &body).await, 40008);
}

#[tokio::test]
async fn one_msgid_per_request_and_fresh_ones_per_call() {
    let env = Env::new().await;
    let token = env.token().await;
    let a = env.text(&token, "alice|bob", "hi").await;
    let b = env.text(&token, "alice", "hi").await;
    assert_ne!(a["msgid"], b["msgid"]);
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), 3);
    assert_eq!(inbox[0].msgid, inbox[1].msgid);
    assert_eq!(inbox[0].msgid, a["msgid"].as_str().unwrap());
}
