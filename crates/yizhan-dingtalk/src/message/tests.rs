//! The wire shape of every message type and the checks that name their field.

use serde_json::json;

use super::*;

fn wire(message: &Message) -> serde_json::Value {
    serde_json::to_value(message).expect("serializes")
}

#[test]
fn every_type_has_dingtalks_field_names() {
    assert_eq!(
        wire(&Message::text("hi").with_at(At { at_user_ids: vec!["u1".into()], is_at_all: true, ..At::default() })),
        json!({"msgtype": "text", "text": {"content": "hi"}, "at": {"atMobiles": [], "atUserIds": ["u1"], "isAtAll": true}})
    );
    assert_eq!(
        wire(&Message::markdown("t", "**x**")),
        json!({"msgtype": "markdown", "markdown": {"title": "t", "text": "**x**"}})
    );
    assert_eq!(
        wire(&Message::link("t", "x", "https://e.com")),
        json!({"msgtype": "link", "link": {"title": "t", "text": "x", "messageUrl": "https://e.com"}})
    );
    assert_eq!(
        wire(&Message::action_card("t", "x", Buttons::Single("Open".into(), "https://e.com".into()))),
        json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "singleTitle": "Open", "singleURL": "https://e.com"}})
    );
    let several = Buttons::Several(vec![Button { title: "A".into(), action_url: "https://a".into() }]);
    assert_eq!(
        wire(&Message::action_card("t", "x", several)),
        json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btns": [{"title": "A", "actionURL": "https://a"}]}})
    );
    let link = FeedLink { title: "a".into(), message_url: "https://a".into(), pic_url: "https://a.png".into() };
    assert_eq!(
        wire(&Message::feed_card(vec![link])),
        json!({"msgtype": "feedCard", "feedCard": {"links": [{"title": "a", "messageURL": "https://a", "picURL": "https://a.png"}]}})
    );
}

#[test]
fn a_raw_body_round_trips() {
    let raw = json!({"msgtype": "actionCard", "actionCard": {"title": "t", "text": "x", "btns": [{"title": "A", "actionURL": "https://a"}], "btnOrientation": "1"}, "at": {"atMobiles": ["138"], "atUserIds": [], "isAtAll": false}});
    let message: Message = serde_json::from_value(raw.clone()).expect("parses");
    assert_eq!(wire(&message), raw);
    assert!(serde_json::from_value::<Message>(json!({"msgtype": "image", "image": {}})).is_err());
}

#[test]
fn checks_name_the_field() {
    let field = |m: Message| m.validate().expect_err("refused").field;
    assert_eq!(field(Message::text(" ")), "text.content");
    assert_eq!(field(Message::markdown("", "x")), "markdown.title");
    assert_eq!(field(Message::link("t", "x", "ftp://e")), "link.messageUrl");
    assert_eq!(field(Message::action_card("t", "x", Buttons::Several(Vec::new()))), "actionCard");
    let bad = Buttons::Several(vec![Button { title: "A".into(), action_url: "a".into() }]);
    assert_eq!(field(Message::action_card("t", "x", bad)), "actionCard.btns[0].actionURL");
    let mut card = Message::action_card("t", "x", Buttons::Single("A".into(), "https://a".into()));
    if let Body::ActionCard { action_card } = &mut card.body {
        action_card.btn_orientation = Some("2".into());
    }
    assert_eq!(field(card), "actionCard.btnOrientation");
    assert_eq!(field(Message::feed_card(Vec::new())), "feedCard.links");
    let link = FeedLink { title: "a".into(), message_url: "https://a".into(), pic_url: String::new() };
    assert_eq!(field(Message::feed_card(vec![link])), "feedCard.links[0].picURL");
    assert_eq!(field(Message::text("x").with_at(At::mobiles([""]))), "at.atMobiles[0]");
    assert!(Message::text("x").with_at(At::all()).validate().is_ok());
}
