//! Per-msgtype validation codes, truncation and recipient-list sizes.

use serde_json::{Value, json};
use yizhan_emulator::DEFAULT_AGENT_ID;

use crate::support::{Env, assert_error, text_body, typed};

fn article(i: usize) -> Value {
    json!({"title": format!("t{i}"), "url": "https://example.invalid", "thumb_media_id": "m", "content": "c"})
}

#[tokio::test]
async fn documented_codes() {
    let env = Env::new().await;
    let token = env.token().await;
    let cases: Vec<(Value, i64)> = vec![
        (typed("text", json!({"content": ""})), 44004),
        (typed("text", json!({})), 44004),
        (json!({"touser": "alice", "msgtype": "text", "agentid": DEFAULT_AGENT_ID}), 44004),
        (typed("text", json!({"content": "x".repeat(5121)})), 40058),
        (typed("markdown", json!({"content": "x".repeat(4097)})), 40058),
        (typed("markdown", json!({"content": ""})), 40063),
        (typed("image", json!({})), 41006),
        (typed("voice", json!({"media_id": ""})), 41006),
        (typed("file", json!({"media_id": null})), 41006),
        (typed("video", json!({"title": "t"})), 41006),
        (typed("textcard", json!({"title": "t", "description": "d"})), 40063),
        (typed("textcard", json!({"title": "t", "url": "u"})), 40063),
        (typed("textcard", json!({"title": "t", "description": "d", "url": "u".repeat(2049)})), 40039),
        (typed("news", json!({"articles": (0..9).map(article).collect::<Vec<_>>()})), 45008),
        (typed("news", json!({"articles": []})), 40063),
        (typed("news", json!({})), 40063),
        (typed("news", json!({"articles": [{"url": "u"}]})), 40063),
        (typed("mpnews", json!({"articles": (0..9).map(article).collect::<Vec<_>>()})), 45008),
        (typed("mpnews", json!({"articles": []})), 40063),
        (typed("mpnews", json!({"articles": [{"title": "t", "content": "c"}]})), 41006),
        (typed("mpnews", json!({"articles": [{"title": "t", "thumb_media_id": "m"}]})), 40063),
        (
            typed(
                "mpnews",
                json!({"articles": [{"title": "t", "thumb_media_id": "m", "content": "c", "author": "a".repeat(65)}]}),
            ),
            45032,
        ),
        (typed("miniprogram_notice", json!({"title": "t"})), 90200),
        (
            typed(
                "miniprogram_notice",
                json!({"appid": "wx1", "title": "t", "content_item": vec![json!({"key": "k", "value": "v"}); 11]}),
            ),
            90201,
        ),
        (typed("template_card", json!({})), 40063),
        (typed("template_card", json!({"card_type": "bogus"})), 40035),
        (typed("text", json!("not an object")), 40035),
        (json!({"msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}}), 82001),
        (
            json!({"touser": " | ", "toparty": "", "msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}}),
            82001,
        ),
        (text_body(&vec!["alice"; 1001].join("|"), "hi"), 40031),
        (
            json!({"toparty": vec!["1"; 101].join("|"), "msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}}),
            82002,
        ),
        (
            json!({"totag": vec!["1"; 101].join("|"), "msgtype": "text", "agentid": DEFAULT_AGENT_ID, "text": {"content": "hi"}}),
            82003,
        ),
    ];
    for (body, code) in cases {
        let v = env.send(&token, &body).await;
        assert_eq!(v["errcode"], code, "body {body}\nanswer {v}");
        assert_error(&v, code);
    }
    assert!(env.emu.inbox().is_empty());
}

#[tokio::test]
async fn over_5120_bytes_names_the_limit() {
    let env = Env::new().await;
    let token = env.token().await;
    let v = env.text(&token, "alice", &"x".repeat(5121)).await;
    assert!(v["errmsg"].as_str().unwrap().starts_with("text.content exceed max length 5120. "), "{v}");
    let v = env.text(&token, "alice", &"x".repeat(5120)).await;
    assert_eq!(v["errcode"], 0, "exactly 5120 bytes is accepted (and truncated)");
}

#[tokio::test]
async fn long_text_is_delivered_truncated_at_a_char_boundary() {
    let env = Env::new().await;
    let token = env.token().await;
    let text = "中".repeat(1000); // 3000 bytes, 3 bytes per char
    assert_eq!(env.text(&token, "alice", &text).await["errcode"], 0);
    let delivered = env.emu.inbox()[0].content["content"].as_str().unwrap().to_owned();
    assert!(delivered.len() <= 2048);
    assert_eq!(delivered.len(), 2046);
    assert!(text.starts_with(&delivered));
    let markdown = typed("markdown", json!({"content": "é".repeat(1500)})); // 3000 bytes
    assert_eq!(env.send(&token, &markdown).await["errcode"], 0);
    let delivered = env.emu.inbox()[1].content["content"].as_str().unwrap().to_owned();
    assert_eq!(delivered.len(), 2048);
}

#[tokio::test]
async fn valid_bodies_of_every_type_are_delivered() {
    let env = Env::new().await;
    let token = env.token().await;
    let bodies = [
        typed("image", json!({"media_id": env.media_id(&token, "image", "a.png").await})),
        typed("voice", json!({"media_id": env.media_id(&token, "voice", "a.amr").await})),
        typed("file", json!({"media_id": env.media_id(&token, "file", "a.pdf").await})),
        typed("video", json!({"media_id": env.media_id(&token, "video", "a.mp4").await, "title": "标".repeat(100)})),
        typed("textcard", json!({"title": "t", "description": "d", "url": "https://example.invalid"})),
        typed(
            "news",
            json!({"articles": [{"title": "t", "url": "https://example.invalid"}, {"title": "m", "appid": "wx", "pagepath": "p"}]}),
        ),
        typed("mpnews", json!({"articles": (0..8).map(article).collect::<Vec<_>>()})),
        typed("markdown", json!({"content": "**bold**"})),
        typed("miniprogram_notice", json!({"appid": "wx1", "title": "会议室预订成功"})),
    ];
    for body in &bodies {
        let v = env.send(&token, body).await;
        assert_eq!(v["errcode"], 0, "body {body}\nanswer {v}");
    }
    let inbox = env.emu.inbox();
    assert_eq!(inbox.len(), bodies.len());
    assert_eq!(inbox[3].content["title"].as_str().unwrap().len(), 126, "video title truncated to 128 bytes");
    assert_eq!(inbox[6].content["articles"].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn large_mpnews_bodies_fit() {
    let env = Env::new().await;
    let token = env.token().await;
    let big = json!({"title": "t", "thumb_media_id": "m", "content": "x".repeat(600 * 1024)});
    let v = env.send(&token, &typed("mpnews", json!({"articles": vec![big; 4]}))).await;
    assert_eq!(v["errcode"], 0, "a 2.4 MB body is accepted");
    let too_big = json!({"title": "t", "thumb_media_id": "m", "content": "x".repeat(667 * 1024)});
    assert_error(&env.send(&token, &typed("mpnews", json!({"articles": [too_big]}))).await, 45002);
}
