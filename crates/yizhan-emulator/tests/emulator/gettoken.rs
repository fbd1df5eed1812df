//! gettoken: success, reuse, errors, expiry.

use std::time::Duration;

use yizhan_emulator::{DEFAULT_CORP_ID, DEFAULT_SECRET, EmulatorConfig, WecomApp};

use crate::support::{Env, assert_error, text_body};

#[tokio::test]
async fn success_and_same_token_while_valid() {
    let env = Env::new().await;
    let first = env.gettoken(DEFAULT_CORP_ID, DEFAULT_SECRET).await;
    assert_eq!(first["errcode"], 0);
    assert_eq!(first["errmsg"], "ok");
    assert_eq!(first["expires_in"], 7200);
    let token = first["access_token"].as_str().unwrap();
    assert!(token.len() >= 43, "{token}");
    let second = env.gettoken(DEFAULT_CORP_ID, DEFAULT_SECRET).await;
    assert_eq!(second["access_token"], token);
    assert!(second["expires_in"].as_i64().unwrap() <= 7200);
    assert_eq!(env.emu.stats().gettoken_calls, 2);
}

#[tokio::test]
async fn expires_in_counts_down_and_a_new_token_follows_expiry() {
    let env = Env::manual().await;
    let token = env.token().await;
    env.time().advance(Duration::from_secs(100));
    let again = env.gettoken(DEFAULT_CORP_ID, DEFAULT_SECRET).await;
    assert_eq!((again["access_token"].as_str(), again["expires_in"].as_i64()), (Some(token.as_str()), Some(7100)));
    env.time().advance(Duration::from_secs(7100));
    assert_error(&env.text(&token, "alice", "hi").await, 42001);
    let fresh = env.gettoken(DEFAULT_CORP_ID, DEFAULT_SECRET).await;
    assert_ne!(fresh["access_token"], token.as_str());
    assert_eq!(fresh["expires_in"], 7200);
    assert_eq!(env.text(fresh["access_token"].as_str().unwrap(), "alice", "hi").await["errcode"], 0);
}

#[tokio::test]
async fn credential_errors() {
    let env = Env::new().await;
    assert_error(&env.gettoken("wwnobody", DEFAULT_SECRET).await, 40013);
    assert_error(&env.gettoken(DEFAULT_CORP_ID, "wrong").await, 40001);
    assert_error(&env.gettoken_query(&format!("corpsecret={DEFAULT_SECRET}")).await, 41002);
    assert_error(&env.gettoken_query(&format!("corpid=&corpsecret={DEFAULT_SECRET}")).await, 41002);
    assert_error(&env.gettoken_query(&format!("corpid={DEFAULT_CORP_ID}")).await, 41004);
    assert_error(&env.gettoken_query("").await, 41002);
    let v = env.gettoken("wwnobody", DEFAULT_SECRET).await;
    assert!(v["errmsg"].as_str().unwrap().starts_with("invalid corpid, hint: ["), "{v}");
    assert!(v.get("access_token").is_none());
    let stats = env.emu.stats();
    assert_eq!((stats.gettoken_calls, stats.errors), (7, 7));
}

#[tokio::test]
async fn expire_tokens_gives_42001_then_a_new_token_works() {
    let env = Env::new().await;
    let old = env.token().await;
    env.emu.expire_tokens();
    assert_error(&env.text(&old, "alice", "hi").await, 42001);
    let new = env.token().await;
    assert_ne!(new, old);
    assert_eq!(env.text(&new, "alice", "hi").await["errcode"], 0);
    assert_error(&env.text(&old, "alice", "hi").await, 42001);
}

#[tokio::test]
async fn tokens_are_tied_to_their_app() {
    let mut config = EmulatorConfig::default();
    config.wecom.apps.push(WecomApp {
        corp_id: DEFAULT_CORP_ID.into(),
        agent_id: 1000003,
        secret: "other".into(),
        ..WecomApp::default()
    });
    let env = Env::with(config, None).await;
    let other = env.gettoken(DEFAULT_CORP_ID, "other").await;
    let other = other["access_token"].as_str().unwrap();
    assert_ne!(other, env.token().await);
    assert_error(&env.send(other, &text_body("alice", "hi")).await, 40056);
    let mut body = text_body("alice", "hi");
    body["agentid"] = 1000003.into();
    assert_eq!(env.send(other, &body).await["errcode"], 0);
    assert_eq!(env.emu.inbox()[0].app, "1000003");
}
