//! The wire shape of every message type and the checks that name their field.

use serde_json::json;

use super::*;

fn wire(message: &Message) -> Value {
    serde_json::to_value(message).expect("serializes")
}

#[test]
fn every_type_has_feishus_field_names() {
    assert_eq!(wire(&Message::text("hi")), json!({"msg_type": "text", "content": {"text": "hi"}}));
    assert_eq!(wire(&Message::image("img_1")), json!({"msg_type": "image", "content": {"image_key": "img_1"}}));
    assert_eq!(
        wire(&Message::share_chat("oc_1")),
        json!({"msg_type": "share_chat", "content": {"share_chat_id": "oc_1"}})
    );
    let post = Post {
        title: Some("t".into()),
        content: vec![vec![
            PostTag::Text { text: "x".into(), un_escape: None },
            PostTag::At { user_id: "all".into(), user_name: None },
        ]],
    };
    assert_eq!(
        wire(&Message::post("zh_cn", post)),
        json!({"msg_type": "post", "content": {"post": {"zh_cn": {"title": "t", "content": [[{"tag": "text", "text": "x"}, {"tag": "at", "user_id": "all"}]]}}}})
    );
    let card = json!({"elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "x"}}]});
    let Value::Object(card) = card else { unreachable!() };
    assert_eq!(wire(&Message::interactive(card.clone())), json!({"msg_type": "interactive", "card": card}));
}

#[test]
fn checks_name_the_field() {
    let field = |m: Message| m.validate().expect_err("refused").field;
    assert_eq!(field(Message::text("")), "content.text");
    assert_eq!(field(Message::image(" ")), "content.image_key");
    assert_eq!(field(Message::share_chat("")), "content.share_chat_id");
    assert_eq!(field(Message::post("fr_fr", Post { title: None, content: vec![vec![]] })), "content.post.fr_fr");
    assert_eq!(field(Message::post("en_us", Post { title: None, content: vec![] })), "content.post.en_us.content");
    let bad = Post { title: None, content: vec![vec![PostTag::A { text: "x".into(), href: String::new() }]] };
    assert_eq!(field(Message::post("en_us", bad)), "content.post.en_us.content[0][0].href");
    assert_eq!(field(Message::interactive(Map::new())), "card.elements");
    let mut template = Map::new();
    template.insert("type".into(), json!("template"));
    assert_eq!(field(Message::interactive(template)), "card.type");
    let mut v2 = Map::new();
    v2.insert("schema".into(), json!("2.0"));
    v2.insert("body".into(), json!({"elements": [{"tag": "markdown", "content": "x"}]}));
    assert!(Message::interactive(v2).validate().is_ok());
}
