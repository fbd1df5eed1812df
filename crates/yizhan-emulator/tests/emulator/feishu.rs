//! Feishu/Lark custom bots over HTTP: every message type from the golden fixtures, the answer
//! shapes, every validation error, hook ids, Content-Type and body size.

use serde_json::{Value, json};
use yizhan_emulator::{DEFAULT_FEISHU_HOOK as HOOK, DEFAULT_FEISHU_SECRET as SECRET, FeishuBot};

use crate::bot_support::{JSON, feishu_error as error, feishu_text as text, fixture, fixture_names};
use crate::support::Env;

#[tokio::test]
async fn every_message_type_fixture_is_accepted_and_recorded() {
    let env = Env::manual_with(|_| {}).await;
    let names = fixture_names("feishu", "bot_hook.");
    let requests: Vec<&String> =
        names.iter().filter(|n| n.ends_with(".request.json") && !n.contains(".signed.")).collect();
    assert_eq!(requests.len(), 5, "text, post, image, share_chat, interactive: {requests:?}");
    for name in &requests {
        let body = fixture("feishu", name);
        assert_eq!(env.feishu(HOOK, Some(SECRET), &body).await, fixture("feishu", "bot_hook.response.json"), "{name}");
    }
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), requests.len());
    for (delivery, name) in inbox.iter().zip(&requests) {
        let body = fixture("feishu", name);
        assert_eq!((delivery.provider.as_str(), delivery.app.as_str()), ("feishu_bot", "yizh…"));
        assert_eq!(delivery.msgtype, body["msg_type"].as_str().unwrap());
        assert_eq!(delivery.content, body, "{name}: recorded without timestamp and sign");
        let expected = match delivery.msgtype.as_str() {
            "text" | "interactive" => "ou_7d8a6e6df7621556ce0d21922b676706",
            "post" => "ou_7d8a6e6df7621556ce0d21922b676706,@all",
            _ => "group",
        };
        assert_eq!(delivery.recipient, expected, "{name}");
    }
    let stats = env.emu.stats();
    assert_eq!((stats.feishu_calls, stats.delivered, stats.errors), (5, 5, 0));
}

#[tokio::test]
async fn every_validation_error_is_answered_and_nothing_is_recorded() {
    let env = Env::manual_with(|_| {}).await;
    let post = |post: Value| json!({"msg_type": "post", "content": {"post": post}});
    let cases = [
        (json!({"msgType": "text", "content": {"text": "x"}}), error("19002-msg_type")),
        (json!({"msg_type": "", "content": {"text": "x"}}), error("19002-msg_type")),
        (
            json!({"msg_type": "markdown", "content": {"text": "x"}}),
            json!({"code": 19002, "data": {}, "msg": "params error, unknown msg_type"}),
        ),
        (json!({"msg_type": "interactive", "content": {"text": "x"}}), error("19002-card")),
        (json!({"msg_type": "interactive", "card": "{\"elements\":[]}"}), error("19002-card")),
        (json!({"msg_type": "interactive", "card": {"header": {}}}), error("19002-card")),
        (json!({"msg_type": "text"}), error("9499-content")),
        (json!({"msg_type": "text", "content": {"text": ""}}), error("9499-content")),
        (json!({"msg_type": "text", "content": "{\"text\":\"x\"}"}), error("9499-content")),
        (json!({"msg_type": "image", "content": {"image_key": 1}}), error("9499-content")),
        (json!({"msg_type": "share_chat", "content": {"chat_id": "oc_1"}}), error("9499-content")),
        (post(json!({})), error("9499-content")),
        (post(json!({"de_de": {"content": [[{"tag": "text", "text": "x"}]]}})), error("9499-content")),
        (post(json!({"zh_cn": {"title": 1, "content": []}})), error("9499-content")),
        (post(json!({"zh_cn": {"content": [{"tag": "text", "text": "x"}]}})), error("9499-content")),
        (post(json!({"zh_cn": {"content": [[{"tag": "at"}]]}})), error("9499-content")),
        (post(json!({"zh_cn": {"content": [[{"tag": "img"}]]}})), error("9499-content")),
        (post(json!({"zh_cn": {"content": [[{"tag": "code_block", "text": "x"}]]}})), error("9499-content")),
    ];
    for (body, expected) in &cases {
        assert_eq!(&env.feishu(HOOK, Some(SECRET), body).await, expected, "{body}");
    }
    assert!(env.emu.inbox().is_empty());
    assert_eq!(env.emu.stats().errors, cases.len() as u64);

    let env = Env::manual_with(|c| c.feishu.newer_post_tags = true).await;
    let code_block = post(json!({"zh_cn": {"content": [[{"tag": "code_block", "language": "rust", "text": "x"}]]}}));
    assert_eq!(env.feishu(HOOK, Some(SECRET), &code_block).await["code"], 0, "newer tags when configured");
}

#[tokio::test]
async fn unknown_hooks_content_type_json_and_body_size() {
    let env = Env::manual_with(|_| {}).await;
    assert_eq!(env.feishu("7b01451f-113b-4296-8f0d-9615499d6545", None, &text("x")).await, error("19001"));
    let signed = |env: &Env, body: Value| {
        let mut body = body;
        let ts = (env.now_ms() / 1000).to_string();
        body["sign"] = crate::bot_support::feishu_sign(SECRET, &ts).into();
        body["timestamp"] = ts.into();
        body
    };
    let body = signed(&env, text("x")).to_string().into_bytes();
    assert_eq!(env.feishu_post(HOOK, None, body.clone()).await, error("9499"), "no Content-Type");
    assert_eq!(env.feishu_post(HOOK, Some("text/plain"), body.clone()).await, error("9499"));
    assert_eq!(env.feishu_post(HOOK, Some("application/json"), body.clone()).await["code"], 0);
    assert_eq!(env.feishu_post(HOOK, Some(JSON), b"{oops".to_vec()).await, error("9499"));
    assert_eq!(env.feishu_post(HOOK, Some(JSON), b"\"text\"".to_vec()).await, error("9499"));

    let skeleton = signed(&env, text("")).to_string().len();
    let exact = signed(&env, text(&"x".repeat(20_000 - skeleton))).to_string().into_bytes();
    assert_eq!(exact.len(), 20_000);
    assert_eq!(env.feishu_post(HOOK, Some(JSON), exact).await["code"], 0);
    let over = signed(&env, text(&"x".repeat(20_001 - skeleton))).to_string().into_bytes();
    assert_eq!(env.feishu_post(HOOK, Some(JSON), over).await, error("9499"));
    assert_eq!(env.emu.inbox().len(), 2);

    let env = Env::manual_with(|c| c.feishu.require_json_content_type = false).await;
    let body = signed(&env, text("x")).to_string().into_bytes();
    assert_eq!(env.feishu_post(HOOK, None, body).await["code"], 0, "the check can be turned off");
}

#[tokio::test]
async fn lark_clients_reach_the_same_paths() {
    // A Lark client differs only in its base URL: the path, body and answer are the same.
    let env = Env::manual_with(|c| c.feishu.bots = vec![FeishuBot::open("7b01451f-113b-4296-8f0d-9615499d6545")]).await;
    let resp = env
        .http
        .post(env.url("/open-apis/bot/v2/hook/7b01451f-113b-4296-8f0d-9615499d6545"))
        .json(&text("hello from Lark"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), fixture("feishu", "bot_hook.response.json"));
    assert_eq!(env.emu.inbox()[0].app, "7b01…");
    let legacy = env.http.post(env.url("/open-apis/bot/hook/7b01451f")).json(&text("v1")).send().await.unwrap();
    assert_eq!(legacy.status(), 404, "the legacy v1 hook is not served");
}
