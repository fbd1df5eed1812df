//! Recipient resolution: case-insensitive users, parties, tags, @all, invalid ids, 81013.

use serde_json::json;
use yizhan_emulator::DEFAULT_AGENT_ID;

use crate::support::{Env, assert_error};

fn recipients(env: &Env) -> Vec<String> {
    env.emu.inbox().into_iter().map(|d| d.recipient).collect()
}

#[tokio::test]
async fn partial_invalid_users_are_reported_lower_cased() {
    let env = Env::new().await;
    let token = env.token().await;
    let v = env.text(&token, " ALICE | Zed|bob|zed ", "hi").await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert_eq!(v["invaliduser"], "zed");
    assert!(v.get("invalidparty").is_none() && v.get("invalidtag").is_none(), "{v}");
    assert_eq!(recipients(&env), ["alice", "bob"]);
}

#[tokio::test]
async fn all_invalid_is_81013_with_lists_and_msgid() {
    let env = Env::new().await;
    let token = env.token().await;
    let body = json!({"touser": "Zed|Yan", "toparty": "9", "totag": "8|7", "msgtype": "text",
        "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}});
    let v = env.send(&token, &body).await;
    assert_error(&v, 81013);
    assert!(v["errmsg"].as_str().unwrap().starts_with("user & party & tag all invalid"), "{v}");
    assert_eq!((v["invaliduser"].as_str(), v["invalidparty"].as_str()), (Some("zed|yan"), Some("9")));
    assert_eq!(v["invalidtag"], "8|7");
    assert!(v["msgid"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats().errors, 1);
}

#[tokio::test]
async fn parties_and_tags_expand_to_a_deduplicated_union() {
    let env = Env::new().await;
    let token = env.token().await;
    let send = |toparty: &str, totag: &str, touser: &str| {
        json!({"touser": touser, "toparty": toparty, "totag": totag, "msgtype": "text",
            "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}})
    };
    assert_eq!(env.send(&token, &send("2", "", "")).await["errcode"], 0);
    assert_eq!(recipients(&env), ["alice", "bob"]);
    env.emu.reset();
    let token = env.token().await;
    assert_eq!(env.send(&token, &send("", "1", "")).await["errcode"], 0);
    assert_eq!(recipients(&env), ["carol", "dave"]);
    env.emu.reset();
    let token = env.token().await;
    let v = env.send(&token, &send("2 | 1 | 42", "1", "bob")).await;
    assert_eq!(v["invalidparty"], "42", "{v}");
    assert_eq!(recipients(&env), ["bob", "alice", "carol", "dave"]);
    env.emu.reset();
    let token = env.token().await;
    let v = env
        .send(&token, &json!({"toparty": 2, "msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": "x"}}))
        .await;
    assert_eq!(v["errcode"], 0, "numeric party ids are accepted: {v}");
    assert_eq!(recipients(&env), ["alice", "bob"]);
}

#[tokio::test]
async fn at_all_reaches_everyone_and_ignores_groups() {
    let env = Env::new().await;
    let token = env.token().await;
    let body = json!({"touser": "@all", "toparty": "404", "totag": "404", "msgtype": "text",
        "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}});
    let v = env.send(&token, &body).await;
    assert_eq!(v["errcode"], 0);
    assert!(v.get("invalidparty").is_none() && v.get("invalidtag").is_none(), "{v}");
    assert_eq!(recipients(&env), ["alice", "bob", "carol", "dave"]);
    assert_eq!(env.emu.stats().delivered, 4);
}
